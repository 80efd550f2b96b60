// Issue 10 (remaining parts): the first day with byok, through the built CLI as a user runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { runByok } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

let t: TestEnv;
afterEach(() => t.cleanup());

const WARNING = /encrypted with a key file next to it/g;
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
