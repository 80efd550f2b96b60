// The setup wizard in a real pseudo-terminal (Python's pty module drives it): a wrong key typed
// and corrected, a failed connection test fixed and retried, and a Ctrl-C midway that leaves the
// config byte-for-byte as it was.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { KEYS, Terminal } from '../helpers/pty-terminal.js';
import { run } from '../helpers/spawn.js';


let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string | undefined>;
beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  env = { PATH: process.env.PATH, HOME: t.dir, TERM: 'xterm-256color', ...t.env, ...emu.clientEnv };
  delete env.NO_COLOR;
});
afterAll(async () => {
  await emu.close();
  t.cleanup();
});


it('walks through the wizard: a wrong key corrected, a failed test fixed and retried, saved', async () => {
  // The connection test will fail until the fault is cleared.
  await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: 'AccessDeniedException' }, durationMs: 600_000 });
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`acme${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`); // the list starts on Scale (the first eligible plan): scale-plus, enterprise
  await term.waitFor(/How do you want to provide/);
  await term.type(KEYS.enter);
  await term.waitFor(/Access key ID/);
  await term.type(`AKIA123${KEYS.enter}`);
  await term.waitFor(/20/); // the validation message: wrong length
  await term.type(`${KEYS.backspace.repeat(7)}${emu.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  await term.type(`${emu.admin.secretAccessKey}${KEYS.enter}`);
  await term.waitFor(/Inference profile/);
  await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`); // global, us, eu
  await term.waitFor(/Source region/);
  await term.type(`${KEYS.down.repeat(4)}${KEYS.enter}`); // eu-central-1, north-1, south-1, south-2, west-1 (no eu-central-2: Zurich is not in the EU)
  await term.waitFor(/What now\?/, 60_000);
  expect(term.screen).toMatch(/Connection test failed/);
  expect(term.screen).toMatch(/IAM permission|bedrock:InvokeModel|Verify your IAM policy/);
  await emu.control.clearFaults();
  await term.type(KEYS.enter); // Retry the test
  await term.waitFor(/Connection test passed/, 60_000);
  await term.waitFor(/Fallback policy/);
  await term.type(KEYS.enter); // the Enterprise default, strict
  await term.waitFor(/Lock the policy at strict/);
  await term.type(KEYS.enter); // no lock (the default)
  await term.waitFor(/Save this configuration/);
  await term.type(KEYS.enter);
  expect(await term.exited).toBe(0);
  expect(term.screen).not.toContain(emu.admin.secretAccessKey);
  const cfg = JSON.parse((await run(process.execPath, [BYOK_BIN, 'config', 'show', '--json'], { env })).stdout);
  expect(cfg).toMatchObject({ workspace: 'acme', plan: 'enterprise', geography: 'eu', region: 'eu-west-1', policy: 'strict', lastConnectionTest: { ok: true } });
}, 180_000);

it('Ctrl-C midway exits 130 and leaves the config exactly as it was', async () => {
  const path = join(t.env.BYOK_CONFIG_DIR!, 'config.json');
  const before = readFileSync(path);
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`other${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`);
  await term.waitFor(/How do you want to provide/);
  await term.type(KEYS.enter);
  await term.waitFor(/Access key ID/);
  await term.type(`${emu.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  await term.type(KEYS.ctrlC);
  expect(await term.exited).toBe(130);
  expect(readFileSync(path).equals(before)).toBe(true);
}, 120_000);
