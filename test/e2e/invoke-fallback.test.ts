// The fallback's promises (DESIGN §4.3), watched from the emulator's side through the built binary:
// where the platform request went and for which region it was signed, how many platform requests
// one invoke makes, who may use the owner's key at all, and warn's one-fallback-then-confirm under
// concurrency. The platform endpoint is a per-region host name reached through a small forwarding
// proxy, so the emulator's request log shows the endpoint byok called, not just the signing scope.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/emulator/state.js';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startForwardingProxy, type TestProxy } from '../helpers/proxy.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run, type Ran } from '../helpers/spawn.js';

let emu: TestEmulator;
let proxy: TestProxy;
const temps: TestEnv[] = [];

beforeAll(async () => {
  emu = await startTestEmulator();
  proxy = await startForwardingProxy({ toPort: emu.port });
});
afterEach(async () => {
  await emu.control.clearFaults();
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
  for (const t of temps) t.cleanup();
});

const platformHost = (region: string) => `bedrock-runtime.${region}.platform.test`;

interface Ws {
  byok(args: string[], o?: { stdin?: string; user?: string }): Promise<Ran>;
  byokAccount: string;
  platform: { accountId: string; accessKeyId: string };
  /** Requests the emulator received since the workspace was set up, signed with the platform's key or account. */
  platformRequests(): Promise<RequestRecord[]>;
  /** Every AWS request the emulator received so far. */
  requestCount(): Promise<number>;
  fallbackEvents(): Promise<{ details: Record<string, unknown> }[]>;
}

async function workspace(o: { geography: string; region: string; platformRegions: string[]; policy: 'allow' | 'warn' }): Promise<Ws> {
  const t = tempConfig();
  temps.push(t);
  const env = {
    PATH: process.env.PATH,
    HOME: t.dir,
    ...t.env,
    ...emu.clientEnv,
    BYOK_PLATFORM_ENDPOINT_URL: `http://${platformHost('{region}')}`,
    HTTP_PROXY: proxy.url,
    NO_PROXY: '127.0.0.1',
  };
  const byok: Ws['byok'] = (args, opts = {}) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, ...(opts.user ? { BYOK_USER: opts.user } : {}) }, stdin: opts.stdin });
  const [mine, plat] = await Promise.all([emu.control.createAccount(), emu.control.createAccount()]);
  const ok = async (args: string[], stdin?: string) => {
    const r = await byok(args, { stdin });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await ok(['workspace', 'create', 'bank', '--plan', 'scale']);
  await ok(['config', 'set', 'geography', o.geography]);
  await ok(['config', 'set', 'region', o.region]);
  await ok(['credentials', 'set', '--access-key-id', mine.admin.accessKeyId, '--secret-access-key-stdin'], `${mine.admin.secretAccessKey}\n`);
  await ok(['credentials', 'set', '--platform', '--regions', o.platformRegions.join(','), '--access-key-id', plat.admin.accessKeyId, '--secret-access-key-stdin'], `${plat.admin.secretAccessKey}\n`);
  await ok(['policy', 'set', o.policy]);
  const all = async () => (await emu.control.requests()).requests;
  return {
    byok,
    byokAccount: mine.accountId,
    platform: { accountId: plat.accountId, accessKeyId: plat.admin.accessKeyId },
    platformRequests: async () => (await all()).filter((r) => r.accountId === plat.accountId || r.accessKeyId === plat.admin.accessKeyId),
    requestCount: async () => (await all()).length,
    fallbackEvents: async () => JSON.parse((await byok(['audit', 'list', '--json', '--type', 'fallback'])).stdout).events,
  };
}

async function throttleByok(w: Ws): Promise<void> {
  await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.byokAccount, error: { code: 'ThrottlingException' }, durationMs: 120_000 });
}

describe('a fallback goes to the platform endpoint in the original call\'s region, or nowhere', () => {
  // Several platform-region lists, the workspace region never first where it is listed, so a
  // fallback aimed at "the platform's region" instead of the call's is seen at the emulator.
  const scenarios = [
    { geography: 'us', region: 'us-east-2', platformRegions: ['us-east-1', 'us-east-2'] },
    { geography: 'eu', region: 'eu-central-1', platformRegions: ['eu-west-1', 'eu-central-1'] },
    { geography: 'eu', region: 'eu-west-1', platformRegions: ['us-east-1', 'eu-west-1'] },
    { geography: 'eu', region: 'eu-west-3', platformRegions: ['eu-west-1', 'eu-central-1'] },
    { geography: 'us', region: 'us-west-2', platformRegions: ['eu-west-1'] },
  ];
  for (const s of scenarios) {
    const served = s.platformRegions.includes(s.region);
    it(`workspace in ${s.region}, platform serving ${s.platformRegions.join(', ')}: ${served ? `one platform request, to and signed for ${s.region}` : 'no platform request at all'}`, async () => {
      const w = await workspace({ ...s, policy: 'allow' });
      await throttleByok(w);
      const r = await w.byok(['invoke', '--json', 'Summarise the change window.']);
      const out = JSON.parse(r.stdout);
      const platform = await w.platformRequests();
      if (served) {
        expect(r.code, r.stderr).toBe(0);
        expect(out.servedBy).toBe('platform');
        expect(platform.map((p) => ({ service: p.service, host: p.host, region: p.region, status: p.status }))).toEqual([{ service: 'bedrock-runtime', host: platformHost(s.region), region: s.region, status: 200 }]);
        const ev = (await w.fallbackEvents()).at(-1)!.details;
        expect(ev.region).toBe(s.region);
        expect(ev.platformEndpoint).toBe(`http://${platformHost(s.region)}`);
      } else {
        expect(r.code).toBe(1);
        expect(out.servedBy).toBeNull();
        expect(out.fallback.decision).toBe('fail');
        expect(platform).toEqual([]);
        expect(await w.fallbackEvents()).toEqual([]);
      }
    });
  }
});

describe('a fallback is exactly one platform request', () => {
  it.each(['ThrottlingException', 'ServiceUnavailableException'])('with the platform side failing too (%s, which the SDK would retry), one platform request reaches AWS', async (code) => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', platformRegions: ['eu-west-1'], policy: 'allow' });
    await throttleByok(w);
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.platform.accountId, error: { code }, durationMs: 120_000 });
    const r = await w.byok(['invoke', '--json', 'Summarise the change window.']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.attempts.map((a: { via: string; ok: boolean }) => [a.via, a.ok])).toEqual([['byok', false], ['platform', false]]);
    expect((await w.platformRequests()).map((p) => [p.operation, p.status])).toEqual([['Converse', out.attempts[1].error.status]]);
  });
});

describe("nobody outside the workspace uses the owner's key", () => {
  // A stranger names no workspace of theirs: the current one is the owner's. Exit 2 (not-a-member),
  // and nothing is sent: the owner's key never signs a request for them.
  it.each([
    ['invoke', ['invoke', '--json', 'hello']],
    ['test-connection', ['test-connection', '--json']],
    ['credential-process', ['credential-process']],
  ])('%s as a user who is neither owner nor member is refused before any request, printing no credentials', async (_name, args) => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', platformRegions: ['eu-west-1'], policy: 'allow' });
    const before = await w.requestCount();
    const r = await w.byok(args, { user: 'mallory' });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain('not a member');
    expect(r.stdout).not.toMatch(/AccessKeyId|SecretAccessKey|ASIA|AKIA/);
    expect(await w.requestCount()).toBe(before);
    // The same command works for a member: the refusal is about who asks.
    expect((await w.byok(['workspace', 'add-member', 'bob'])).code).toBe(0);
    const member = await w.byok(args, { user: 'bob' });
    expect(member.code, member.stderr).toBe(0);
    expect(await w.requestCount()).toBeGreaterThan(before);
  });
});

describe('warn: one fallback, then re-confirmation before the next, whatever the concurrency', () => {
  it('six concurrent invokes under warn with BYOK throttled: exactly one falls back, the others are told to confirm', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', platformRegions: ['eu-west-1'], policy: 'warn' });
    await throttleByok(w);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => w.byok(['invoke', '--json', `request ${i}`])));
    const served = results.filter((r) => r.code === 0);
    expect(served, results.map((r) => `${r.code} ${r.stderr}`).join('\n')).toHaveLength(1);
    expect(JSON.parse(served[0]!.stdout).servedBy).toBe('platform');
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.stdout + r.stderr).toContain('byok policy confirm');
      if (r.stdout.trim() !== '') expect(JSON.parse(r.stdout).servedBy ?? null).toBeNull();
    }
    expect(await w.fallbackEvents()).toHaveLength(1);
    expect((await w.platformRequests()).filter((p) => p.service === 'bedrock-runtime')).toHaveLength(1);
    // After the confirmation the next fallback happens again: the refusals were the confirmation, not a lock-out.
    expect((await w.byok(['policy', 'confirm'])).code).toBe(0);
    const next = await w.byok(['invoke', '--json', 'after confirming']);
    expect(next.code, next.stderr).toBe(0);
    expect(await w.fallbackEvents()).toHaveLength(2);
  });
});
