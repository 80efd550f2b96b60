// Issue 10 (remaining parts): the first day with byok, through the built CLI as a user runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN, runByok } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

let t: TestEnv;
afterEach(() => t.cleanup());

const WARNING = /(?:encrypted|sealed) with a key file next to it/g;
const count = (s: string) => (s.match(WARNING) ?? []).length;

describe('the key-file warning is said once per config and key, never hidden from a new key source', () => {
  beforeEach(() => {
    // No BYOK_KEY: the config is sealed with a key file, as on a fresh laptop without a keyring.
    t = tempConfig();
    delete t.env.BYOK_KEY;
  });
  const byok = (args: string[], env: Record<string, string> = {}) => runByok(args, { env: { ...t.env, ...env } });

  it('the command that creates the key file warns once; the following commands do not repeat it', async () => {
    const created = await byok(['workspace', 'create', 'acme', '--plan', 'scale']);
    expect(created.code, created.stderr).toBe(0);
    expect(count(created.stderr), 'the first command, the one that made the key file, says so once').toBe(1);
    for (const args of [['workspace', 'list'], ['config', 'show'], ['credentials', 'show'], ['policy', 'show'], ['config', 'set', 'geography', 'eu'], ['workspace', 'list']]) {
      const r = await byok(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(count(r.stderr), `${args.join(' ')} repeats the warning on stderr`).toBe(0);
    }
    // `config show` still reports where the key is: the warning stays in what it shows.
    const shown = await byok(['config', 'show', '--json']);
    const doc = JSON.parse(shown.stdout) as { encryption: { keySource: string; warning: string | null } };
    expect(doc.encryption.keySource).toBe('key-file');
    expect(doc.encryption.warning).toMatch(WARNING);
  });

  it('opened with another key source, then with the key file again, the warning comes back once', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'scale'])).code).toBe(0);
    const keyFile = readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'key'), 'utf8').trim();
    // The same key, now given as BYOK_KEY from a secret store: no key-file warning, and a write records that.
    const viaEnv = await byok(['config', 'set', 'geography', 'eu'], { BYOK_KEY: keyFile });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(count(viaEnv.stderr)).toBe(0);
    const back = await byok(['workspace', 'list']);
    expect(back.code, back.stderr).toBe(0);
    expect(count(back.stderr), 'back on the key file after another source: warn again').toBe(1);
  });
});

describe('npm run demo shows what it runs, and each step shows something happen', () => {
  it('every printed command runs as printed in a shell (the prompt quoted), and `policy set strict` changes the policy', async () => {
    t = tempConfig();
    const demo = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));
    const r = await run(process.execPath, [demo], { env: { PATH: process.env.PATH, HOME: t.dir }, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('  $ byok ')).map((l) => l.slice('  $ '.length));
    const invokes = lines.filter((l) => l.startsWith('byok invoke'));
    expect(invokes.length).toBeGreaterThan(0);
    for (const line of invokes) {
      // What a reader gets by pasting the line into a shell: the prompt must arrive as one argument.
      const parsed = await run('/bin/sh', ['-c', `set -- ${line}; printf '%s\\n' "$@"`], { env: { PATH: process.env.PATH } });
      expect(parsed.stdout.trimEnd().split('\n').at(-1), line).toBe('Summarise the overnight incident report.');
    }
    // The strict step is shown as a change of policy, not a no-op on a workspace already strict.
    const strictStep = r.stdout.slice(r.stdout.indexOf('$ byok policy set strict'));
    const strictOut = strictStep.slice(0, strictStep.indexOf('\n▶') === -1 ? undefined : strictStep.indexOf('\n▶'));
    expect(strictOut).not.toMatch(/strict → strict/);
    expect(strictOut).toMatch(/(allow|warn) → strict/);
  }, 180_000);
});

describe('a local clock that is off is corrected or blamed, never reported as wrong credentials', () => {
  let emu: TestEmulator;
  afterEach(async () => {
    await emu?.close();
  });

  it('with the clock 2 h off, setup --non-interactive passes as test-connection does, and --json keeps the checks', async () => {
    emu = await startTestEmulator();
    t = tempConfig();
    const env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, CI: 'true', AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey };
    // AWS's clock two hours ahead of ours: every signature we make looks two hours old.
    await emu.control.advanceClock(2 * 3600_000);
    const r = await run(process.execPath, [BYOK_BIN, 'setup', '--non-interactive', '--name', 'skew', '--plan', 'scale', '--from-env', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'strict', '--json'], { env, timeoutMs: 60_000 });
    expect(r.stderr + r.stdout).not.toMatch(/verify access key ID and secret/i);
    const doc = JSON.parse(r.stdout) as { ok: boolean; connectionTest: { ok: boolean; checks: { name: string; ok: boolean }[] } | null };
    expect(doc.connectionTest?.checks.map((c) => c.name)).toEqual(['credentials', 'model sonnet', 'model opus']);
    expect(r.code, r.stdout).toBe(0);
    expect(doc.connectionTest?.ok).toBe(true);
    const tc = await run(process.execPath, [BYOK_BIN, 'test-connection'], { env, timeoutMs: 60_000 });
    expect(tc.code, tc.stdout + tc.stderr).toBe(0);
  }, 120_000);

  it('a connection test that fails in setup --non-interactive is exit 1 (a failed check, not bad input), and --json keeps the checks', async () => {
    emu = await startTestEmulator();
    t = tempConfig();
    const env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, CI: 'true', AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey };
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: 'AccessDeniedException' }, durationMs: 600_000 });
    const r = await run(process.execPath, [BYOK_BIN, 'setup', '--non-interactive', '--name', 'denied', '--plan', 'scale', '--from-env', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'strict', '--json'], { env, timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; exitCode: number }; connectionTest: { ok: boolean; checks: { name: string; ok: boolean }[] } };
    expect(doc.ok).toBe(false);
    expect(doc.error).toMatchObject({ code: 'connection-test-failed', exitCode: 1 });
    expect(doc.connectionTest.checks.find((c) => c.name === 'credentials')?.ok).toBe(true);
    expect(doc.connectionTest.checks.find((c) => c.name === 'model sonnet')?.ok).toBe(false);
    // Nothing was saved.
    const ws = await run(process.execPath, [BYOK_BIN, 'workspace', 'list', '--json'], { env });
    expect(ws.stdout).not.toMatch(/denied/);
  }, 120_000);
});
