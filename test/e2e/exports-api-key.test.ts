// `byok export claude-code|env` and `byok doctor --claude-code-settings` for a workspace whose
// provider is a Bedrock API key (issue 14), through the built CLI. Claude Code reads a Bedrock API
// key from AWS_BEARER_TOKEN_BEDROCK (its Amazon Bedrock page, cited in src/core/claude-code.ts);
// credential_process hands out SigV4 keys only, and byok never prints a key it holds.
import { getToken } from '@aws/bedrock-token-generator';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { runByok } from '../helpers/run-byok.js';
import { scanForSecrets } from '../helpers/secret-scan.js';

// A long-term key's shape (ABSK + base64); byok stores it without calling AWS.
const LONG_TERM = `ABSK${Buffer.from('byok-test-user-at-123456789012:'.padEnd(60, 'k')).toString('base64').replace(/=+$/, '')}`;

let t: TestEnv;
let home: string;
const printed: string[] = [];
beforeEach(() => {
  t = tempConfig();
  home = join(t.dir, 'home');
  mkdirSync(home);
});
afterEach(() => t.cleanup());

async function byok(args: string[], stdin?: string) {
  const r = await runByok(args, { env: { ...t.env, HOME: home }, stdin });
  printed.push(r.stdout, r.stderr);
  return r;
}

async function apiKeyWorkspace(): Promise<void> {
  for (const args of [['workspace', 'create', 'acme', '--plan', 'enterprise'], ['config', 'set', 'geography', 'eu'], ['config', 'set', 'region', 'eu-west-1']]) {
    const r = await byok(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const k = await byok(['credentials', 'set', '--bedrock-api-key-stdin'], `${LONG_TERM}\n`);
  expect(k.code, k.stderr).toBe(0);
}

interface Check { name: string; ok: boolean; status: string; detail: string; category: string | null }
async function doctor(path: string): Promise<{ code: number | null; checks: Check[] }> {
  const r = await byok(['doctor', '--claude-code-settings', path, '--json']);
  await byok(['doctor', '--claude-code-settings', path]);
  return { code: r.code, checks: (JSON.parse(r.stdout) as { checks: Check[] }).checks };
}
function write(env: Record<string, string>, mode = 0o600): string {
  const p = join(t.dir, 'settings.json');
  writeFileSync(p, JSON.stringify({ env }, null, 2));
  chmodSync(p, mode);
  return p;
}

it('the export of an API-key workspace puts a placeholder in AWS_BEARER_TOKEN_BEDROCK, no credential_process profile, and never the key', async () => {
  await apiKeyWorkspace();
  const r = await byok(['export', 'claude-code', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const env = (JSON.parse(r.stdout) as { env: Record<string, string> }).env;
  expect(env.AWS_BEARER_TOKEN_BEDROCK).toBe('REPLACE-WITH-A-BEDROCK-API-KEY');
  expect(env.AWS_PROFILE).toBeUndefined();
  expect(env.ANTHROPIC_BEDROCK_BASE_URL).toBeUndefined();
  expect(env.AWS_REGION).toBe('eu-west-1');
  const human = await byok(['export', 'claude-code']);
  expect(human.stderr).toMatch(/credential_process cannot hand out/);
  expect(human.stderr).not.toMatch(/credential_process = byok credential-process/);
  const sh = await byok(['export', 'env']);
  expect(sh.code, sh.stderr).toBe(0);
  // The shell lines set no AWS_PROFILE and no token: only a comment says where it goes.
  expect(sh.stdout).not.toMatch(/^export AWS_PROFILE=/m);
  expect(sh.stdout).not.toMatch(/^export AWS_BEARER_TOKEN_BEDROCK=/m);
  expect(sh.stdout).toMatch(/^# export AWS_BEARER_TOKEN_BEDROCK=\.\.\.$/m);
  expect(scanForSecrets([LONG_TERM], { texts: printed })).toEqual([]);
});

it('doctor accepts the exported shape with a key, readable by the owner only, and flags the key readable by others, the placeholder, another region\'s key and a credential_process profile', async () => {
  await apiKeyWorkspace();
  const env = (JSON.parse((await byok(['export', 'claude-code', '--json'])).stdout) as { env: Record<string, string> }).env;

  const good = await doctor(write({ ...env, AWS_BEARER_TOKEN_BEDROCK: LONG_TERM }));
  expect(good.checks.filter((c) => c.status === 'fail'), JSON.stringify(good.checks)).toEqual([]);
  expect(good.code).toBe(0);
  expect(good.checks.find((c) => c.name === 'api-key')).toMatchObject({ status: 'pass' });

  const shared = await doctor(write({ ...env, AWS_BEARER_TOKEN_BEDROCK: LONG_TERM }, 0o644));
  expect(shared.checks.find((c) => c.name === 'api-key')).toMatchObject({ status: 'fail' });
  expect(shared.code).not.toBe(0);

  const placeholder = await doctor(write(env));
  expect(placeholder.checks.find((c) => c.name === 'api-key')).toMatchObject({ status: 'warn' });

  // A short-term key carries its region; Bedrock refuses it elsewhere (Bedrock user guide, "API keys").
  const frankfurt = await getToken({ credentials: { accessKeyId: 'AKIAZ7EXAMPLEKEY0001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLE1' }, region: 'eu-central-1' });
  const other = await doctor(write({ ...env, AWS_BEARER_TOKEN_BEDROCK: frankfurt }));
  expect(other.checks.find((c) => c.name === 'api-key')).toMatchObject({ status: 'fail', category: 'region-mismatch' });

  // The IAM path's profile: byok credential-process refuses an API-key workspace.
  mkdirSync(join(home, '.aws'), { recursive: true });
  writeFileSync(join(home, '.aws', 'config'), '[profile byok-acme]\ncredential_process = byok credential-process --workspace acme\nregion = eu-west-1\n');
  const { AWS_BEARER_TOKEN_BEDROCK: _drop, ...noKey } = env;
  const profile = await doctor(write({ ...noKey, AWS_PROFILE: 'byok-acme' }));
  expect(profile.checks.find((c) => c.name === 'aws-profile')).toMatchObject({ status: 'fail' });

  expect(scanForSecrets([LONG_TERM, frankfurt], { texts: printed })).toEqual([]);
});
