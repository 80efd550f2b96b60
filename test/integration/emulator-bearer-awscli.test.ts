// The real AWS CLI (botocore reads AWS_BEARER_TOKEN_BEDROCK and then sends no SigV4 at all) runs
// `aws bedrock-runtime converse` against the emulator with a short-term key byok minted and with a
// long-term key created through IAM.
import { spawn, spawnSync } from 'node:child_process';
import { CreateAccessKeyCommand, CreateServiceSpecificCredentialCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintShortTermKey } from '../../src/aws/api-keys.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

// botocore reads AWS_BEARER_TOKEN_<SIGNING NAME> for the services it lists as bearer-capable
// (botocore/handlers.py get_bearer_auth_supported_services: {'bedrock'}; utils.py _get_bearer_env_var_name).
const probe = spawnSync('python3', ['-c', 'import botocore.handlers as h; print("bedrock" in h.get_bearer_auth_supported_services())'], { encoding: 'utf8' });
const cliReadsBearer = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0 && probe.stdout.trim() === 'True';
if (!cliReadsBearer) console.warn('\n!!! SKIPPED: this AWS CLI / botocore cannot send AWS_BEARER_TOKEN_BEDROCK (needs a botocore with bearer auth for bedrock) !!!\n');

let emu: TestEmulator;
let user: { accessKeyId: string; secretAccessKey: string };
let longTerm: string;
beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.control.modelAccess({ accountId: emu.admin.accountId, marketplaceSubscribed: true });
  const iam = new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));
  await iam.send(new CreateUserCommand({ UserName: 'cli-key' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'cli-key', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:CallWithBearerToken'], Resource: '*' }] }) }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'cli-key' }))).AccessKey!;
  user = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  longTerm = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'cli-key', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 1 }))).ServiceSpecificCredential!.ServiceCredentialSecret!;
});
afterAll(async () => emu.close());

function converse(token: string, region: string, endpointRegion = region): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    // No access key at all in the environment: the key is the only credential the CLI has.
    const p = spawn('aws', ['bedrock-runtime', 'converse', '--model-id', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--messages', '[{"role":"user","content":[{"text":"hi"}]}]', '--output', 'json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `${emu.url}/_region/${endpointRegion}`, AWS_BEARER_TOKEN_BEDROCK: token, AWS_DEFAULT_REGION: region, AWS_MAX_ATTEMPTS: '1' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!cliReadsBearer)('aws bedrock-runtime converse with AWS_BEARER_TOKEN_BEDROCK', () => {
  it('a short-term key byok minted is accepted, and refused in another region with AWS\'s text', async () => {
    const key = (await mintShortTermKey(user, 'us-east-1', { now: new Date() })).token;
    const ok = await converse(key, 'us-east-1');
    expect(ok.err).toBe('');
    expect((JSON.parse(ok.out) as { output: { message: { role: string } } }).output.message.role).toBe('assistant');
    expect(emu.state.requests.at(-1)).toMatchObject({ operation: 'Converse', status: 200, accessKeyId: null });
    const elsewhere = await converse(key, 'us-west-2');
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.err).toMatch(/\(AccessDeniedException\) when calling the Converse operation: Authentication failed: Please make sure your API Key is valid\./);
  });

  it('a long-term key created through IAM is accepted, and a tampered one refused', async () => {
    const ok = await converse(longTerm, 'us-east-1');
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    const bad = await converse(`${longTerm.slice(0, -4)}AAAA`, 'us-east-1');
    expect(bad.err).toMatch(/\(AccessDeniedException\).*Authentication failed: Please make sure your API Key is valid\./);
  });
});
