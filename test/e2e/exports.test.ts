// Issue 13 "Exports", through the built CLI (spawned bin/byok.js, env only): `byok export
// claude-code|env` pins Claude Code and SDK users to the workspace's geography, and `byok doctor
// --claude-code-settings` flags a settings file that would leave it. Expected values come from
// reference aws.md (§1 model IDs, §2 profile prefixes per geography) and Claude Code's documented
// variables (src/core/claude-code.ts cites the pages), never from byok's own output.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { BYOK_BIN, runByok, type SpawnResult } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

// reference aws.md §1/§2: the EU profiles of the two models byok routes.
const EU_SONNET = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const EU_OPUS = 'eu.anthropic.claude-opus-4-5-20251101-v1:0';
const US_OPUS = 'us.anthropic.claude-opus-4-5-20251101-v1:0';
const MODEL_VARS = ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_SMALL_FAST_MODEL'];
const US_REGION = /\bus-(?:east|west|gov-(?:east|west))-\d\b/;
const KEY_ID = 'AKIAZ7EXAMPLEKEY0001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLE1';

let t: TestEnv;
let home: string;
beforeEach(() => {
  t = tempConfig();
  home = join(t.dir, 'home');
  mkdirSync(home);
});
afterEach(() => t.cleanup());

const byok = (args: string[], stdin?: string) => runByok(args, { env: { ...t.env, HOME: home }, stdin });

async function workspace(geography: string, region: string): Promise<void> {
  for (const args of [['workspace', 'create', 'acme', '--plan', 'enterprise'], ['config', 'set', 'geography', geography], ['config', 'set', 'region', region]]) {
    const r = await byok(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const c = await byok(['credentials', 'set', '--access-key-id', KEY_ID, '--secret-access-key-stdin'], `${SECRET}\n`);
  expect(c.code, c.stderr).toBe(0);
}

type Settings = { env: Record<string, string>; [k: string]: unknown };
interface Check { name: string; ok: boolean; status: string; detail: string; category: string | null; hint: string | null }

async function exported(args: string[] = []): Promise<Settings> {
  const r = await byok(['export', 'claude-code', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Settings;
}

function writeSettings(s: unknown, name = 'settings.json'): string {
  const p = join(t.dir, name);
  writeFileSync(p, typeof s === 'string' ? s : JSON.stringify(s, null, 2), { mode: 0o600 });
  chmodSync(p, 0o600);
  return p;
}

async function doctor(path: string, extra: string[] = []): Promise<{ r: SpawnResult; checks: Check[]; human: SpawnResult }> {
  const r = await byok(['doctor', '--claude-code-settings', path, '--json', ...extra]);
  const human = await byok(['doctor', '--claude-code-settings', path, ...extra]);
  const doc = JSON.parse(r.stdout) as { ok: boolean; checks?: Check[] };
  return { r, checks: doc.checks ?? [], human };
}

const failed = (checks: Check[]) => checks.filter((c) => c.status === 'fail');

/** The ~/.aws/config section the export's notes ask for, written as a user would. */
function addAwsProfile(): void {
  mkdirSync(join(home, '.aws'), { recursive: true });
  writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n\n[profile byok-acme]\ncredential_process = byok credential-process --workspace acme\nregion = eu-west-1\n');
}

describe('byok export claude-code: the settings pin Claude Code to the workspace', () => {
  it("an EU workspace's export has only eu. profile IDs and an EU region, Bedrock on, and the direct path through byok credential-process", async () => {
    await workspace('eu', 'eu-west-1');
    const s = await exported();
    expect(Object.keys(s)).toEqual(['env']);
    const env = s.env;
    expect(env.CLAUDE_CODE_USE_BEDROCK).toBe('1');
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(env.ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION).toBe('eu-west-1');
    for (const v of MODEL_VARS) expect(env[v], v).toMatch(/^eu\.anthropic\./);
    expect(env.ANTHROPIC_DEFAULT_OPUS_MODEL).toBe(EU_OPUS);
    expect(env.ANTHROPIC_DEFAULT_SONNET_MODEL).toBe(EU_SONNET);
    // byok routes no Haiku: the small/fast model is pinned to a profile byok routes, inside the EU.
    expect(env.ANTHROPIC_DEFAULT_HAIKU_MODEL).toBe(EU_SONNET);
    expect(env.AWS_PROFILE).toBe('byok-acme');
    expect(env.ANTHROPIC_BEDROCK_BASE_URL).toBeUndefined();
    expect(env.AWS_BEARER_TOKEN_BEDROCK).toBeUndefined();
    // The human view says why Haiku is pinned, where the profile goes, and never a secret or a US region.
    const human = await byok(['export', 'claude-code']);
    expect(human.code).toBe(0);
    expect(JSON.parse(human.stdout)).toEqual(s);
    expect(human.stderr).toMatch(/Haiku/);
    // The config directory this export used (BYOK_CONFIG_DIR) goes with the command: the AWS SDK runs it with Claude Code's environment.
    expect(human.stderr).toContain(`credential_process = env BYOK_CONFIG_DIR=${t.env.BYOK_CONFIG_DIR} byok credential-process --workspace acme`);
    expect(human.stderr).toContain('add the [profile byok-acme] section printed here to ~/.aws/config');
    for (const out of [human.stdout, human.stderr, JSON.stringify(s)]) {
      expect(out).not.toMatch(US_REGION);
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(KEY_ID);
    }
  });

  it('--gateway names the gateway and a token placeholder, never a token', async () => {
    await workspace('eu', 'eu-central-1');
    const s = await exported(['--gateway', 'http://127.0.0.1:8787/']);
    expect(s.env.ANTHROPIC_BEDROCK_BASE_URL).toBe('http://127.0.0.1:8787');
    expect(s.env.AWS_REGION).toBe('eu-central-1');
    expect(s.env.AWS_PROFILE).toBeUndefined();
    expect(s.env.AWS_BEARER_TOKEN_BEDROCK).toMatch(/REPLACE/);
    for (const v of MODEL_VARS) expect(s.env[v], v).toMatch(/^eu\.anthropic\./);
    const bad = await byok(['export', 'claude-code', '--gateway', 'http://user:pw@127.0.0.1:8787']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('pw@');
  });

  it('APAC has no Opus profile: the opus pin stays on an APAC Sonnet profile, never a global or US one', async () => {
    await workspace('apac', 'ap-northeast-1');
    const s = await exported();
    for (const v of MODEL_VARS) expect(s.env[v], v).toBe('jp.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(s.env.AWS_REGION).toBe('ap-northeast-1');
  });

  it('a workspace without a geography is refused (exit 2), naming the command that sets it', async () => {
    expect((await byok(['workspace', 'create', 'acme', '--plan', 'enterprise'])).code).toBe(0);
    const r = await byok(['export', 'claude-code']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/byok config set geography/);
  });
});

describe('byok export env: the same for SDK users, as shell lines', () => {
  it('a real shell that evals the output has the EU region and eu. profiles, and AWS_PROFILE for the direct path', async () => {
    await workspace('eu', 'eu-west-1');
    const script = `eval "$("${process.execPath}" "${BYOK_BIN}" export env)" && env`;
    const r = await run('bash', ['-c', script], { env: { PATH: process.env.PATH, ...t.env, HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const env = Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(env.AWS_DEFAULT_REGION).toBe('eu-west-1');
    expect(env.AWS_PROFILE).toBe('byok-acme');
    for (const v of MODEL_VARS) expect(env[v], v).toMatch(/^eu\.anthropic\./);
    // Admin keys already in the shell would win over AWS_PROFILE: after the eval they are gone.
    const dirty = await run('bash', ['-c', script], { env: { PATH: process.env.PATH, ...t.env, HOME: home, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_BEARER_TOKEN_BEDROCK: 'ABSKexample' } });
    expect(dirty.code, dirty.stderr).toBe(0);
    expect(dirty.stdout).toMatch(/^AWS_PROFILE=byok-acme$/m);
    expect(dirty.stdout).not.toMatch(/^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_BEARER_TOKEN_BEDROCK)=/m);
    const gw = await byok(['export', 'env', '--gateway', 'http://127.0.0.1:8787']);
    expect(gw.stdout).toMatch(/^export AWS_ENDPOINT_URL_BEDROCK_RUNTIME='http:\/\/127\.0\.0\.1:8787'$/m);
    expect(gw.stdout).not.toMatch(/^export AWS_BEARER_TOKEN_BEDROCK/m);
  });
});

describe('byok doctor --claude-code-settings: every mismatch with the workspace is flagged', () => {
  it('passes the file export wrote (direct path with its ~/.aws/config profile, and the gateway path)', async () => {
    await workspace('eu', 'eu-west-1');
    addAwsProfile();
    const direct = await doctor(writeSettings(await exported()));
    expect(direct.r.code, direct.human.stdout).toBe(0);
    expect(failed(direct.checks)).toEqual([]);
    expect(direct.checks.filter((c) => c.status === 'warn')).toEqual([]);
    const gw = await doctor(writeSettings(await exported(['--gateway', 'http://127.0.0.1:8787']), 'gw.json'), ['--gateway', 'http://127.0.0.1:8787']);
    expect(gw.r.code, gw.human.stdout).toBe(0);
    // The token placeholder is still to be replaced: a warning, not a failure.
    expect(gw.checks.find((c) => c.name === 'gateway-token')).toMatchObject({ status: 'warn' });
  });

  it('flags a us. model ID (exit 1), naming the variable, and its hint names only the EU profile', async () => {
    await workspace('eu', 'eu-west-1');
    const s = await exported();
    s.env.ANTHROPIC_DEFAULT_OPUS_MODEL = US_OPUS;
    const { r, checks, human } = await doctor(writeSettings(s));
    expect(r.code).toBe(1);
    const c = checks.find((x) => x.name === 'ANTHROPIC_DEFAULT_OPUS_MODEL')!;
    expect(c).toMatchObject({ status: 'fail', category: 'region-mismatch' });
    expect(c.hint).toContain(EU_OPUS);
    expect(c.hint).not.toMatch(/\bus\./);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/✗ ANTHROPIC_DEFAULT_OPUS_MODEL/);
  });

  it('flags a model ARN in a US region, and warns of an unpinned Haiku (Claude Code then picks the model itself)', async () => {
    await workspace('eu', 'eu-west-1');
    const s = await exported();
    s.env.ANTHROPIC_MODEL = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${US_OPUS}`;
    delete s.env.ANTHROPIC_DEFAULT_HAIKU_MODEL;
    delete s.env.ANTHROPIC_SMALL_FAST_MODEL;
    const { r, checks } = await doctor(writeSettings(s));
    expect(r.code).toBe(1);
    expect(failed(checks).map((c) => c.name)).toEqual(['ANTHROPIC_MODEL']);
    const haiku = checks.find((c) => c.name === 'ANTHROPIC_DEFAULT_HAIKU_MODEL')!;
    expect(haiku).toMatchObject({ status: 'warn' });
    expect(haiku.hint).toContain(EU_SONNET);
  });

  it('flags AWS_REGION in the US, and one inside the EU that is not the workspace region', async () => {
    await workspace('eu', 'eu-west-1');
    for (const region of ['us-east-1', 'eu-central-1']) {
      const s = await exported();
      s.env.AWS_REGION = region;
      const { r, checks } = await doctor(writeSettings(s));
      expect(r.code, region).toBe(1);
      const c = checks.find((x) => x.name === 'AWS_REGION')!;
      expect(c, region).toMatchObject({ status: 'fail', category: 'region-mismatch' });
      expect(c.hint).toContain('eu-west-1');
      expect(c.hint).not.toMatch(US_REGION);
    }
  });

  it('flags plaintext AWS keys in the env block and elsewhere in the file, and never prints them (human or --json)', async () => {
    await workspace('eu', 'eu-west-1');
    const s = await exported();
    const id = 'AKIAZ7EXAMPLEPLAIN01';
    const secret = 'Zq9xLmN3pQr7StUv1WxYz5AbCdEfGh2IjKlMnOp4';
    s.env.AWS_ACCESS_KEY_ID = id;
    s.env.AWS_SECRET_ACCESS_KEY = secret;
    s.awsAuthRefresh = `aws configure set aws_access_key_id AKIAZ7EXAMPLEOTHER02`;
    const { r, checks, human } = await doctor(writeSettings(s));
    expect(r.code).toBe(1);
    const c = checks.find((x) => x.name === 'plaintext-keys')!;
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
    for (const out of [r.stdout, r.stderr, human.stdout, human.stderr]) {
      expect(out).not.toContain(id);
      expect(out).not.toContain(secret);
      expect(out).not.toContain('AKIAZ7EXAMPLEOTHER02');
      expect(out).not.toContain(id.slice(-4) + '"');
    }
  });

  it('flags Bedrock mode off, and an endpoint that is not the gateway or Bedrock in the workspace region', async () => {
    await workspace('eu', 'eu-west-1');
    const cases: [Record<string, string>, string, string[]][] = [
      [{ CLAUDE_CODE_USE_BEDROCK: '0' }, 'bedrock-mode', []],
      [{ ANTHROPIC_BEDROCK_BASE_URL: 'https://bedrock-runtime.us-east-1.amazonaws.com' }, 'endpoint', []],
      [{ ANTHROPIC_BEDROCK_BASE_URL: 'https://llm-proxy.example.com' }, 'endpoint', []],
      [{ ANTHROPIC_BEDROCK_BASE_URL: 'http://127.0.0.1:9999' }, 'endpoint', ['--gateway', 'http://127.0.0.1:8787']],
      // A bearer token sent anywhere but the gateway is a Bedrock API key in plaintext.
      [{ AWS_BEARER_TOKEN_BEDROCK: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl' }, 'gateway-token', []],
    ];
    for (const [change, name, extra] of cases) {
      const s = await exported();
      Object.assign(s.env, change);
      const { r, checks, human } = await doctor(writeSettings(s), extra);
      expect(r.code, JSON.stringify(change)).toBe(1);
      expect(failed(checks).map((c) => c.name), JSON.stringify(change)).toEqual([name]);
      expect(human.stdout + human.stderr).not.toContain('ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl');
    }
  });

  it('a malformed file is exit 2 saying where, without echoing its content; a missing file is exit 2', async () => {
    await workspace('eu', 'eu-west-1');
    const p = writeSettings(`{\n  "env": {\n    "AWS_SECRET_ACCESS_KEY": "${SECRET}",\n  }\n}\n`);
    for (const json of [[], ['--json']]) {
      const r = await byok(['doctor', '--claude-code-settings', p, ...json]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/not valid JSON at line 4/);
      // V8's own words, whole: the punctuation it expected is JSON's, not the file's.
      expect(r.stdout + r.stderr).toContain("(Expected double-quoted property name)");
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // An unquoted value: V8's own message quotes the text around it, which must not reach the output.
    const unquoted = writeSettings(`{\n  "env": {\n    "AWS_REGION": "eu-west-1",\n    "AWS_SECRET_ACCESS_KEY": ${SECRET}\n  }\n}\n`, 'unquoted.json');
    for (const json of [[], ['--json']]) {
      const r = await byok(['doctor', '--claude-code-settings', unquoted, ...json]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/not valid JSON at line 4/);
      for (const piece of [SECRET.slice(0, 8), SECRET.slice(8, 16), SECRET.slice(-8)]) expect(r.stdout + r.stderr).not.toContain(piece);
    }
    const notObject = await byok(['doctor', '--claude-code-settings', writeSettings('[1]', 'arr.json')]);
    expect(notObject.code).toBe(2);
    expect(notObject.stderr).toMatch(/not a settings object/);
    const missing = await byok(['doctor', '--claude-code-settings', join(t.dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ENOENT/);
    expect(readFileSync(p, 'utf8')).toContain(SECRET); // the file itself is left as it was
  });
});
