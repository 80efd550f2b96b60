// Issue 10 §4 (roles and defaults) and §5 (one contract for errors, values and time), through the
// built CLI as a user runs it: spawned bin/byok.js, env only, stdin piped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { runByok, type SpawnResult } from '../helpers/run-byok.js';

let t: TestEnv;
beforeEach(() => {
  t = tempConfig();
});
afterEach(() => t.cleanup());

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLE1';
const cfgPath = () => join(t.env.BYOK_CONFIG_DIR!, 'config.json');
const byok = (args: string[], env: Record<string, string> = {}, stdin?: string) => runByok(args, { env: { ...t.env, ...env }, stdin });

function expectUsageError(r: SpawnResult, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  expect(r.stderr, what).not.toMatch(/\n\s+at /);
}

/** A --json run that failed: exactly one document on stdout, {ok:false,error}. */
function jsonError(r: SpawnResult): { code: string; message: string; hint: string | null; exitCode: number } {
  let doc: unknown;
  expect(() => (doc = JSON.parse(r.stdout)), `stdout must be one JSON document, got: ${JSON.stringify(r.stdout)} (stderr ${JSON.stringify(r.stderr)})`).not.toThrow();
  const d = doc as { ok: boolean; error: { code: string; message: string; hint: string | null; exitCode: number } };
  expect(d.ok).toBe(false);
  expect(typeof d.error.code).toBe('string');
  expect(typeof d.error.message).toBe('string');
  expect(d.error.exitCode).toBe(r.code);
  return d.error;
}

async function enterpriseWithMember(): Promise<void> {
  expect((await byok(['workspace', 'create', 'acme', '--plan', 'enterprise'])).code).toBe(0);
  expect((await byok(['config', 'set', 'geography', 'eu'])).code).toBe(0);
  expect((await byok(['config', 'set', 'region', 'eu-west-1'])).code).toBe(0);
  expect((await byok(['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key-stdin'], {}, `${SECRET}\n`)).code).toBe(0);
  expect((await byok(['workspace', 'add-member', 'bob'])).code).toBe(0);
}

describe('roles: only the owner changes the BYOK settings; members use them', () => {
  it('a member cannot change the policy, geography, region, credentials or lock, and the config is untouched', async () => {
    await enterpriseWithMember();
    const before = readFileSync(cfgPath());
    const bob = { BYOK_USER: 'bob' };
    const attempts: [string[], string?][] = [
      [['policy', 'set', 'allow']],
      [['policy', 'set', 'warn']],
      [['policy', 'set', 'strict', '--lock']],
      [['config', 'set', 'geography', 'us']],
      [['config', 'set', 'region', 'eu-central-1']],
      [['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0002', '--secret-access-key-stdin'], `${SECRET}\n`],
      [['credentials', 'remove']],
    ];
    for (const [args, stdin] of attempts) {
      const r = await byok(args, bob, stdin);
      expectUsageError(r, args.join(' '));
      expect(r.stderr, args.join(' ')).toMatch(/owner \(alice\)/);
      expect(readFileSync(cfgPath()).equals(before), `${args.join(' ')} changed the config`).toBe(true);
    }
    // Members use: they read the policy and may acknowledge a fallback on their own session.
    const show = await byok(['policy', 'show', '--json'], bob);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ policy: 'strict' });
  });

  it('the owner locking an already-strict policy is told it is now locked, not "strict → strict"', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'enterprise'])).code).toBe(0);
    const r = await byok(['policy', 'set', 'strict', '--lock']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/locked/);
    expect(r.stderr).not.toMatch(/strict → strict/);
    const again = await byok(['policy', 'set', 'strict', '--lock']);
    expect(again.stderr).toMatch(/already strict \(locked\)/);
  });

  it('creating a workspace for another owner says, when it happens, that the creator is locked out and how to act as the owner', async () => {
    const r = await byok(['workspace', 'create', 'acme-prod', '--plan', 'enterprise', '--owner', 'carol']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/alice is not a member of acme-prod/);
    expect(r.stderr).toMatch(/BYOK_USER=carol/);
    const j = await byok(['workspace', 'create', 'acme-dev', '--plan', 'scale', '--owner', 'carol', '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ owner: 'carol', role: 'none' });
    // The next command is refused as promised, and names the same way out.
    const next = await byok(['policy', 'show', '-w', 'acme-prod']);
    expect(next.code).toBe(2);
    expect(next.stderr).toMatch(/BYOK_USER=carol/);
  });
});

describe('--json: every error is {ok:false,error} on stdout', () => {
  it('commander parse errors (bad choices, unknown options, missing arguments) are JSON on stdout, exit 2', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'scale'])).code).toBe(0);
    const cases: string[][] = [
      ['route', '--model', 'gpt', '--json'],
      ['policy', 'set', 'stric', '--json'],
      ['--json', 'policy', 'set'],
      ['workspace', 'create', 'x', '--plann', 'scale', '--json'],
      ['--json', 'nosuchcommand'],
      ['audit', 'list', '--limit', 'many', '--json'],
    ];
    for (const args of cases) {
      const r = await byok(args);
      expect(r.code, args.join(' ')).toBe(2);
      const e = jsonError(r);
      expect(e.message.length, args.join(' ')).toBeGreaterThan(5);
      expect(r.stderr, args.join(' ')).toBe('');
    }
  });
});

describe('values are suggested as commands are', () => {
  it('a mistyped plan, policy or option names the closest valid one', async () => {
    const plan = await byok(['workspace', 'create', 'acme', '--plan', 'enterprize']);
    expectUsageError(plan, 'plan');
    expect(plan.stderr).toMatch(/did you mean enterprise\?/i);
    const plann = await byok(['workspace', 'create', 'acme', '--plann', 'enterprise']);
    expectUsageError(plann, '--plann');
    expect(plann.stderr).toMatch(/unknown option '--plann'/);
    expect(plann.stderr).toMatch(/Did you mean --plan\?/);
    expect(plann.stderr).not.toMatch(/not specified/);
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'scale'])).code).toBe(0);
    const pol = await byok(['policy', 'set', 'stric']);
    expectUsageError(pol, 'policy');
    expect(pol.stderr).toMatch(/did you mean strict\?/i);
    const polJson = jsonError(await byok(['policy', 'set', 'stric', '--json']));
    expect(polJson.message).toMatch(/did you mean strict\?/i);
  });

  it('credentials set --secret-access-key VALUE points to --secret-access-key-stdin, says why, and never echoes the value', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'scale'])).code).toBe(0);
    const before = readFileSync(cfgPath());
    for (const args of [
      ['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key', SECRET],
      ['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', `--secret-access-key=${SECRET}`],
      ['setup', '--non-interactive', '--name', 'acme', '--plan', 'scale', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key', SECRET],
      ['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key', SECRET, '--json'],
    ]) {
      const r = await byok(args);
      expectUsageError(r, args.join(' '));
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/--secret-access-key-stdin/);
      expect(out).toMatch(/process list|visible to other users|shell history/);
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain('EXAMPLE1');
      expect(readFileSync(cfgPath()).equals(before)).toBe(true);
    }
  });
});

describe('regions are validated the same way everywhere', () => {
  it('a region AWS does not have is exit 2 with a suggestion in policy evaluate, platform credentials, config, route and setup', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'scale'])).code).toBe(0);
    expect((await byok(['config', 'set', 'geography', 'eu'])).code).toBe(0);
    const before = readFileSync(cfgPath());
    const cases: [string[], string?][] = [
      [['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--region', 'eu-west-9', '--policy', 'allow']],
      [['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--region', 'eu-west-9']],
      [['credentials', 'set', '--platform', '--access-key-id', 'AKIAZ7EXAMPLEKEY0002', '--secret-access-key-stdin', '--regions', 'eu-west-1,eu-west-9'], `${SECRET}\n`],
      [['config', 'set', 'region', 'eu-west-9']],
      [['route', '--region', 'eu-west-9']],
      [['setup', '--non-interactive', '--name', 'acme', '--plan', 'scale', '--geography', 'eu', '--region', 'eu-west-9', '--skip-test', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key-stdin'], `${SECRET}\n`],
    ];
    for (const [args, stdin] of cases) {
      const r = await byok(args, {}, stdin);
      expectUsageError(r, args.join(' '));
      expect(r.stderr, args.join(' ')).toMatch(/eu-west-9 is not an AWS region/);
      expect(r.stderr, args.join(' ')).toMatch(/did you mean eu-west-1\?/i);
      expect(readFileSync(cfgPath()).equals(before)).toBe(true);
    }
  });
});

describe('audit list --type', () => {
  it('an unknown event type is exit 2 listing the types, not "No audit events yet"', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'scale'])).code).toBe(0);
    const r = await byok(['audit', 'list', '--type', 'nosuchtype']);
    expectUsageError(r, 'audit list');
    expect(r.stderr).not.toMatch(/No audit events yet/);
    expect(r.stderr).toMatch(/policy-changed/);
    expect(r.stderr).toMatch(/fallback/);
    const typo = await byok(['audit', 'list', '--type', 'policy-change']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean policy-changed\?/i);
    // A known type with no events is not an error.
    const none = await byok(['audit', 'list', '--type', 'fallback']);
    expect(none.code).toBe(0);
    const some = await byok(['audit', 'list', '--type', 'workspace-created', '--json']);
    expect(JSON.parse(some.stdout).events).toHaveLength(1);
  });
});
