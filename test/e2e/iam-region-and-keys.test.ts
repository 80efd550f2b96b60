// issue 10, items 2 and 4 of the brief, through the built binary against the emulator: every iam
// command's --region goes through the one region check (core/regions.ts); create-access-key says
// what it stored, what it left in IAM and what to do next; `iam provision --print-commands` prints
// shell commands that run as printed (each line a complete command; run with bash and the AWS CLI).
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run, type Ran } from '../helpers/spawn.js';

const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

async function world() {
  const acct = await emu.control.createAccount();
  const t = tempConfig();
  temps.push(t);
  // A directory with a `byok` on PATH, as an installed byok would be, for the printed commands.
  const bin = mkdtempSync(join(tmpdir(), 'byok-bin-'));
  writeFileSync(join(bin, 'byok'), `#!/bin/sh\nexec "${process.execPath}" "${BYOK_BIN}" "$@"\n`);
  chmodSync(join(bin, 'byok'), 0o755);
  const env = { PATH: `${bin}:${process.env.PATH}`, HOME: t.dir, ...t.env, ...emu.clientEnv, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', BYOK_IAM_PROPAGATION_POLL_MS: '20', AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey };
  const byok = (args: string[]) => run(process.execPath, [BYOK_BIN, ...args], { env, timeoutMs: 60_000 });
  const bash = (script: string) => run('bash', ['-c', script], { env, timeoutMs: 60_000 });
  const ok = async (r: Promise<Ran>) => {
    const x = await r;
    expect(x.code, `${x.stdout}\n${x.stderr}`).toBe(0);
    return x;
  };
  await ok(byok(['workspace', 'create', 'bank', '--plan', 'enterprise']));
  await ok(byok(['config', 'set', 'geography', 'eu']));
  await ok(byok(['config', 'set', 'region', 'eu-west-1']));
  const keys = async (user = 'byok-bedrock') => (await emu.control.state()).accounts.find((a) => a.accountId === acct.accountId)!.users.find((u) => u.name === user)?.accessKeys.map((k) => k.id) ?? [];
  const requests = async () => (await emu.control.requests()).requests.filter((r) => r.accountId === acct.accountId).length;
  return { acct, byok, bash, ok, keys, requests };
}

describe('every iam --region goes through the one region check', () => {
  it.each([
    [['iam', 'provision']],
    [['iam', 'provision', '--print-commands', '--account', '123456789012']],
    [['iam', 'put-policy']],
    [['iam', 'create-access-key']],
    [['iam', 'rotate-key']],
    [['iam', 'create-user']],
    [['iam', 'policy-document', '--geography', 'eu', '--account', '123456789012']],
  ])('%j --region eu-west-9 is refused as a mistyped region (exit 2, eu-west-1 suggested) before AWS is called', async (args) => {
    const w = await world();
    const before = await w.requests();
    const r = await w.byok([...args, '--region', 'eu-west-9']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/eu-west-9 is not an AWS region/);
    expect(r.stderr).toMatch(/Did you mean eu-west-1\?/);
    // Not "outside the EU geography": eu-west-9 is no region at all.
    expect(r.stderr).not.toMatch(/outside the EU/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await w.requests()).toBe(before);
    expect((await w.byok(['config', 'get', 'region'])).stdout).toContain('eu-west-1');
  }, 60_000);
});

describe('iam provision --print-commands runs as printed', () => {
  it('every printed line is a complete shell command (bash -n parses each line on its own; no line break inside a quoted string)', async () => {
    const w = await world();
    const r = await w.ok(w.byok(['iam', 'provision', '--print-commands', '--account', '123456789012']));
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) {
      const p = spawnSync('bash', ['-n', '-c', l], { encoding: 'utf8' });
      expect(p.status, `${l}\n${p.stderr}`).toBe(0);
    }
    expect(r.stdout).toContain(`printf '%s\\n' "$secret"`);
  });

  it.skipIf(!hasAws)('run line by line with bash and the AWS CLI against the emulator, they create the user, policy and a key that byok stores and can use', async () => {
    const w = await world();
    const r = await w.ok(w.byok(['iam', 'provision', '--print-commands']));
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    for (const l of lines) {
      const x = await w.bash(l);
      expect(x.code, `${l}\n${x.stdout}\n${x.stderr}`).toBe(0);
      expect(x.stdout + x.stderr).not.toMatch(/[A-Za-z0-9/+]{40}/); // the secret never printed
    }
    const keys = await w.keys();
    expect(keys).toHaveLength(1);
    const show = JSON.parse((await w.ok(w.byok(['credentials', 'show', '--json']))).stdout) as Record<string, unknown>;
    expect(JSON.stringify(show)).toContain(keys[0]!.slice(-4));
  }, 120_000);
});

describe('iam create-access-key says what it stored, what it left behind and what to do next', () => {
  it.skipIf(!hasAws)("a second key: the workspace's previous key is named as still active in IAM, with a delete command that works as printed", async () => {
    const w = await world();
    await w.ok(w.byok(['iam', 'provision']));
    const [first] = await w.keys();
    const r = await w.ok(w.byok(['iam', 'create-access-key']));
    const second = (await w.keys()).find((k) => k !== first)!;
    expect(r.stderr).toMatch(new RegExp(`${second.slice(-4)} stored \\(encrypted\\) in workspace bank`));
    expect(r.stderr).toMatch(new RegExp(`previous key AKIA\\*+${first!.slice(-4)}.*still Active in IAM`));
    expect(r.stderr).toMatch(/byok test-connection --workspace bank/);
    expect(r.stderr).toMatch(/byok iam rotate-key --workspace bank/);
    // The delete command, run as printed, deletes exactly the previous key.
    const del = /delete it: (aws iam delete-access-key .*)$/m.exec(r.stderr)![1]!;
    await w.ok(w.bash(del));
    expect(await w.keys()).toEqual([second]);
  }, 120_000);

  it('at the two-key limit, byok does not claim the keys are not its own; it names the key to free and a command that works after', async () => {
    const w = await world();
    await w.ok(w.byok(['iam', 'provision']));
    await w.ok(w.byok(['iam', 'create-access-key']));
    const r = await w.byok(['iam', 'create-access-key']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/did not create/);
    expect(r.stderr).toMatch(/never deletes a key to make room/);
    expect(r.stderr).toMatch(/then run: byok iam create-access-key --workspace bank/);
  }, 120_000);
});
