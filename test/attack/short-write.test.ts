// Issue 9 item 4: a fallback happens only after its complete audit event is on disk. Under a file
// size limit (`ulimit -f`) the event's append is cut short by the kernel: byok must notice, put the
// log back as it was, and not fall back.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string | undefined>;
const byok = (args: string[], o: { stdin?: string; ulimitKiB?: number } = {}) =>
  o.ulimitKiB === undefined
    ? run(process.execPath, [BYOK_BIN, ...args], { env, stdin: o.stdin })
    : run('/bin/bash', ['-c', `ulimit -f ${o.ulimitKiB}; exec "$0" "$@"`, process.execPath, BYOK_BIN, ...args], { env, stdin: o.stdin });

beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const platform = (await emu.control.createAccount()).admin;
  env = { ...env, AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey };
  const r = await byok(['setup', '--non-interactive', '--name', 'bank', '--plan', 'enterprise', '--from-env', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'allow']);
  if (r.code !== 0) throw new Error(r.stderr);
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const p = await byok(['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', platform.accessKeyId, '--secret-access-key-stdin'], { stdin: `${platform.secretAccessKey}\n` });
  if (p.code !== 0) throw new Error(p.stderr);
}, 120_000);
afterAll(async () => {
  await emu.close();
  t.cleanup();
});

it('a fallback whose audit event is only partly written does not happen, and the log is put back as it was', async () => {
  const dir = env.BYOK_CONFIG_DIR!;
  const audit = join(dir, 'audit.jsonl');
  const config = join(dir, 'config.json');
  // Grow the log (not the config) until a 1 KiB boundary falls 150-450 bytes after its end: a
  // fallback event (~600 bytes) then crosses it, while both config writes stay under it.
  for (let i = 0; i < 40; i++) {
    const s = statSync(audit).size;
    const room = 1024 - (s % 1024);
    if (s > statSync(config).size + 1024 && room >= 150 && room <= 450) break;
    await byok(['policy', 'set', 'warn']);
    await byok(['policy', 'set', 'allow']);
  }
  const size = statSync(audit).size;
  const room = 1024 - (size % 1024);
  expect(room >= 150 && room <= 450 && size > statSync(config).size + 1024, `could not arrange the log (size ${size})`).toBe(true);
  const before = readFileSync(audit);
  await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: 'ThrottlingException' }, durationMs: 60_000 });
  try {
    const r = await byok(['invoke', '--json', 'Summarise the change window.'], { ulimitKiB: Math.ceil(size / 1024) });
    expect(r.stdout, `exit ${r.code}: ${r.stderr}`).not.toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.fallback.decision).toBe('fail');
    expect(out.attempts).toHaveLength(1);
    expect(out.attempts[0].via).toBe('byok');
    expect(out.servedBy ?? null).not.toBe('platform');
    // Nothing of the event is left: the log is byte for byte what it was, and it verifies.
    expect(readFileSync(audit).equals(before)).toBe(true);
    expect((await byok(['audit', 'verify'])).code).toBe(0);
    // Without the limit the same request falls back, with its event: the limit was the only difference.
    const ok = JSON.parse((await byok(['invoke', '--json', 'Summarise the change window.'])).stdout);
    expect(ok.servedBy).toBe('platform');
  } finally {
    await emu.control.clearFaults();
  }
});
