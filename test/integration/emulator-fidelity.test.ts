// The fidelity suite of issue 11 (Done-when): botocore, the library the AWS CLI is built on, calls
// every emulated operation with valid and invalid input and holds each answer against the service
// model it ships (test/helpers/botocore_fidelity.py says what is checked). The paths where AWS's
// real answers depart from its own model are listed there with their evidence; nothing else passes.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/emulator/aws-data.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const hasBotocore = spawnSync('python3', ['-c', 'import botocore'], { encoding: 'utf8' }).status === 0;
if (!hasBotocore) console.warn('\n!!! botocore NOT FOUND: the emulator is NOT being checked against the AWS service models in this run !!!\n');

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => emu.close());

interface Report { checked: string[]; problems: string[]; excused: { problem: string; why: string }[] }

function runSuite(): Promise<{ code: number | null; report: Report; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('python3', [new URL('../helpers/botocore_fidelity.py', import.meta.url).pathname], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, EMU_URL: emu.url, EMU_KEY: emu.admin.accessKeyId, EMU_SECRET: emu.admin.secretAccessKey, EMU_ACCOUNT: emu.admin.accountId, AWS_MAX_ATTEMPTS: '1' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => {
      let report: Report = { checked: [], problems: [`no report: ${err.slice(-2000)}`], excused: [] };
      try {
        report = JSON.parse(out) as Report;
      } catch {
        /* keep the stderr tail as the problem */
      }
      resolve({ code, report, err });
    });
  });
}

/** The AWS operations byok itself calls: every XxxCommand and paginateXxx named in src/aws/. */
function operationsByokCalls(): string[] {
  const dir = new URL('../../src/aws/', import.meta.url);
  const ops = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(new URL(f, dir), 'utf8');
    for (const m of text.matchAll(/\b(?:new\s+(?:sdk\.)?([A-Z][A-Za-z]+)Command\b|paginate([A-Z][A-Za-z]+)\b)/g)) ops.add(m[1] ?? m[2]!);
  }
  return [...ops].sort();
}

describe.skipIf(!hasBotocore)('botocore against the service models', () => {
  it('the checks report what they exist to catch: an unmodeled member (JSON and XML), a missing required one, a value outside its enum, a wrong type', () => {
    const r = spawnSync('python3', [new URL('../helpers/botocore_fidelity.py', import.meta.url).pathname, '--self-test'], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout) as { missed: string[]; reported: string[] };
    expect(out.missed).toEqual([]);
    expect(out.reported).toHaveLength(5);
    expect(r.status).toBe(0);
  });

  it('every emulated operation answers in its model\'s shapes, valid and invalid input, and every operation byok calls is among them', async () => {
    const { code, report } = await runSuite();
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    const okOps = new Set(report.checked.filter((c) => c.endsWith(' ok')).map((c) => c.split(' ')[1]));
    const missing = operationsByokCalls().filter((op) => !okOps.has(op));
    expect(missing, 'operations byok calls that the fidelity suite does not check').toEqual([]);
    // Every emulated operation, with valid and with invalid input.
    const refusedOps = new Set(report.checked.filter((c) => !c.endsWith(' ok')).map((c) => c.split(' ')[1]));
    expect(Object.keys(OPERATIONS).filter((op) => !okOps.has(op)), 'emulated operations never called with valid input').toEqual([]);
    expect(Object.keys(OPERATIONS).filter((op) => !refusedOps.has(op)), 'emulated operations never called with invalid input').toEqual([]);
    // Bedrock API keys sent by botocore (AWS_BEARER_TOKEN_BEDROCK): the malformed and the expired key are
    // both refused as the model's AccessDeniedException (the suite reports a botocore that cannot send them).
    expect(report.checked.filter((c) => c === 'bedrock-runtime Converse AccessDeniedException'), 'bearer refusals checked').toHaveLength(2);
    // Every excuse names its evidence.
    for (const e of report.excused) expect(e.why.length).toBeGreaterThan(40);
  }, 180_000);
});
