// The local commands (workspace, credentials, config, policy, route, audit) run in-process with
// a real encrypted store in a temp dir. No AWS is involved in any of them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { scanForSecrets } from '../helpers/secret-scan.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const AKIA = 'AKIAZ7EXAMPLEKEY0001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLE1';
const ASIA = 'ASIAZ7EXAMPLETMP0002';
const SECRET2 = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKE2';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE0123456789abcdefABCDEF+/=xyzSESSIONTOKENEXAMPLE';

let t: TestEnv;
const outputs: string[] = [];
async function byok(args: string[], opts: { stdin?: string; user?: string; env?: Record<string, string> } = {}) {
  const env = { ...t.env, ...(opts.user ? { BYOK_USER: opts.user } : {}), ...opts.env };
  const r = await runInProcess(args, { env, stdin: opts.stdin, now: NOW });
  outputs.push(r.stdout, r.stderr);
  return r;
}
async function json(args: string[], opts: { stdin?: string; user?: string } = {}) {
  const r = await byok([...args, '--json'], opts);
  return { ...r, body: JSON.parse(r.stdout) as Record<string, unknown> };
}
function configBytes(): Buffer {
  return readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json'));
}

beforeEach(() => {
  t = tempConfig();
  outputs.length = 0;
});
afterEach(() => t.cleanup());

describe('workspace', () => {
  it('creates, lists, selects and shows workspaces with the plan default policy', async () => {
    const a = await json(['workspace', 'create', 'acme', '--plan', 'enterprise']);
    expect(a.code).toBe(0);
    expect(a.body).toMatchObject({ name: 'acme', plan: 'enterprise', owner: 'alice', policy: 'strict', locked: false, current: true });
    const b = await json(['workspace', 'create', 'dev', '--plan', 'scale']);
    expect(b.body).toMatchObject({ current: false, policy: 'strict' });
    const list = await json(['workspace', 'list']);
    expect(list.body.current).toBe('acme');
    expect((list.body.workspaces as unknown[]).length).toBe(2);
    expect((await byok(['workspace', 'use', 'dev'])).code).toBe(0);
    const show = await json(['workspace', 'show']);
    expect(show.body).toMatchObject({ name: 'dev', current: true, role: 'owner' });
  });

  it.each([
    [['workspace', 'create', 'x', '--plan', 'free'], /Scale/],
    [['workspace', 'create', 'x', '--plan', 'pro'], /Scale/],
    [['workspace', 'create', 'x', '--plan', 'gold'], /plan/],
    [['workspace', 'create', 'Bad Name!', '--plan', 'scale'], /workspace name/],
    [['workspace', 'create', 'ünï', '--plan', 'scale'], /workspace name/],
    [['workspace', 'create', '', '--plan', 'scale'], /empty|workspace name/],
    [['workspace', 'use', 'nope'], /No workspace named/],
    [['workspace', 'show', 'nope'], /No workspace named/],
  ])('refuses %j with exit 2, a reason, and the config untouched', async (args, pattern) => {
    await byok(['workspace', 'create', 'acme', '--plan', 'scale']);
    const before = configBytes();
    const r = await byok(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(configBytes().equals(before)).toBe(true);
  });

  it('lets only the owner manage members; members inherit the BYOK', async () => {
    await byok(['workspace', 'create', 'acme', '--plan', 'scale']);
    await byok(['credentials', 'set', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    expect((await byok(['workspace', 'add-member', 'bob'])).code).toBe(0);
    const before = configBytes();
    const r = await byok(['workspace', 'add-member', 'carol'], { user: 'bob' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Only the workspace owner \(alice\)/);
    expect(configBytes().equals(before)).toBe(true);
    const creds = await json(['credentials', 'show'], { user: 'bob' });
    expect(creds.body).toMatchObject({ configured: true, inheritedFrom: 'alice', accessKeyId: 'AKIA************0001' });
    const stranger = await byok(['credentials', 'show'], { user: 'mallory' });
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toMatch(/not a member/);
  });
});

describe('credentials', () => {
  beforeEach(async () => {
    await byok(['workspace', 'create', 'acme', '--plan', 'scale']);
  });

  it('stores an AKIA key from stdin, shows it masked, removes it', async () => {
    const set = await json(['credentials', 'set', '--access-key-id', ` ${AKIA}\n`, '--secret-access-key-stdin'], { stdin: `  ${SECRET}  \n` });
    expect(set.code).toBe(0);
    expect(set.body).toMatchObject({ accessKeyId: 'AKIA************0001', kind: 'long-term', source: 'stdin' });
    const show = await json(['credentials', 'show']);
    expect(show.body).toMatchObject({ configured: true, session_token_expires_at: null });
    const rm = await json(['credentials', 'remove']);
    expect(rm.body).toMatchObject({ removed: true });
    expect((await json(['credentials', 'show'])).body).toMatchObject({ configured: false });
  });

  it('stores an ASIA key with its session token and expiry and shows session_token_expires_at', async () => {
    const set = await json(['credentials', 'set', '--access-key-id', ASIA, '--secret-access-key-stdin', '--session-token-stdin', '--expires-at', '2026-11-24T18:00:00Z'], { stdin: `${SECRET2}\n${TOKEN}\n` });
    expect(set.code).toBe(0);
    expect(set.body).toMatchObject({ kind: 'temporary', session_token_expires_at: '2026-11-24T18:00:00.000Z' });
    const cfg = await json(['config', 'show']);
    expect(cfg.body.session_token_expires_at).toBe('2026-11-24T18:00:00.000Z');
  });

  it.each([
    ['wrong prefix', ['--access-key-id', 'AIDAZ7EXAMPLEKEY0001', '--secret-access-key-stdin'], `${SECRET}\n`, /AIDA/],
    ['too short', ['--access-key-id', 'AKIA123', '--secret-access-key-stdin'], `${SECRET}\n`, /20/],
    ['unicode', ['--access-key-id', 'AKIAZ7EXAMPLEKEY000é', '--secret-access-key-stdin'], `${SECRET}\n`, /./],
    ['empty secret', ['--access-key-id', AKIA, '--secret-access-key-stdin'], '\n', /secret/i],
    ['short secret', ['--access-key-id', AKIA, '--secret-access-key-stdin'], 'abc\n', /40/],
    ['ASIA without token', ['--access-key-id', ASIA, '--secret-access-key-stdin', '--expires-at', '2026-11-24T18:00:00Z'], `${SECRET2}\n`, /session token/i],
    ['ASIA without expiry', ['--access-key-id', ASIA, '--secret-access-key-stdin', '--session-token-stdin'], `${SECRET2}\n${TOKEN}\n`, /expir/i],
    ['ASIA already expired', ['--access-key-id', ASIA, '--secret-access-key-stdin', '--session-token-stdin', '--expires-at', '2026-11-24T11:00:00Z'], `${SECRET2}\n${TOKEN}\n`, /expired/i],
    ['no secret source', ['--access-key-id', AKIA], '', /--secret-access-key-stdin/],
  ])('refuses %s with exit 2, never echoing the secret, config untouched', async (_name, args, stdin, pattern) => {
    const before = configBytes();
    const r = await byok(['credentials', 'set', ...args], { stdin });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    for (const s of [SECRET, SECRET2, TOKEN]) {
      expect(r.stderr).not.toContain(s);
      expect(r.stdout).not.toContain(s);
    }
    expect(configBytes().equals(before)).toBe(true);
  });

  it('refuses a member changing the owner BYOK', async () => {
    await byok(['workspace', 'add-member', 'bob']);
    const before = configBytes();
    const r = await byok(['credentials', 'set', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n`, user: 'bob' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/owner/);
    const g = await byok(['config', 'set', 'geography', 'eu'], { user: 'bob' });
    expect(g.code).toBe(2);
    expect(configBytes().equals(before)).toBe(true);
  });
});

describe('config and route', () => {
  beforeEach(async () => {
    await byok(['workspace', 'create', 'acme', '--plan', 'enterprise']);
  });

  it('sets geography and region, refuses a region outside the geography, routes inside it', async () => {
    expect((await byok(['config', 'set', 'geography', 'eu'])).code).toBe(0);
    const before = configBytes();
    const bad = await byok(['config', 'set', 'region', 'us-east-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/eu-west-1/);
    expect(configBytes().equals(before)).toBe(true);
    expect((await byok(['config', 'set', 'region', 'eu-west-1'])).code).toBe(0);
    expect((await json(['config', 'get', 'region'])).body.value).toBe('eu-west-1');
    const route = await json(['route', '--task', 'plan']);
    expect(route.body).toMatchObject({ model: 'opus', modelId: 'anthropic.claude-opus-4-5-20251101-v1:0', inferenceProfileId: 'eu.anthropic.claude-opus-4-5-20251101-v1:0', region: 'eu-west-1' });
    expect(typeof route.body.reason).toBe('string');
    const sonnet = await json(['route', '--task', 'summarize']);
    expect(sonnet.body).toMatchObject({ model: 'sonnet', inferenceProfileId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0' });
    for (const d of sonnet.body.destinations as string[]) expect(d.startsWith('eu-')).toBe(true);
  });

  it("a route for another geography than the named workspace's says invoke never takes it; a --geography the workspace's region is outside of says --region is the fix", async () => {
    await byok(['config', 'set', 'geography', 'eu']);
    await byok(['config', 'set', 'region', 'eu-west-1']);
    const other = await json(['-w', 'acme', 'route', '--geography', 'us', '--region', 'us-east-1', '--task', 'plan']);
    expect(other.code).toBe(0);
    expect(other.body.notes).toContain('a what-if: workspace acme is in EU, and its calls (invoke, the gateway) never take this US route');
    // Without -w, the current workspace is named the same way.
    const current = await json(['route', '--geography', 'global', '--region', 'eu-west-1']);
    expect(current.body.workspace).toBeNull();
    expect(current.body.notes).toContain('a what-if: workspace acme is in EU, and its calls (invoke, the gateway) never take this Global route');
    // Its own geography: no such note.
    expect((await json(['-w', 'acme', 'route', '--geography', 'eu', '--region', 'eu-west-1'])).body.notes).toEqual([]);
    // A hint to set the geography names the workspace it is about, not whichever is current.
    await byok(['workspace', 'create', 'lab', '--plan', 'enterprise']);
    await byok(['workspace', 'use', 'acme']);
    const unset = await byok(['-w', 'lab', 'route', '--task', 'plan']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('byok config set geography global|us|eu|apac --workspace lab');
    const half = await byok(['route', '--geography', 'us']);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain("eu-west-1 is workspace acme's region: give --region for one in US.");
  });

  it('says plainly that APAC has no Opus profile', async () => {
    await byok(['config', 'set', 'geography', 'apac']);
    await byok(['config', 'set', 'region', 'ap-northeast-1']);
    const forced = await byok(['route', '--model', 'opus']);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/Opus/);
    const sonnet = await json(['route', '--model', 'sonnet']);
    expect(sonnet.body.inferenceProfileId).toBe('jp.anthropic.claude-sonnet-4-5-20250929-v1:0');
  });

  it.each([
    [['config', 'set', 'geography', 'mars'], /geography/],
    [['config', 'set', 'region', 'eu-west-1'], /geography/],
    [['config', 'set', 'colour', 'blue'], /Unknown setting/],
    [['config', 'set', 'enabled', 'maybe'], /true or false/],
    [['config', 'get', 'nope'], /Unknown setting/],
    [['route', '--model', 'haiku'], /model/],
    [['--workspace', 'ghost', 'config', 'show'], /No workspace named/],
  ])('refuses %j with exit 2 and the config untouched', async (args, pattern) => {
    const before = configBytes();
    const r = await byok(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(configBytes().equals(before)).toBe(true);
  });
});

describe('policy', () => {
  beforeEach(async () => {
    await byok(['workspace', 'create', 'bank', '--plan', 'enterprise']);
    await byok(['config', 'set', 'geography', 'eu']);
    await byok(['config', 'set', 'region', 'eu-west-1']);
    await byok(['workspace', 'add-member', 'bob']);
  });

  it('shows, sets, locks and refuses a member changing a locked policy', async () => {
    expect((await json(['policy', 'show'])).body).toMatchObject({ workspace: 'bank', policy: 'strict', locked: false });
    expect((await byok(['policy', 'set', 'strict', '--lock'])).code).toBe(0);
    expect((await json(['policy', 'show'])).body).toMatchObject({ policy: 'strict', locked: true });
    const before = configBytes();
    const member = await byok(['policy', 'set', 'allow'], { user: 'bob' });
    expect(member.code).toBe(2);
    expect(member.stderr).toMatch(/lock/i);
    const owner = await byok(['policy', 'set', 'allow']);
    expect(owner.code).toBe(2);
    expect(configBytes().equals(before)).toBe(true);
    expect((await byok(['policy', 'set', 'allow', '--lock'])).code).toBe(2);
  });

  it('evaluates with the workspace policy and region, and standalone with --policy', async () => {
    const strict = await json(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read']);
    expect(strict.code).toBe(1);
    expect(strict.body).toMatchObject({ decision: 'fail', retryable: true, category: 'throttled', targetRegion: null });
    await byok(['policy', 'set', 'warn']);
    // As invoke sees it: with no platform credentials there is no region to fall back to.
    const nowhere = await json(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read']);
    expect(nowhere.body).toMatchObject({ decision: 'fail', targetRegion: null });
    expect((nowhere.body.reasons as string[]).join(' ')).toContain('no platform credentials');
    await byok(['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    const warn = await json(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read']);
    expect(warn.code).toBe(0);
    expect(warn.body).toMatchObject({ decision: 'fallback', requiresConfirmation: true, targetRegion: 'eu-west-1' });
    const standalone = await runInProcess(['policy', 'evaluate', '--json', '--policy', 'allow', '--http-status', '503', '--operation-kind', 'write', '--autonomous', '--environment', 'production', '--region', 'eu-west-1'], { env: { BYOK_CONFIG_DIR: join(t.dir, 'nothing-here'), BYOK_KEYRING: 'off' } });
    expect(standalone.code).toBe(1);
    expect(JSON.parse(standalone.stdout)).toMatchObject({ decision: 'fail', category: 'service-unavailable' });
    expect(Array.isArray(JSON.parse(standalone.stdout).reasons)).toBe(true);
  });

  it('--policy is a what-if that replaces only the policy: the region, platform credentials and re-confirmation are still the workspace\'s', async () => {
    // The workspace is strict (Enterprise); its platform credentials serve only us-east-1.
    await byok(['credentials', 'set', '--platform', '--regions', 'us-east-1', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    const elsewhere = await json(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--policy', 'allow']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.body).toMatchObject({ workspace: 'bank', decision: 'fail', targetRegion: null, policy: 'allow' });
    const rules = (body: Record<string, unknown>) => Object.fromEntries((body.rules as { rule: string; passed: boolean; detail: string }[]).map((r) => [r.rule, r]));
    // The region is the workspace's (no --region needed), and the platform does not serve it.
    expect(rules(elsewhere.body)['same-region']).toMatchObject({ passed: false, detail: expect.stringContaining('does not serve eu-west-1 (it serves us-east-1)') });
    expect(rules(elsewhere.body).policy).toMatchObject({ passed: true, detail: "the policy given is allow; a what-if: the workspace's own is strict" });
    expect(elsewhere.body).toMatchObject({ whatIf: true, region: 'eu-west-1' });
    // Platform credentials in the workspace's region: the what-if falls back there.
    await byok(['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    const same = await byok(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--policy', 'allow']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('decision: fallback (platform endpoint in eu-west-1)');
    expect(same.stdout).toContain("evaluated: workspace bank, region eu-west-1 (the workspace's), policy allow (--policy, a what-if)");
    expect(same.stdout).not.toContain('No workspace was read');
    // With no config at all: nothing is known of platform credentials, so nothing falls back, and it says why.
    const none = await runInProcess(['policy', 'evaluate', '--policy', 'allow', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--region', 'eu-west-1'], { env: { BYOK_CONFIG_DIR: join(t.dir, 'nothing-here'), BYOK_KEYRING: 'off' } });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('decision: fail');
    expect(none.stdout).toContain('No workspace was read, so nothing is known of platform credentials and nothing would fall back.');
    expect(none.stdout).not.toMatch(/✓ (same-region|platform-owner)/);
    // A region outside the workspace's geography is a call invoke never makes: refused, with or without --policy.
    await byok(['credentials', 'set', '--platform', '--regions', 'eu-west-1,us-east-1', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    for (const extra of [['--policy', 'allow'], []]) {
      const before = configBytes();
      const outside = await byok(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--region', 'us-east-1', ...extra]);
      expect(outside.code, outside.stdout).toBe(2);
      expect(outside.stdout).not.toContain('fallback');
      expect(outside.stderr).toContain('us-east-1 is outside the EU geography (regions in EU member states).');
      expect(outside.stderr).toContain('Workspace bank is in EU: its calls, and any fallback, stay there.');
      expect(configBytes().equals(before)).toBe(true);
    }
    // BYOK disabled, or no geography: invoke refuses the workspace, so evaluate does too (never "fallback").
    await byok(['config', 'set', 'enabled', 'false']);
    const disabled = await byok(['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--policy', 'allow']);
    expect(disabled.code).toBe(2);
    expect(disabled.stdout).not.toContain('fallback');
    expect(disabled.stderr).toContain('BYOK is disabled in workspace bank: invoke makes no BYOK call there, so nothing falls back.');
    await byok(['workspace', 'create', 'nogeo', '--plan', 'scale']);
    await byok(['credentials', 'set', '--platform', '--regions', 'us-east-1', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    await byok(['-w', 'nogeo', 'policy', 'set', 'allow']);
    const nogeo = await byok(['-w', 'nogeo', 'policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read', '--region', 'us-east-1']);
    expect(nogeo.code).toBe(2);
    expect(nogeo.stderr).toContain('Workspace nogeo has no geography set: invoke refuses it');
  });

  it('a flood on stdin is bad input (exit 2), not a crash, and nothing is stored', async () => {
    const r = await byok(['credentials', 'set', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: 'a'.repeat(70_000) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdin holds more than');
    expect(r.stderr).not.toContain('bug in byok');
  });

  it('refuses malformed evaluate input with exit 2', async () => {
    for (const args of [
      ['policy', 'evaluate', '--operation-kind', 'read'],
      ['policy', 'evaluate', '--error-code', 'X', '--operation-kind', 'delete'],
      ['policy', 'evaluate', '--error-code', 'X', '--operation-kind', 'read', '--policy', 'yolo'],
      ['policy', 'evaluate', '--http-status', 'abc', '--operation-kind', 'read'],
      ['policy', 'evaluate', '--error-code', 'X'],
      ['policy', 'set', 'sometimes'],
    ]) {
      const r = await byok(args);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('confirm clears the warn re-confirmation mark', async () => {
    const r = await json(['policy', 'confirm']);
    expect(r.body).toMatchObject({ confirmed: false });
  });
});

describe('audit and secrets', () => {
  it('records every change in a verifiable chain and never writes or prints a secret', async () => {
    await byok(['workspace', 'create', 'acme', '--plan', 'scale']);
    await byok(['credentials', 'set', '--access-key-id', AKIA, '--secret-access-key-stdin'], { stdin: `${SECRET}\n` });
    await byok(['workspace', 'create', 'tmp', '--plan', 'scale']);
    await byok(['--workspace', 'tmp', 'credentials', 'set', '--access-key-id', ASIA, '--secret-access-key-stdin', '--session-token-stdin', '--expires-at', '2026-11-25T00:00:00Z'], { stdin: `${SECRET2}\n${TOKEN}\n` });
    await byok(['credentials', 'set', '--platform', '--regions', 'eu-west-1,us-east-1', '--access-key-id', AKIA.replace('0001', '0009'), '--secret-access-key-stdin'], { stdin: `${SECRET.replace('1', '9')}\n` });
    await byok(['policy', 'set', 'allow']);
    await byok(['config', 'set', 'geography', 'us']);
    await byok(['credentials', 'show', '--json']);
    await byok(['config', 'show', '--json']);
    await byok(['--workspace', 'tmp', 'config', 'show']);
    const list = await json(['audit', 'list', '--all']);
    const types = (list.body.events as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['workspace-created', 'credentials-set', 'platform-credentials-set', 'policy-changed', 'config-changed']));
    const verify = await json(['audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.body).toMatchObject({ ok: true });
    const files = readdirSync(t.env.BYOK_CONFIG_DIR!, { recursive: true }).map(String);
    expect(files).toContain('config.json');
    expect(statSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json')).mode & 0o777).toBe(0o600);
    const found = scanForSecrets([SECRET, SECRET2, TOKEN, SECRET.replace('1', '9')], { dirs: [t.dir], texts: outputs });
    expect(found).toEqual([]);
  });
});
