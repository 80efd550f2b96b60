// setup's provider choice (issue 14), through the built binary against the emulator: IAM
// credentials, short-term Bedrock API keys byok mints from them, a long-term key pasted on stdin or
// created through IAM — each saved only after Bedrock accepted it, each passing test-connection
// afterwards, and no key, secret or token in anything printed or written.
import { CreateServiceSpecificCredentialCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { KEYS, Terminal } from '../helpers/pty-terminal.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { scanForSecrets } from '../helpers/secret-scan.js';
import { run } from '../helpers/spawn.js';

let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string | undefined>;
const outputs: string[] = [];
const secrets: string[] = [];

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

async function byok(args: string[], o: { stdin?: string; extraEnv?: Record<string, string> } = {}) {
  const r = await run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, CI: 'true', ...o.extraEnv }, stdin: o.stdin, timeoutMs: 60_000 });
  outputs.push(r.stdout, r.stderr);
  expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
  return r;
}

async function account() {
  const a = await emu.control.createAccount();
  await emu.control.modelAccess({ accountId: a.accountId, marketplaceSubscribed: true });
  secrets.push(a.admin.secretAccessKey);
  return a;
}

/** An IAM user allowed to invoke Claude with a long-term key (the bearer permission AWS requires). */
async function keyUser(admin: { accessKeyId: string; secretAccessKey: string }, userName: string) {
  const iam = new IAMClient(sdkConfig(emu, 'us-east-1', admin));
  await iam.send(new CreateUserCommand({ UserName: userName }));
  await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: 'invoke', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:GetInferenceProfile', 'bedrock:ListInferenceProfiles', 'bedrock:CallWithBearerToken'], Resource: '*' }] }) }));
  return iam;
}

interface SetupJson { ok: boolean; provider: string; warning: string | null; accessKeyId: string; connectionTest: { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] } | null }
interface TestJson { ok: boolean; provider: string; apiKey: { kind: string; minted: boolean } | null }
const bedrockCallsSince = (n: number) => emu.state.requests.slice(n).filter((r) => r.service === 'bedrock-runtime');

it('--provider create-api-key whose test then fails: the key IAM created is kept (sealed) and named, never left unmentioned or lost', async () => {
  const a = await account();
  await keyUser(a.admin, 'byok-bedrock');
  // Every model call of this account is refused: the test fails after the key exists.
  await emu.control.addFault({ service: 'bedrock-runtime', accountId: a.accountId, count: 50, error: { code: 'AccessDeniedException' } });
  const r = await byok(['setup', '--non-interactive', '--json', '--name', 'kept', '--plan', 'scale', '--provider', 'create-api-key', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { extraEnv: { AWS_ACCESS_KEY_ID: a.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: a.admin.secretAccessKey } });
  await emu.control.clearFaults();
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const out = JSON.parse(r.stdout) as { ok: boolean; kept: string | null; error: { message: string } };
  expect(out.ok).toBe(false);
  expect(out.kept).toMatch(/long-term Bedrock API key/);
  expect(out.error.message).not.toMatch(/nothing was saved/);
  const made = Object.values(emu.state.data.serviceCredentials ?? {}).filter((x) => x.accountId === a.accountId);
  expect(made).toHaveLength(1);
  secrets.push(made[0]!.secret);
  // It is where the message says: in the workspace's sealed config.
  const shown = await byok(['credentials', 'show', '--workspace', 'kept', '--json']);
  expect(shown.stdout).toMatch(/ABSK\*+/);
}, 120_000);

it('--provider short-term-api-keys: the test and every later call carry a key minted from the IAM credentials, never SigV4; test-connection passes with it', async () => {
  const a = await account();
  const before = emu.state.requests.length;
  const r = await byok(['setup', '--non-interactive', '--json', '--name', 'short', '--plan', 'scale', '--provider', 'short-term-api-keys', '--access-key-id', a.admin.accessKeyId, '--secret-access-key-stdin', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { stdin: `${a.admin.secretAccessKey}\n` });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as SetupJson;
  expect(j).toMatchObject({ ok: true, provider: 'short-term-api-keys', warning: null, connectionTest: { ok: true } });
  // The setup test's model calls were bearer calls (no SigV4 access key on them).
  const calls = bedrockCallsSince(before);
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.every((c) => c.accessKeyId === null), JSON.stringify(calls.map((c) => c.accessKeyId))).toBe(true);

  const shown = JSON.parse((await byok(['credentials', 'show', '--workspace', 'short', '--json'])).stdout) as { provider: string; apiKey: { kind: string; minted: boolean } };
  expect(shown).toMatchObject({ provider: 'bedrock-api-key', apiKey: { kind: 'short-term', minted: true } });
  const tc = await byok(['test-connection', '--workspace', 'short', '--json']);
  expect(tc.code, tc.stdout).toBe(0);
  expect(JSON.parse(tc.stdout) as TestJson).toMatchObject({ ok: true, provider: 'bedrock-api-key', apiKey: { kind: 'short-term', minted: true } });
}, 120_000);

it('--bedrock-api-key-stdin: a pasted long-term key is tested with Bedrock, stored without IAM credentials, and warned about; a refused key saves nothing', async () => {
  const a = await account();
  const iam = await keyUser(a.admin, 'pasted-key-user');
  const c = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'pasted-key-user', ServiceName: 'bedrock.amazonaws.com' }));
  const key = c.ServiceSpecificCredential!.ServiceCredentialSecret!;
  secrets.push(key);

  // Well formed, unknown to AWS: the connection test fails (exit 1) and the workspace is not created.
  const wrong = `ABSK${'Q'.repeat(key.length - 4)}`;
  const refused = await byok(['setup', '--non-interactive', '--json', '--name', 'pasted', '--plan', 'scale', '--bedrock-api-key-stdin', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { stdin: `${wrong}\n` });
  expect(refused.code, refused.stdout + refused.stderr).toBe(1);
  expect((JSON.parse(refused.stdout) as { connectionTest: { checks: { name: string; ok: boolean }[] } }).connectionTest.checks.find((x) => x.name === 'credentials')).toMatchObject({ ok: false });
  expect((await byok(['workspace', 'list', '--json'])).stdout).not.toMatch(/"pasted"/);

  // IAM credential flags with a key-only provider would be silently ignored: refused instead, nothing saved.
  const mixed = await byok(['setup', '--non-interactive', '--name', 'pasted', '--plan', 'scale', '--bedrock-api-key-stdin', '--from-env', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { stdin: `${key}\n`, extraEnv: { AWS_ACCESS_KEY_ID: a.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: a.admin.secretAccessKey } });
  expect(mixed.code, mixed.stderr).toBe(2);
  expect(mixed.stderr).toMatch(/conflicting-flags|would be ignored/);
  expect((await byok(['workspace', 'list', '--json'])).stdout).not.toMatch(/"pasted"/);

  const before = emu.state.requests.length;
  const r = await byok(['setup', '--non-interactive', '--name', 'pasted', '--plan', 'scale', '--bedrock-api-key-stdin', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { stdin: `${key}\n` });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout + r.stderr).toMatch(/AWS recommends long-term Bedrock API keys for exploring Bedrock only/);
  expect(r.stdout + r.stderr).toMatch(/ABSK\*{16}/);
  // No STS call: a bearer key cannot make one; Bedrock's answer was the check.
  expect(emu.state.requests.slice(before).some((x) => x.operation === 'GetCallerIdentity')).toBe(false);
  const shown = JSON.parse((await byok(['credentials', 'show', '--workspace', 'pasted', '--json'])).stdout) as { provider: string; configured: boolean; apiKey: { kind: string; source: string } };
  expect(shown).toMatchObject({ provider: 'bedrock-api-key', configured: false, apiKey: { kind: 'long-term', source: 'stdin' } });
  const tc = await byok(['test-connection', '--workspace', 'pasted', '--json']);
  expect(tc.code, tc.stdout).toBe(0);
  expect(JSON.parse(tc.stdout) as TestJson).toMatchObject({ ok: true, provider: 'bedrock-api-key', apiKey: { kind: 'long-term', minted: false } });

  // Re-run without a provider: setup will not flip the workspace back to IAM credentials unasked.
  const flip = await byok(['setup', '--non-interactive', '--name', 'pasted', '--from-env', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { extraEnv: { AWS_ACCESS_KEY_ID: a.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: a.admin.secretAccessKey } });
  expect(flip.code, flip.stderr).toBe(2);
  expect(flip.stderr).toMatch(/--provider/);
  expect(JSON.parse((await byok(['credentials', 'show', '--workspace', 'pasted', '--json'])).stdout)).toMatchObject({ provider: 'bedrock-api-key' });
}, 120_000);

it('--provider create-api-key: the key IAM creates is stored unseen before the test, warned about, and test-connection passes with it', async () => {
  const a = await account();
  await keyUser(a.admin, 'byok-bedrock');
  const r = await byok(['setup', '--non-interactive', '--json', '--name', 'created', '--plan', 'scale', '--provider', 'create-api-key', '--geography', 'us', '--region', 'us-east-1', '--policy', 'warn'], { extraEnv: { AWS_ACCESS_KEY_ID: a.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: a.admin.secretAccessKey } });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(JSON.parse(r.stdout) as SetupJson).toMatchObject({ ok: true, provider: 'create-api-key', warning: expect.stringMatching(/exploring Bedrock only/), accessKeyId: 'ABSK****************', connectionTest: { ok: true } });
  const made = Object.values(emu.state.data.serviceCredentials ?? {}).filter((x) => x.accountId === a.accountId);
  expect(made).toHaveLength(1);
  expect(made[0]!.userName).toBe('byok-bedrock');
  secrets.push(made[0]!.secret);
  const tc = await byok(['test-connection', '--workspace', 'created', '--json']);
  expect(tc.code, tc.stdout).toBe(0);
  expect(JSON.parse(tc.stdout) as TestJson).toMatchObject({ ok: true, provider: 'bedrock-api-key', apiKey: { kind: 'long-term', minted: false } });
}, 120_000);

it('the wizard offers short-term Bedrock API keys next to the IAM methods; choosing them saves the short-term provider', async () => {
  const a = await account();
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`wizkey${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(KEYS.enter);
  await term.waitFor(/How do you want to provide/);
  await term.waitFor(/Short-term Bedrock API keys/);
  await term.type(`${KEYS.down.repeat(3)}${KEYS.enter}`); // type, profile, provision, short-term
  await term.waitFor(/Access key ID/);
  await term.type(`${a.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  await term.type(`${a.admin.secretAccessKey}${KEYS.enter}`);
  await term.waitFor(/Inference profile/);
  await term.type(`${KEYS.down}${KEYS.enter}`); // global, us
  await term.waitFor(/Source region/);
  await term.type(KEYS.enter);
  await term.waitFor(/Fallback policy/, 60_000);
  expect(term.screen).toMatch(/Connection test passed/);
  await term.type(KEYS.enter);
  await term.waitFor(/Save this configuration/);
  expect(term.screen).toMatch(/provider\s+Bedrock API keys, short-term, minted by byok/);
  await term.type(KEYS.enter);
  expect(await term.exited).toBe(0);
  outputs.push(term.screen);
  expect(term.screen).not.toContain(a.admin.secretAccessKey);
  const shown = JSON.parse((await byok(['credentials', 'show', '--workspace', 'wizkey', '--json'])).stdout) as { provider: string; apiKey: { kind: string; minted: boolean } };
  expect(shown).toMatchObject({ provider: 'bedrock-api-key', apiKey: { kind: 'short-term', minted: true } });
}, 180_000);

it('nothing printed or written holds a secret access key or a Bedrock API key', () => {
  expect(secrets.length).toBeGreaterThanOrEqual(4);
  const found = scanForSecrets(secrets, { dirs: [t.env.BYOK_CONFIG_DIR!], texts: outputs });
  expect(found).toEqual([]);
  // The sealed config holds the keys; its plaintext parts hold none of them (checked above), and no key prefix in clear.
  const raw = readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json'), 'utf8');
  expect(raw).not.toMatch(/ABSK[A-Za-z0-9+/]{8}|bedrock-api-key-[A-Za-z0-9+/]{8}/);
});
