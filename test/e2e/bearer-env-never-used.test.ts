// AWS_BEARER_TOKEN_BEDROCK in the shell (the README tells gateway clients to set it) must never
// replace byok's own credentials: byok signs its calls with the workspace's SigV4 credentials and
// the platform's, so a gateway token is never sent to AWS and a fallback recorded as served by the
// platform really ran in the platform account (attack review, stop 18, finding 1).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { runByok } from '../helpers/run-byok.js';

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearFaults();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

describe('a bearer token in the environment never replaces the credentials byok signs with', () => {
  it('invoke and test-connection sign with SigV4; a fallback under allow runs in the platform account', async () => {
    const byokAcct = await emu.control.createAccount();
    const platformAcct = await emu.control.createAccount();
    const t = tempConfig();
    temps.push(t);
    const env: Record<string, string> = { ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
    const byok = (args: string[], stdin?: string, extra: Record<string, string> = {}) => runByok(args, { env: { ...env, ...extra }, stdin });
    for (const [args, stdin] of [
      [['workspace', 'create', 'ws', '--plan', 'enterprise']],
      [['config', 'set', 'geography', 'eu']],
      [['config', 'set', 'region', 'eu-west-1']],
      [['credentials', 'set', '--access-key-id', byokAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${byokAcct.admin.secretAccessKey}\n`],
      [['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', platformAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${platformAcct.admin.secretAccessKey}\n`],
      [['policy', 'set', 'allow']],
    ] as [string[], string?][]) {
      const r = await byok(args, stdin);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const bearer = { AWS_BEARER_TOKEN_BEDROCK: 'byok_gw_thisIsAGatewayTokenThatMustNeverReachAWS0000' };
    const before = (await emu.control.requests()).requests.length;
    const tc = await byok(['test-connection', '--json'], undefined, bearer);
    expect(tc.code, tc.stderr).toBe(0);
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: byokAcct.accountId, count: 3, error: { code: 'ThrottlingException' } });
    const inv = await byok(['invoke', '--json', 'hello'], undefined, bearer);
    expect(inv.code, inv.stderr).toBe(0);
    expect(JSON.parse(inv.stdout)).toMatchObject({ servedBy: 'platform' });
    const bedrock = (await emu.control.requests()).requests.slice(before).filter((q) => q.service === 'bedrock' || q.service === 'bedrock-runtime');
    expect(bedrock.length).toBeGreaterThan(0);
    // Every call carried a SigV4 credential scope (a bearer call has none) ...
    expect(bedrock.filter((q) => q.accessKeyId === null).map((q) => q.operation)).toEqual([]);
    // ... and the platform's answer came from the platform account.
    const converse = bedrock.filter((q) => q.operation === 'Converse').map((q) => [q.accountId, q.status]);
    expect(converse.at(-1)).toEqual([platformAcct.accountId, 200]);
  });
});
