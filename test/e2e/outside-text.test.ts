// Text byok did not write itself (AWS error messages, environment variables, files, argv) through
// the built binary against the emulator: shown, never obeyed by the terminal; never a forged line;
// never a secret echoed; never a JavaScript prototype mistaken for a workspace.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string | undefined>;

const byok = (args: string[], o: { stdin?: string; env?: Record<string, string | undefined> } = {}) =>
  run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, ...o.env }, stdin: o.stdin });

// Anything a terminal would act on: C0 controls other than tab and line feed, DEL, C1 controls,
// and the bidirectional overrides/isolates that reorder what is shown.
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Every string anywhere inside a parsed JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(strings);
  return [];
}

/** Does `text` hold any 8-character piece of `secret`? */
function leaksPartOf(text: string, secret: string): string | undefined {
  for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) return secret.slice(i, i + 8);
  return undefined;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv };
  for (const args of [['workspace', 'create', 'acme', '--plan', 'enterprise'], ['config', 'set', 'geography', 'eu'], ['config', 'set', 'region', 'eu-west-1']]) {
    const r = await byok(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  const c = await byok(['credentials', 'set', '--access-key-id', emu.admin.accessKeyId, '--secret-access-key-stdin'], { stdin: `${emu.admin.secretAccessKey}\n` });
  if (c.code !== 0) throw new Error(c.stderr);
}, 60_000);
afterAll(async () => {
  await emu.close();
  t.cleanup();
});

describe('an AWS error message holding terminal escape sequences', () => {
  // Sets the window title, clears the screen, turns text red, reverses the rest of the line.
  const message = 'Access denied \x1b]0;owned\x07\x1b[2J\x1b[31m red \u202egnp.exe \x9b1m end';

  beforeAll(async () => {
    await emu.control.clearFaults();
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: 'AccessDeniedException', message }, durationMs: 600_000 });
  });
  afterAll(async () => emu.control.clearFaults());

  for (const args of [['invoke', 'Summarise the change window.'], ['test-connection'], ['doctor']]) {
    it(`is shown escaped, never obeyed, by ${args[0]}`, async () => {
      const r = await byok(args);
      expect(r.code, r.stderr).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).not.toMatch(TERMINAL_CONTROL);
      // The admin still reads what AWS said, with each control character spelled out.
      expect(out).toContain('Access denied \\u001b]0;owned\\u0007\\u001b[2J\\u001b[31m red \\u202egnp.exe \\u009b1m end');
    });
  }

  for (const args of [['invoke', '--json', 'Summarise the change window.'], ['test-connection', '--json'], ['doctor', '--json']]) {
    it(`is kept exact in ${args[0]} --json, with no raw control character in the document`, async () => {
      const r = await byok(args);
      expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
      // invoke reports AWS's message as is; the checks quote it after the error code.
      const doc = JSON.parse(r.stdout) as unknown;
      expect(strings(doc).filter((s) => s.includes(message)).length).toBeGreaterThan(0);
      if (args[0] === 'invoke') expect((doc as { error: { message: string } }).error.message).toBe(message);
    });
  }
});

describe('BYOK_USER', () => {
  for (const bad of ['bob\n    9 2026-01-01T00:00:00.000Z policy-changed acme by alice', 'bob\x1b[2J', 'bob smith']) {
    it(`${JSON.stringify(bad)} is refused with exit 2 naming BYOK_USER, and nothing is written`, async () => {
      const before = readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json'));
      const r = await byok(['workspace', 'create', 'evil', '--plan', 'scale'], { env: { BYOK_USER: bad } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/BYOK_USER/);
      expect(r.stderr).toMatch(/letters, digits/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout + r.stderr).not.toMatch(TERMINAL_CONTROL);
      // The refusal itself is one error line and one hint line: the value cannot add lines.
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
      expect(readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json')).equals(before)).toBe(true);
    });
  }

  it('an e-mail style name is accepted and becomes the owner', async () => {
    const r = await byok(['workspace', 'create', 'carols', '--plan', 'scale', '--json'], { env: { BYOK_USER: 'carol@example.com' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'carols', owner: 'carol@example.com' });
  });
});

describe('audit list', () => {
  it('prints exactly one line per event, whatever an event field in the log file holds', async () => {
    const path = join(t.env.BYOK_CONFIG_DIR!, 'audit.jsonl');
    const original = readFileSync(path);
    try {
      appendFileSync(
        path,
        `${JSON.stringify({ seq: 900, at: '2026-01-01T00:00:00.000Z', prev: 'x', hash: 'y', event: { type: 'policy-changed\nforged', user: 'eve\n  901 2026-01-01T00:00:00.000Z policy-changed acme by alice', workspace: 'acme', details: { to: 'allow\r\n  902 fake', note: '\x1b[2Jcleared' } } })}\n`,
      );
      const json = JSON.parse((await byok(['audit', 'list', '--json'])).stdout) as { events: unknown[] };
      const r = await byok(['audit', 'list']);
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(json.events.length);
      expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
      expect(r.stdout).toContain('eve\\u000a  901');
    } finally {
      writeFileSync(path, original);
    }
  });
});

describe('an AWS error message holding line breaks', () => {
  // A forged line that would read as byok's own verdict if the break were obeyed.
  const message = 'Rate exceeded\nOK: fallback allowed by policy\u2028OK: audit intact\r\nend';

  beforeAll(async () => {
    await emu.control.clearFaults();
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: 'AccessDeniedException', message }, durationMs: 600_000 });
  });
  afterAll(async () => emu.control.clearFaults());

  for (const args of [['invoke', 'Summarise the change window.'], ['test-connection'], ['doctor']]) {
    it(`cannot start a line of its own in ${args[0]}'s output`, async () => {
      const r = await byok(args);
      const lines = (r.stdout + r.stderr).split(/\r\n|\n|\r|\u2028|\u2029/);
      expect(lines.filter((l) => /^\s*OK: /.test(l))).toEqual([]);
      expect(r.stdout + r.stderr).toContain('Rate exceeded\\u000aOK: fallback allowed');
    });
  }
});

describe('secrets on error paths', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  for (const args of [
    ['credentials', 'set', `--secret-access-key=${SECRET}`],
    ['credentials', 'set', `--secret-access-key=${SECRET.slice(1)}`], // a mistyped, 39-character secret
    ['credentials', 'set', '--secret-access-key', SECRET],
    ['--json', 'credentials', 'set', `--secret-access-key=${SECRET}`],
    ['credentials', 'set', `-s${SECRET.slice(0, 32)}`], // short options glued to their value
  ]) {
    it(`${args.join(' ').replace(/=\S+|\S{39,}/, '=SECRET')} is refused (exit 2) without printing any part of the secret`, async () => {
      const r = await byok(args);
      expect(r.code).toBe(2);
      // Issue 10 §5: the flag to use instead (and why), or the option without its value — never the value.
      expect(r.stdout + r.stderr).toMatch(/--secret-access-key-stdin|unknown option '-/);
      expect(leaksPartOf(r.stdout + r.stderr, SECRET)).toBeUndefined();
    });
  }

  for (const json of [false, true]) {
    it(`credentials import --profile${json ? ' --json' : ''}: a failing credential_process command line holding a secret is not printed`, async () => {
      const home = join(t.dir, `home-${json}`);
      mkdirSync(join(home, '.aws'), { recursive: true });
      writeFileSync(join(home, '.aws', 'config'), `[profile leaky]\nregion = eu-west-1\ncredential_process = /bin/false --secret ${SECRET}\n`);
      const r = await byok(['credentials', 'import', '--profile', 'leaky', ...(json ? ['--json'] : [])], { env: { HOME: home, AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined } });
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/leaky/);
      expect(leaksPartOf(r.stdout + r.stderr, SECRET)).toBeUndefined();
    });
  }
});

describe('workspace names that are JavaScript object properties', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`--workspace ${name} is "no such workspace" (exit 2), not a crash`, async () => {
      for (const args of [['workspace', 'show', '--workspace', name], ['policy', 'show', '--workspace', name], ['workspace', 'use', name]]) {
        const r = await byok(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(/No workspace named/);
      }
    });
  }

  it('"constructor" is an ordinary workspace name: create, show, and a second create says it exists', async () => {
    const c = await byok(['workspace', 'create', 'constructor', '--plan', 'scale']);
    expect(c.code, c.stderr).toBe(0);
    const s = await byok(['workspace', 'show', 'constructor', '--json']);
    expect(JSON.parse(s.stdout)).toMatchObject({ name: 'constructor', plan: 'scale', owner: 'alice' });
    const again = await byok(['workspace', 'create', 'constructor', '--plan', 'scale']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('"__proto__" and "toString" are refused as workspace names (exit 2)', async () => {
    for (const name of ['__proto__', 'toString']) {
      const r = await byok(['workspace', 'create', name, '--plan', 'scale']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Invalid workspace name/);
    }
  });

  it('setup --name constructor in a new config creates it rather than treating it as existing', async () => {
    const fresh = { BYOK_CONFIG_DIR: join(t.dir, 'setup-config') };
    const r = await byok(['setup', '--non-interactive', '--name', 'constructor', '--plan', 'enterprise', '--from-env', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'strict'], { env: { ...fresh, CI: 'true', AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey } });
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse((await byok(['workspace', 'list', '--json'], { env: fresh })).stdout) as { workspaces: { name: string; owner: string }[] };
    expect(list.workspaces).toEqual([expect.objectContaining({ name: 'constructor', owner: 'alice' })]);
  });
});
