// The invoke / fallback workflow (DESIGN §4.3), in-process against the emulator so the mutation
// pass (issue 15) sees every change to src/app/invoke.ts: BYOK first; at most one
// retry, on platform credentials, in the workspace's own region, and only after its audit event
// is written; never for a refused key, a strict policy, an ineligible operation or a region the
// platform does not serve; warn asks the next session to re-confirm; the exit code says why.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

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

interface Attempt { via: 'byok' | 'platform'; ok: boolean; endpoint: string; region: string; error?: { code: string | null; status: number | null; category: string } }
interface InvokeJson {
  ok: boolean; workspace: string; conversation: string; servedBy: 'byok' | 'platform' | null; text?: string;
  route: { region: string; inferenceProfileId: string; modelId: string };
  attempts: Attempt[];
  error: { code: string | null; category: string; hint: string } | null;
  fallback: { decision: string; reasons: string[]; targetRegion: string | null } | null;
}
interface Event { seq: number; type: string; user: string; workspace: string | null; details: Record<string, unknown> }

async function setup(o: { geography: string; region: string; policy: 'allow' | 'warn' | 'strict'; platformRegions: string }) {
  const byokAcct = await emu.control.createAccount();
  const platformAcct = await emu.control.createAccount();
  const t = tempConfig();
  temps.push(t);
  const env = { ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const byok = (args: string[], opts: { stdin?: string; env?: Record<string, string | undefined> } = {}) => runInProcess(args, { env: { ...env, ...opts.env }, stdin: opts.stdin });
  const must = async (args: string[], stdin?: string) => {
    const r = await byok(args, { stdin });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await must(['workspace', 'create', 'ws', '--plan', 'enterprise']);
  await must(['config', 'set', 'geography', o.geography]);
  await must(['config', 'set', 'region', o.region]);
  await must(['credentials', 'set', '--access-key-id', byokAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${byokAcct.admin.secretAccessKey}\n`);
  await must(['credentials', 'set', '--platform', '--regions', o.platformRegions, '--access-key-id', platformAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${platformAcct.admin.secretAccessKey}\n`);
  await must(['policy', 'set', o.policy]);
  const invoke = async (args: string[]) => {
    const r = await byok(['invoke', '--json', ...args]);
    expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
    return { code: r.code, out: JSON.parse(r.stdout) as InvokeJson, stderr: r.stderr };
  };
  const events = async (): Promise<Event[]> => {
    const r = await byok(['audit', 'list', '--json']);
    return (JSON.parse(r.stdout) as { events: (Event & Record<string, unknown>)[] }).events.map((e) => ({ seq: e.seq, type: e.type, user: e.user, workspace: e.workspace, details: e.details }));
  };
  const throttle = (count = 3, error = { code: 'ThrottlingException' }, operation = 'Converse') =>
    emu.control.addFault({ service: 'bedrock-runtime', operation, accountId: byokAcct.accountId, count, error } as Parameters<TestEmulator['control']['addFault']>[0]);
  return { byok, invoke, events, throttle, byokAcct, platformAcct };
}

describe('a retryable BYOK failure under allow: one retry, platform credentials, same region, audited first', () => {
  it('for every geography and source region, the fallback goes to that region, once, after its audit event', async () => {
    for (const [geography, region] of [['eu', 'eu-west-3'], ['us', 'us-west-2'], ['apac', 'ap-southeast-2']] as const) {
      const s = await setup({ geography, region, policy: 'allow', platformRegions: `us-east-1,${region}` });
      await s.throttle();
      const before = (await s.events()).length;
      const r = await s.invoke(['--conversation', 'conv-1', 'Summarise the quarterly report']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.out).toMatchObject({ ok: true, servedBy: 'platform', conversation: 'conv-1', route: { region } });
      expect(r.out.attempts.map((a) => [a.via, a.ok, a.region])).toEqual([['byok', false, region], ['platform', true, region]]);
      expect(r.out.attempts[0]!.error).toMatchObject({ code: 'ThrottlingException', category: 'throttled' });
      expect(r.out.attempts[1]!.endpoint).toBe(emu.url);
      expect(r.out.fallback).toMatchObject({ decision: 'fallback', targetRegion: region });
      const added = (await s.events()).slice(before);
      expect(added.map((e) => e.type)).toEqual(['fallback', 'fallback-completed']);
      const [fb, done] = added as [Event, Event];
      expect(fb.seq).toBeLessThan(done.seq);
      expect(fb).toMatchObject({ user: 'alice', workspace: 'ws' });
      expect(fb.details).toMatchObject({
        originalErrorCode: 'ThrottlingException', category: 'throttled', platformEndpoint: emu.url, user: 'alice', workspace: 'ws', conversation: 'conv-1',
        model: r.out.route.modelId, inferenceProfileId: r.out.route.inferenceProfileId, region, policy: 'allow',
        inputTokens: Math.ceil('Summarise the quarterly report'.length / 4), outputTokens: null, maxTokens: 512,
      });
      expect(done.details).toMatchObject({ conversation: 'conv-1', ok: true, platformEndpoint: emu.url, region, model: r.out.route.modelId });
      expect(typeof done.details.inputTokens).toBe('number');
      expect(typeof done.details.outputTokens).toBe('number');
      expect((await s.byok(['audit', 'verify'])).code).toBe(0);
    }
  });

  it('the platform endpoint template takes the region', async () => {
    const s = await setup({ geography: 'eu', region: 'eu-west-1', policy: 'allow', platformRegions: 'eu-west-1' });
    await s.throttle();
    const r = await s.byok(['invoke', '--json', 'hi'], { env: { BYOK_PLATFORM_ENDPOINT_URL: `${emu.url}/?r={region}` } });
    const out = JSON.parse(r.stdout) as InvokeJson;
    expect(out.attempts[1]).toMatchObject({ via: 'platform', endpoint: `${emu.url}/?r=eu-west-1`, region: 'eu-west-1' });
  });

  it('when the platform call fails as well, there is no second retry: the failure is recorded and surfaced', async () => {
    const s = await setup({ geography: 'us', region: 'us-east-1', policy: 'allow', platformRegions: 'us-east-1' });
    await s.throttle();
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: s.platformAcct.accountId, count: 5, error: { code: 'ServiceUnavailableException' } } as Parameters<TestEmulator['control']['addFault']>[0]);
    const before = (await s.events()).length;
    const r = await s.invoke(['hi']);
    expect(r.code).toBe(1);
    expect(r.out).toMatchObject({ ok: false, servedBy: null, error: { code: 'ThrottlingException', category: 'throttled' } });
    expect(r.out.attempts.map((a) => [a.via, a.ok])).toEqual([['byok', false], ['platform', false]]);
    expect(r.out.attempts[1]!.error).toMatchObject({ code: 'ServiceUnavailableException' });
    const remaining = ((await emu.control.listFaults()).faults as { accountId: string; remaining: number }[]).find((f) => f.accountId === s.platformAcct.accountId)!.remaining;
    expect(remaining, 'exactly one platform attempt').toBe(4);
    const added = (await s.events()).slice(before);
    expect(added.map((e) => e.type)).toEqual(['fallback', 'fallback-completed']);
    expect(added[1]!.details).toMatchObject({ ok: false, errorCode: 'ServiceUnavailableException', inputTokens: null, outputTokens: null, region: 'us-east-1' });
    await s.throttle();
    const human = await s.byok(['invoke', 'hi']);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/BYOK call failed: ThrottlingException \(throttled\)/);
    expect(human.stderr).toMatch(/fallback: attempted on platform credentials in us-east-1 \(.*\) and failed: /);
  });
});

describe('no fallback', () => {
  it('strict: the BYOK error is surfaced with the troubleshooting steps, exit 1, nothing retried or audited as a fallback', async () => {
    const s = await setup({ geography: 'us', region: 'us-east-1', policy: 'strict', platformRegions: 'us-east-1' });
    await s.throttle();
    const before = (await s.events()).length;
    const r = await s.invoke(['hi']);
    expect(r.code).toBe(1);
    expect(r.out).toMatchObject({ ok: false, servedBy: null, fallback: { decision: 'fail', targetRegion: null }, error: { code: 'ThrottlingException', category: 'throttled' } });
    expect(r.out.error!.hint.length).toBeGreaterThan(10);
    expect(r.out.attempts.map((a) => a.via)).toEqual(['byok']);
    expect(r.out.fallback!.reasons.some((x) => /^no: .*strict/.test(x))).toBe(true);
    expect((await s.events()).slice(before).map((e) => e.type)).toEqual([]);
    await s.throttle();
    const human = await s.byok(['invoke', 'hi']);
    expect(human.stderr).toMatch(/fallback: not allowed/);
    expect(human.stderr).toMatch(/  - no: the workspace policy is strict/);
  });

  it('a region the platform does not serve: no fallback, and the reason names it', async () => {
    const s = await setup({ geography: 'eu', region: 'eu-central-1', policy: 'allow', platformRegions: 'eu-west-1' });
    await s.throttle();
    const r = await s.invoke(['hi']);
    expect(r.code).toBe(1);
    expect(r.out.attempts.map((a) => a.via)).toEqual(['byok']);
    expect(r.out.fallback!.reasons.join('\n')).toMatch(/does not serve eu-central-1/);
  });

  it('a refused (non-retryable) error never falls back and exits 4', async () => {
    const s = await setup({ geography: 'us', region: 'us-east-1', policy: 'allow', platformRegions: 'us-east-1' });
    await s.throttle(3, { code: 'AccessDeniedException' } as { code: string });
    const r = await s.invoke(['hi']);
    expect(r.code).toBe(4);
    expect(r.out).toMatchObject({ servedBy: null, fallback: { decision: 'fail' }, error: { category: 'iam-permission' } });
    expect(r.out.attempts.map((a) => a.via)).toEqual(['byok']);
  });

  it('a write falls back only when marked, and an autonomous production write never', async () => {
    const s = await setup({ geography: 'us', region: 'us-east-1', policy: 'allow', platformRegions: 'us-east-1' });
    await s.throttle(3);
    expect((await s.invoke(['--operation-kind', 'write', 'hi'])).out.servedBy).toBeNull();
    await s.throttle(3);
    expect((await s.invoke(['--operation-kind', 'write', '--fallback-eligible', 'hi'])).out.servedBy).toBe('platform');
    await s.throttle(3);
    expect((await s.invoke(['--operation-kind', 'write', '--fallback-eligible', '--autonomous', 'hi'])).out.servedBy).toBeNull();
    await s.throttle(3);
    expect((await s.invoke(['--operation-kind', 'write', '--fallback-eligible', '--autonomous', '--environment', 'staging', 'hi'])).out.servedBy).toBe('platform');
  });
});

describe('warn, the prompt guard and BYOK success', () => {
  it('warn: falls back, then the next session must re-confirm before anything is sent', async () => {
    const s = await setup({ geography: 'us', region: 'us-east-1', policy: 'warn', platformRegions: 'us-east-1' });
    await s.throttle();
    const r = await s.invoke(['hi']);
    expect(r.out.servedBy).toBe('platform');
    const human = await s.throttle().then(() => s.byok(['invoke', 'hi']));
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/requires re-confirmation/);
    expect((await s.byok(['policy', 'confirm'])).code).toBe(0);
    await emu.control.clearFaults();
    const again = await s.invoke(['hi']);
    expect(again).toMatchObject({ code: 0, out: { servedBy: 'byok' } });
  });

  it('a prompt carrying credentials is refused before anything is sent (exit 2), and nothing is audited', async () => {
    const s = await setup({ geography: 'us', region: 'us-east-1', policy: 'allow', platformRegions: 'us-east-1' });
    const before = await s.events();
    const r = await s.byok(['invoke', 'my key is AKIAIOSFODNN7EXAMPLE']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/raw cloud credentials \(aws access key id\); nothing was sent/);
    expect(r.stderr).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(await s.events()).toEqual(before);
    expect((await s.byok(['invoke', '   '])).code).toBe(2);
    expect((await s.byok(['invoke', '--conversation', 'bad id!', 'hi'])).code).toBe(2);
  });

  it('BYOK success: served by BYOK, one attempt, no fallback decision, no audit event', async () => {
    const s = await setup({ geography: 'eu', region: 'eu-west-1', policy: 'allow', platformRegions: 'eu-west-1' });
    const before = (await s.events()).length;
    const r = await s.invoke(['hi']);
    expect(r).toMatchObject({ code: 0, out: { ok: true, servedBy: 'byok', fallback: null, route: { region: 'eu-west-1' } } });
    expect(r.out.attempts).toEqual([{ via: 'byok', ok: true, endpoint: emu.url, region: 'eu-west-1' }]);
    expect(r.out.conversation).toMatch(/^cli-[0-9a-z]+$/);
    expect((await s.events()).length).toBe(before);
  });
});
