// The fallback engine's promises (src/app/invoke.ts, DESIGN §4.3–4.4), in-process so the workflow
// mutation pass (issue 15) sees them: the audit event written before the platform retry and the
// one after it carry exactly the product's fields; warn's re-confirmation; a caller's profile
// checked against the route; no retry once part of a stream reached the client; a short-term key
// byok minted is renewed once, never fallen back from; the endpoints; what no request may carry.
// Expected values are written from the product rules, never computed by other byok code.
import { mkdirSync, readFileSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { getToken } from '@aws/bedrock-token-generator';
import { byokEndpoint, checkInvokeRequest, failureHint, invoke, platformEndpoint, prepareCall, runWithFallback, type CallTarget, type EngineRequest } from '../../src/app/invoke.js';
import type { Runtime } from '../../src/app/runtime.js';
import { ConfigStore } from '../../src/store/config-store.js';
import { UsageError } from '../../src/core/errors.js';
import { converse } from '../../src/aws/converse.js';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearFaults();
  const c = await emu.control.clock();
  if (c.offsetMs !== 0) await emu.control.advanceClock(-c.offsetMs);
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

interface AuditEvent { type: string; user: string; workspace: string | null; details: Record<string, unknown> }
type Fault = Parameters<TestEmulator['control']['addFault']>[0];

async function workspace(o: { policy: 'allow' | 'warn' | 'strict'; geography?: string; region?: string; extraEnv?: Record<string, string>; owner?: boolean }) {
  const region = o.region ?? 'eu-west-3';
  const byokAcct = await emu.control.createAccount();
  const platformAcct = await emu.control.createAccount();
  const t = tempConfig();
  temps.push(t);
  const env: Record<string, string> = { ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const must = async (args: string[], stdin?: string) => {
    const r = await runInProcess(args, { env, stdin });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await must(['workspace', 'create', 'ws', '--plan', 'enterprise']);
  await must(['config', 'set', 'geography', o.geography ?? 'eu']);
  await must(['config', 'set', 'region', region]);
  await must(['credentials', 'set', '--access-key-id', byokAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${byokAcct.admin.secretAccessKey}\n`);
  await must(['credentials', 'set', '--platform', '--regions', `eu-central-1,us-east-1,${region}`, '--access-key-id', platformAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${platformAcct.admin.secretAccessKey}\n`);
  await must(['policy', 'set', o.policy]);
  const rtEnv = { ...env, ...o.extraEnv };
  const store = new ConfigStore({ configDir: env.BYOK_CONFIG_DIR!, env: rtEnv, now: () => new Date(), user: () => 'alice' });
  const rt: Runtime = { env: rtEnv, now: () => new Date(), configDir: env.BYOK_CONFIG_DIR!, user: 'alice', flags: {}, store: () => store, warn: () => undefined };
  const events = (): AuditEvent[] => readFileSync(join(env.BYOK_CONFIG_DIR!, 'audit.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: AuditEvent }).event);
  const fault = (f: Omit<Fault, 'service'>, acct = byokAcct) => emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: acct.accountId, count: 3, ...f } as Fault);
  return { rt, env, must, byokAcct, platformAcct, events, fault, region };
}

interface Sent { target: CallTarget; usage: { inputTokens: number | null; outputTokens: number | null } | null }
/** A caller's own transport: one Converse through the real SDK, to the target the engine chose. */
function converseCall(sent: Sent[]) {
  return async (target: CallTarget) => {
    const entry: Sent = { target, usage: null };
    sent.push(entry);
    const client = new BedrockRuntimeClient({ region: target.region, endpoint: target.endpoint, credentials: target.credentials, maxAttempts: target.maxAttempts });
    try {
      const r = await client.send(new ConverseCommand({ modelId: target.route.inferenceProfileId, messages: [{ role: 'user', content: [{ text: 'hello' }] }], inferenceConfig: { maxTokens: 16 } }));
      entry.usage = { inputTokens: r.usage?.inputTokens ?? null, outputTokens: r.usage?.outputTokens ?? null };
      return entry.usage;
    } finally {
      client.destroy();
    }
  };
}

function request(call: (t: CallTarget) => Promise<{ inputTokens: number | null; outputTokens: number | null }>, extra: Partial<EngineRequest<{ inputTokens: number | null; outputTokens: number | null }>> = {}): EngineRequest<{ inputTokens: number | null; outputTokens: number | null }> {
  return {
    operation: { kind: 'read' },
    model: 'sonnet',
    conversation: 'conv-7',
    // 13 characters: the audit's input estimate is ceil(13 / 4) = 4 tokens.
    promptChars: 13,
    maxTokens: 16,
    payloadText: 'hello, Claude',
    call,
    delivered: () => 0,
    usage: (r) => r,
    ...extra,
  };
}

// The EU Sonnet 4.5 cross-region profile and its model (aws.md / DESIGN routing table).
const EU_SONNET = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const US_SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('the fallback audit events', () => {
  it('the event written before the platform retry has exactly the product fields: error code, category, platform endpoint and owner, who, where, which model, the original region, the policy and the request size', async () => {
    const w = await workspace({ policy: 'allow' });
    await w.fault({ error: { code: 'ThrottlingException' } });
    const before = w.events().length;
    const sent: Sent[] = [];
    const out = await runWithFallback(w.rt, request(converseCall(sent)));
    expect(out.ok && out.servedBy).toBe('platform');
    const added = w.events().slice(before);
    expect(added.map((e) => e.type)).toEqual(['fallback', 'fallback-completed']);
    const [fb, done] = added as [AuditEvent, AuditEvent];
    expect(fb.user).toBe('alice');
    expect(fb.workspace).toBe('ws');
    expect(fb.details).toEqual({
      originalErrorCode: 'ThrottlingException',
      category: 'throttled',
      platformEndpoint: emu.url,
      // The user who first set the platform credentials (config-doc PlatformConfig.owner): alice set them.
      platformOwner: 'alice',
      user: 'alice',
      workspace: 'ws',
      conversation: 'conv-7',
      model: SONNET_MODEL,
      inferenceProfileId: EU_SONNET,
      region: 'eu-west-3',
      policy: 'allow',
      inputTokens: 4,
      outputTokens: null,
      maxTokens: 16,
    });
    // After it: the counts Bedrock reported for the platform reply.
    const platformUsage = sent[1]!.usage!;
    expect(typeof platformUsage.inputTokens).toBe('number');
    expect(done).toMatchObject({ user: 'alice', workspace: 'ws' });
    expect(done.details).toEqual({ conversation: 'conv-7', ok: true, platformEndpoint: emu.url, region: 'eu-west-3', model: SONNET_MODEL, inputTokens: platformUsage.inputTokens, outputTokens: platformUsage.outputTokens });
  });

  it('a failure AWS gave no code for is audited as "HTTP <status>"', async () => {
    const w = await workspace({ policy: 'allow' });
    const sent: Sent[] = [];
    const real = converseCall(sent);
    // A caller's transport (a gateway forwarding raw HTTP) that got a bare 503 with no error code.
    const call = async (t: CallTarget) => {
      if (t.via === 'byok') throw Object.assign(new Error('Service Unavailable'), { name: 'Error', $metadata: { httpStatusCode: 503 } });
      return real(t);
    };
    const before = w.events().length;
    const out = await runWithFallback(w.rt, request(call));
    expect(out.ok && out.servedBy).toBe('platform');
    const fb = w.events().slice(before)[0]!;
    expect(fb.type).toBe('fallback');
    expect(fb.details).toMatchObject({ originalErrorCode: 'HTTP 503', category: 'service-unavailable' });
  });

  it('when the platform call fails too, fallback-completed says ok false with its error code and no token counts', async () => {
    const w = await workspace({ policy: 'allow', geography: 'us', region: 'us-east-1' });
    await w.fault({ error: { code: 'ThrottlingException' } });
    await w.fault({ count: 5, error: { code: 'ServiceUnavailableException' } }, w.platformAcct);
    const before = w.events().length;
    const out = await runWithFallback(w.rt, request(converseCall([])));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.failure).toMatchObject({ code: 'ThrottlingException' });
    expect(out.attempts.map((a) => [a.via, a.ok, a.region])).toEqual([['byok', false, 'us-east-1'], ['platform', false, 'us-east-1']]);
    const added = w.events().slice(before);
    expect(added.map((e) => e.type)).toEqual(['fallback', 'fallback-completed']);
    expect(added[1]!.details).toEqual({ conversation: 'conv-7', ok: false, platformEndpoint: emu.url, region: 'us-east-1', model: SONNET_MODEL, errorCode: 'ServiceUnavailableException', inputTokens: null, outputTokens: null });
  });
});

describe('warn: one fallback, then someone re-confirms', () => {
  it('a fallback under warn marks the workspace with why; the next call without a person is refused before anything is sent; a yes continues and is audited; a no cancels', async () => {
    const w = await workspace({ policy: 'warn' });
    await w.fault({ error: { code: 'ThrottlingException' } });
    const sent: Sent[] = [];
    const t0 = Date.now();
    const first = await runWithFallback(w.rt, request(converseCall(sent)));
    expect(first.ok && first.servedBy).toBe('platform');
    const mark = (await w.rt.store().read()).doc.workspaces.ws!.confirmationRequired!;
    expect(mark.reason).toBe('fallback after ThrottlingException');
    const since = Date.parse(mark.since);
    expect(since).toBeGreaterThanOrEqual(t0 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() + 1000);
    await emu.control.clearFaults();

    const n = sent.length;
    await expect(runWithFallback(w.rt, request(converseCall(sent)))).rejects.toMatchObject({ code: 'confirmation-required' });
    expect(sent.length).toBe(n);
    await expect(runWithFallback(w.rt, request(converseCall(sent), { confirm: async () => false }))).rejects.toMatchObject({ name: 'CancelledError' });
    expect(sent.length).toBe(n);
    expect((await w.rt.store().read()).doc.workspaces.ws!.confirmationRequired).toEqual(mark);

    const asked: string[] = [];
    const before = w.events().length;
    const yes = await runWithFallback(w.rt, request(converseCall(sent), { confirm: async (why) => (asked.push(why), true) }));
    expect(yes.ok && yes.servedBy).toBe('byok');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('fallback after ThrottlingException');
    expect(asked[0]).toContain(mark.since);
    const confirmed = w.events().slice(before).filter((e) => e.type === 'policy-confirmed');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]).toMatchObject({ user: 'alice', workspace: 'ws', details: { since: mark.since, reason: 'fallback after ThrottlingException', policy: 'warn' } });
    expect((await w.rt.store().read()).doc.workspaces.ws!.confirmationRequired).toBeUndefined();
    // Confirmed: the next call needs no one.
    expect((await runWithFallback(w.rt, request(converseCall(sent)))).ok).toBe(true);
  });

  it('the confirmation prompt is refused with the hint to run byok policy confirm', async () => {
    const w = await workspace({ policy: 'warn' });
    await w.fault({ error: { code: 'ThrottlingException' } });
    await runWithFallback(w.rt, request(converseCall([])));
    const e = await prepareCall(w.rt, { model: 'sonnet', payloadText: 'hi' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'confirmation-required' });
    expect((e as Error).message).toMatch(/fallback after ThrottlingException/);
    expect((e as { hint?: string }).hint).toMatch(/byok policy confirm/);
  });
});

describe('a caller that already knows the inference profile', () => {
  it('a profile other than the route is refused model-outside-route, naming the profile to use; the route profile or its model id is accepted', async () => {
    const w = await workspace({ policy: 'strict' });
    const e = await prepareCall(w.rt, { model: 'sonnet', payloadText: 'hi', requireProfileId: US_SONNET }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'model-outside-route' });
    expect((e as Error).message).toContain(US_SONNET);
    expect((e as Error).message).toContain(EU_SONNET);
    expect((e as { hint?: string }).hint).toBe(`Use ${EU_SONNET}.`);
    expect((await prepareCall(w.rt, { model: 'sonnet', payloadText: 'hi', requireProfileId: EU_SONNET })).route.inferenceProfileId).toBe(EU_SONNET);
    expect((await prepareCall(w.rt, { model: 'sonnet', payloadText: 'hi', requireProfileId: SONNET_MODEL })).route.inferenceProfileId).toBe(EU_SONNET);
  });
});

describe('a broken stream', () => {
  for (const policy of ['allow', 'warn', 'strict'] as const) {
    it(`${policy}: once part of the reply was shown, no fallback, and the hint says how many characters were delivered`, async () => {
      const w = await workspace({ policy });
      await w.fault({ operation: 'ConverseStream', midStream: true, error: { code: 'ThrottlingException' } });
      let shown = '';
      const before = w.events().length;
      const out = await invoke(w.rt, { prompt: 'Summarise the report', model: 'sonnet', operation: { kind: 'read' }, stream: true, maxTokens: 64, onText: (t) => (shown += t) });
      expect(shown.length).toBeGreaterThan(0);
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.decision.decision).toBe('fail');
        expect(out.hint).toBe(`${shown.length} characters of the reply had already been delivered when the stream broke.`);
      }
      expect(out.attempts.map((a) => a.via)).toEqual(['byok']);
      expect(w.events().slice(before).map((e) => e.type)).toEqual([]);
    });
  }

  it('a stream read whole before anything is shown still falls back under allow', async () => {
    const w = await workspace({ policy: 'allow' });
    await w.fault({ operation: 'ConverseStream', midStream: true, error: { code: 'ThrottlingException' } });
    const out = await invoke(w.rt, { prompt: 'Summarise the report', model: 'sonnet', operation: { kind: 'read' }, stream: true, maxTokens: 64 });
    expect(out.ok && out.servedBy).toBe('platform');
    expect(out.attempts.map((a) => [a.via, a.ok])).toEqual([['byok', false], ['platform', true]]);
  });
});

describe('Bedrock API keys in the engine', () => {
  async function keyWorkspace(policy: 'allow' | 'strict') {
    const w = await workspace({ policy, geography: 'us', region: 'us-east-1' });
    return w;
  }
  /** The caller's transport, through byok's Converse (bearer or SigV4), recording each target. */
  function keyCall(w: Awaited<ReturnType<typeof keyWorkspace>>, sent: CallTarget[], before?: (t: CallTarget, n: number) => Promise<() => Promise<void>>) {
    return async (t: CallTarget) => {
      sent.push(t);
      const undo = before ? await before(t, sent.length) : async () => undefined;
      try {
        const x = await converse(w.rt.env, { region: t.region, endpoint: t.via === 'platform' ? t.endpoint : undefined, credentials: t.credentials, bearerToken: t.bearerToken, clockOffsetMs: t.clockOffsetMs, maxAttempts: t.maxAttempts }, { modelId: t.route.inferenceProfileId, prompt: 'hello', maxTokens: 16, stream: false });
        return { inputTokens: x.inputTokens, outputTokens: x.outputTokens };
      } finally {
        await undo();
      }
    };
  }
  // Bedrock's clock 13 hours ahead for one attempt: the key sent then is expired there (short-term keys last at most 12 hours).
  const expireFirst = async (_t: CallTarget, n: number) => {
    if (n !== 1) return async () => undefined;
    await emu.control.advanceClock(13 * 3600_000);
    return async () => void (await emu.control.advanceClock(-13 * 3600_000));
  };

  it('a minted key Bedrock calls expired: exactly one new key and one more BYOK attempt, never the platform, even under allow', async () => {
    const w = await keyWorkspace('allow');
    await w.must(['credentials', 'set', '--short-term-api-keys']);
    const sent: CallTarget[] = [];
    const out = await runWithFallback(w.rt, request(keyCall(w, sent, expireFirst), { model: undefined }));
    expect(out.ok && out.servedBy).toBe('byok');
    expect(sent.map((t) => t.via)).toEqual(['byok', 'byok']);
    expect(sent[0]!.bearerToken).toBeTruthy();
    expect(sent[1]!.bearerToken).toBeTruthy();
    expect(sent[1]!.bearerToken).not.toBe(sent[0]!.bearerToken);
    expect(out.attempts.map((a) => [a.via, a.ok])).toEqual([['byok', false], ['byok', true]]);
    expect(out.attempts[0]!.error).toMatchObject({ code: 'AccessDeniedException', category: 'session-expired' });
  });

  it('the renewed key called expired too is refused (renewal refused), no platform retry', async () => {
    const w = await keyWorkspace('allow');
    await w.must(['credentials', 'set', '--short-term-api-keys']);
    await emu.control.advanceClock(13 * 3600_000);
    const sent: CallTarget[] = [];
    const before = w.events().length;
    const out = await runWithFallback(w.rt, request(keyCall(w, sent), { model: undefined }));
    expect(out.ok).toBe(false);
    expect(sent.map((t) => t.via)).toEqual(['byok', 'byok']);
    if (!out.ok) {
      expect(out.failure).toMatchObject({ category: 'credential-invalid', retryable: false });
      expect(out.hint).toMatch(/byok minted a new key and Bedrock still called it expired/);
      expect(out.decision.decision).toBe('fail');
    }
    expect(w.events().slice(before).map((e) => e.type)).not.toContain('fallback');
  });

  it('a minted key called expired after part of the reply was delivered is not renewed: one attempt, no retry', async () => {
    const w = await keyWorkspace('allow');
    await w.must(['credentials', 'set', '--short-term-api-keys']);
    await emu.control.advanceClock(13 * 3600_000);
    const sent: CallTarget[] = [];
    const out = await runWithFallback(w.rt, request(keyCall(w, sent), { model: undefined, delivered: () => 5 }));
    expect(out.ok).toBe(false);
    expect(sent.map((t) => t.via)).toEqual(['byok']);
    expect(out.attempts.map((a) => a.via)).toEqual(['byok']);
  });

  it('a pasted short-term key Bedrock calls expired is not renewed (byok cannot): one BYOK attempt, then the policy decides', async () => {
    const w = await keyWorkspace('allow');
    const k = await getToken({ credentials: { accessKeyId: w.byokAcct.admin.accessKeyId, secretAccessKey: w.byokAcct.admin.secretAccessKey }, region: 'us-east-1', expiresInSeconds: 120 });
    await w.must(['credentials', 'set', '--bedrock-api-key-stdin'], `${k}\n`);
    // Expired at Bedrock, while byok's clock still sees it valid; within SigV4's 5-minute skew, so the platform call signs fine.
    await emu.control.advanceClock(150_000);
    const sent: CallTarget[] = [];
    const out = await runWithFallback(w.rt, request(keyCall(w, sent), { model: undefined }));
    expect(sent.map((t) => t.via)).toEqual(['byok', 'platform']);
    expect(sent[0]!.bearerToken).toBe(k);
    expect(out.ok && out.servedBy).toBe('platform');
    expect(out.attempts[0]!.error).toMatchObject({ category: 'session-expired' });
  });
});

describe('decided again under the lock, on the configuration as it is when the BYOK call failed', () => {
  type Change = (doc: import('../../src/core/config-doc.js').ConfigDoc) => void;
  const changes: [string, Change][] = [
    ['the policy set to strict', (d) => void (d.workspaces.ws!.policy = 'strict')],
    ['BYOK disabled', (d) => void (d.workspaces.ws!.byokEnabled = false)],
    ['the platform credentials removed', (d) => void delete d.platform],
    ['the caller removed from the workspace', (d) => void (d.workspaces.ws!.members = [])],
    ['a fallback awaiting re-confirmation (warn)', (d) => void Object.assign(d.workspaces.ws!, { policy: 'warn', confirmationRequired: { since: new Date().toISOString(), reason: 'fallback after ThrottlingException' } })],
  ];
  for (const [what, change] of changes) {
    it(`${what} while the BYOK call ran: no fallback, no fallback audit event, and the reasons say the configuration changed`, async () => {
      const w = await workspace({ policy: 'allow' });
      await w.must(['workspace', 'add-member', 'bob']);
      const bob: Runtime = { ...w.rt, user: 'bob' };
      await w.fault({ error: { code: 'ThrottlingException' } });
      const sent: Sent[] = [];
      const real = converseCall(sent);
      const call = async (t: CallTarget) => {
        if (t.via === 'byok') await bob.store().update((d) => change(d));
        return real(t);
      };
      const before = w.events().length;
      const out = await runWithFallback(bob, request(call));
      expect(out.ok).toBe(false);
      expect(sent.map((x) => x.target.via)).toEqual(['byok']);
      if (!out.ok) {
        expect(out.decision.decision).toBe('fail');
        expect(out.decision.targetRegion).toBeNull();
        expect(out.decision.reasons.join('\n')).toMatch(/the configuration changed while the BYOK call ran/);
      }
      expect(w.events().slice(before).map((e) => e.type)).not.toContain('fallback');
    });
  }

  it('the audit event cannot be written: no fallback, and the reasons say why', async () => {
    const w = await workspace({ policy: 'allow' });
    await w.fault({ error: { code: 'ThrottlingException' } });
    const sent: Sent[] = [];
    const real = converseCall(sent);
    const audit = join(w.env.BYOK_CONFIG_DIR!, 'audit.jsonl');
    const call = async (t: CallTarget) => {
      if (t.via === 'byok') {
        // The audit log's path becomes a directory: appending to it fails (root ignores file modes).
        renameSync(audit, `${audit}.aside`);
        mkdirSync(audit);
      }
      return real(t);
    };
    const out = await runWithFallback(w.rt, request(call));
    expect(out.ok).toBe(false);
    expect(sent.map((x) => x.target.via)).toEqual(['byok']);
    if (!out.ok) {
      expect(out.decision.decision).toBe('fail');
      expect(out.decision.reasons.join('\n')).toMatch(/the audit event could not be written \(.+\), so the fallback did not happen/);
    }
    rmdirSync(audit);
    renameSync(`${audit}.aside`, audit);
    expect((await w.rt.store().read()).doc.workspaces.ws!.confirmationRequired).toBeUndefined();
  });
});

describe('endpoints', () => {
  it('the platform endpoint: the template with {region} replaced and surrounding blanks trimmed; blank or absent means AWS', () => {
    expect(platformEndpoint({ BYOK_PLATFORM_ENDPOINT_URL: '  https://proxy.example/{region}/x  ' }, 'eu-west-3')).toBe('https://proxy.example/eu-west-3/x');
    expect(platformEndpoint({ BYOK_PLATFORM_ENDPOINT_URL: 'https://proxy.example' }, 'eu-west-3')).toBe('https://proxy.example');
    expect(platformEndpoint({ BYOK_PLATFORM_ENDPOINT_URL: '   ' }, 'eu-west-3')).toBe('https://bedrock-runtime.eu-west-3.amazonaws.com');
    expect(platformEndpoint({ BYOK_PLATFORM_ENDPOINT_URL: '' }, 'us-east-1')).toBe('https://bedrock-runtime.us-east-1.amazonaws.com');
    expect(platformEndpoint({}, 'ap-southeast-2')).toBe('https://bedrock-runtime.ap-southeast-2.amazonaws.com');
  });

  it('the BYOK endpoint: AWS_ENDPOINT_URL_BEDROCK_RUNTIME before AWS_ENDPOINT_URL, else AWS', () => {
    expect(byokEndpoint({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://a.example', AWS_ENDPOINT_URL: 'http://b.example' }, 'eu-west-1')).toBe('http://a.example');
    expect(byokEndpoint({ AWS_ENDPOINT_URL: 'http://b.example' }, 'eu-west-1')).toBe('http://b.example');
    expect(byokEndpoint({}, 'eu-west-1')).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com');
  });

  it("invoke sends the platform retry to the platform endpoint, not the BYOK one", async () => {
    // BYOK's endpoint answers nothing (connection refused: a network failure, retryable); the platform's is the emulator.
    const w = await workspace({ policy: 'allow', extraEnv: { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:9' } });
    const out = await invoke(w.rt, { prompt: 'hello', model: 'sonnet', operation: { kind: 'read' }, maxTokens: 16 });
    expect(out.attempts.map((a) => [a.via, a.ok, a.endpoint])).toEqual([['byok', false, 'http://127.0.0.1:9'], ['platform', true, emu.url]]);
    expect(out.ok && out.servedBy).toBe('platform');
  });
});

describe('what no request may carry', () => {
  it('an empty or blank prompt is refused', () => {
    for (const prompt of ['', '   ', '\n\t']) expect(() => checkInvokeRequest({ prompt })).toThrow(expect.objectContaining({ code: 'empty-prompt' }));
    expect(() => checkInvokeRequest({ prompt: 'x' })).not.toThrow();
  });

  it('a conversation ID is 1-128 characters of letters, digits and . _ : -', () => {
    for (const ok of ['a', 'conv-1', 'A.b_c:d-9', 'x'.repeat(128)]) expect(() => checkInvokeRequest({ prompt: 'hi', conversation: ok }), ok).not.toThrow();
    for (const bad of ['', 'bad id', 'x'.repeat(129), 'ok\nbad', 'café', 'a/b', 'bad!']) {
      let err: unknown;
      try {
        checkInvokeRequest({ prompt: 'hi', conversation: bad });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toMatchObject({ code: 'invalid-conversation' });
      expect((err as Error).message).toMatch(/is not a conversation ID/);
      expect((err as { hint?: string }).hint).toMatch(/1-128 characters of letters, digits and \. _ : -/);
    }
  });
});

describe('the hint for a refused BYOK call', () => {
  it('AccessDenied on a model ARN outside the geography: AWS routed the profile outside it, and the choices — never "grant it there"', async () => {
    const w = await workspace({ policy: 'strict' });
    const { ws, route } = await prepareCall(w.rt, { model: 'sonnet', payloadText: 'hi' });
    const denied = (region: string) => `User: arn:aws:iam::111122223333:user/app is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${region}::foundation-model/${SONNET_MODEL} because no identity-based policy allows the bedrock:InvokeModel action`;
    const outside = failureHint(ws, route, { code: 'AccessDeniedException', category: 'iam-permission', message: denied('us-east-1'), status: 403 });
    expect(outside).toMatch(new RegExp(`^AWS routed ${EU_SONNET.replace(/\./g, '\\.')} from eu-west-3 outside the EU geography`));
    expect(outside).toMatch(/will not ask you to grant any region outside EU/);
    // Inside the geography it is an ordinary permission problem: the troubleshooting steps, not the residency choices.
    const inside = failureHint(ws, route, { code: 'AccessDeniedException', category: 'iam-permission', message: denied('eu-central-1'), status: 403 });
    expect(inside).not.toMatch(/AWS routed/);
    expect(inside.length).toBeGreaterThan(10);
    // Not a permission failure: no residency reading of the message.
    const other = failureHint(ws, route, { code: 'ThrottlingException', category: 'throttled', message: denied('us-east-1'), status: 429 });
    expect(other).not.toMatch(/AWS routed/);
  });
});

describe('refused before anything is read or sent', () => {
  /** A runtime over a config directory that does not exist: any read would fail with "no config". */
  function bareRuntime(): Runtime {
    const t = tempConfig();
    temps.push(t);
    const store = new ConfigStore({ configDir: t.env.BYOK_CONFIG_DIR!, env: t.env, now: () => new Date(), user: () => 'alice' });
    return { env: t.env, now: () => new Date(), configDir: t.env.BYOK_CONFIG_DIR!, user: 'alice', flags: {}, store: () => store, warn: () => undefined };
  }
  const never = async (): Promise<never> => {
    throw new Error('nothing may be sent');
  };

  it('a prompt carrying an access key and its secret: refused, nothing sent, and the hint says to remove them (agents use their own scoped credentials)', async () => {
    const err = await runWithFallback(bareRuntime(), request(never, { payloadText: 'deploy with AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credentials-in-payload', exitCode: 2 });
    expect((err as Error).message).toMatch(/nothing was sent/);
    expect((err as { hint: string }).hint).toMatch(/^Remove the credentials from the prompt\. byok never sends raw cloud credentials to a model/);
  });

  it('a mistyped task is refused as unknown-task before the configuration is read (it would otherwise get the default model)', async () => {
    const err = await runWithFallback(bareRuntime(), request(never, { model: undefined, task: 'plna' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unknown-task', exitCode: 2 });
  });

  it('an empty prompt: the message says so and the hint shows where the prompt goes', () => {
    let err: unknown;
    try {
      checkInvokeRequest({ prompt: ' ' });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('The prompt is empty.');
    expect((err as { hint: string }).hint).toMatch(/^Pass the prompt as the last argument: byok invoke "/);
  });
});

describe('the workspace named in the request is the one whose credentials sign the call', () => {
  it('IAM credentials: invoking a workspace other than the current one uses its credentials (the current one has none)', async () => {
    const w = await workspace({ policy: 'strict' });
    await w.must(['workspace', 'create', 'other', '--plan', 'enterprise']);
    await w.must(['workspace', 'use', 'other']);
    const sent: Sent[] = [];
    const out = await runWithFallback(w.rt, request(converseCall(sent), { workspace: 'ws' }));
    expect(out.ok && out.servedBy).toBe('byok');
    expect(out.workspace.name).toBe('ws');
    expect(sent).toHaveLength(1);
  });

  it('a Bedrock API key: the named workspace mints and sends its own key, though the current workspace has none', async () => {
    const w = await workspace({ policy: 'strict', geography: 'us', region: 'us-east-1' });
    await w.must(['credentials', 'set', '--short-term-api-keys']);
    await w.must(['workspace', 'create', 'other', '--plan', 'enterprise']);
    await w.must(['workspace', 'use', 'other']);
    const sent: CallTarget[] = [];
    const out = await runWithFallback(w.rt, request(bearerCall(w.rt, sent), { workspace: 'ws', model: undefined }));
    expect(sent[0]!.bearerToken).toMatch(/^bedrock-api-key-/);
    expect(sent[0]!.credentials).toBeUndefined();
    expect(out.ok && out.servedBy).toBe('byok');
  });
});

/** A transport through byok's Converse, which sends a bearer token when the target carries one. */
function bearerCall(rt: Runtime, sent: CallTarget[]) {
  return async (t: CallTarget) => {
    sent.push(t);
    const x = await converse(rt.env, { region: t.region, endpoint: t.via === 'platform' ? t.endpoint : undefined, credentials: t.credentials, bearerToken: t.bearerToken, clockOffsetMs: t.clockOffsetMs, maxAttempts: t.maxAttempts }, { modelId: t.route.inferenceProfileId, prompt: 'hello', maxTokens: 16, stream: false });
    return { inputTokens: x.inputTokens, outputTokens: x.outputTokens };
  };
}

describe('a minted Bedrock API key is renewed only when Bedrock called it expired', () => {
  it('a minted key refused for a missing permission is not renewed: one BYOK attempt, and no platform retry (not retryable)', async () => {
    const w = await workspace({ policy: 'allow', geography: 'us', region: 'us-east-1' });
    await w.must(['credentials', 'set', '--short-term-api-keys']);
    await w.fault({ error: { code: 'AccessDeniedException', message: 'User: arn:aws:iam::111122223333:user/app is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0 because no identity-based policy allows the bedrock:InvokeModel action' } });
    const sent: CallTarget[] = [];
    const out = await runWithFallback(w.rt, request(bearerCall(w.rt, sent), { model: undefined }));
    expect(sent.map((t) => t.via)).toEqual(['byok']);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.failure, JSON.stringify(out.failure)).toMatchObject({ code: 'AccessDeniedException', category: 'iam-permission' });
  });
});

describe("byok's own refusals are not AWS failures", () => {
  it('a refusal the caller\'s transport raises (usage) propagates as it is: no fallback, no audit event, even under allow', async () => {
    const w = await workspace({ policy: 'allow' });
    const sent: CallTarget[] = [];
    const before = w.events().length;
    const refusal = new UsageError('body-refused', 'The request body is not a Converse request.', 'Send a Converse body.');
    const err = await runWithFallback(w.rt, request(async (t) => {
      sent.push(t);
      throw refusal;
    })).catch((e: unknown) => e);
    expect(err).toBe(refusal);
    expect(sent.map((t) => t.via)).toEqual(['byok']);
    expect(w.events().slice(before)).toEqual([]);
  });
});

describe('what a failed call says', () => {
  it('a throttled call under strict that streamed nothing: the hint is the troubleshooting steps for throttling, as sentences, never a count of characters', async () => {
    const w = await workspace({ policy: 'strict' });
    await w.fault({ error: { code: 'ThrottlingException' } });
    const out = await invoke(w.rt, { prompt: 'hello', model: 'sonnet', operation: { kind: 'read' }, maxTokens: 16 });
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.hint).toMatch(/^AWS: retry with exponential backoff and jitter, .*\(Service Quotas, tokens\/requests per minute for the model\)\. Global cross-region inference has its own/);
      expect(out.hint).not.toMatch(/characters/);
    }
  });

  it('a broken stream: under allow the reasons say the retry would mix two replies; under strict the policy is the reason and streaming is not mentioned', async () => {
    for (const policy of ['allow', 'strict'] as const) {
      const w = await workspace({ policy });
      await w.fault({ operation: 'ConverseStream', midStream: true, error: { code: 'ThrottlingException' } });
      let shown = '';
      const out = await invoke(w.rt, { prompt: 'Summarise the report', model: 'sonnet', operation: { kind: 'read' }, stream: true, maxTokens: 64, onText: (t) => (shown += t) });
      expect(out.ok).toBe(false);
      if (out.ok) continue;
      const reasons = out.decision.reasons.join('\n');
      if (policy === 'allow') expect(reasons).toContain(`no: ${shown.length} characters of the BYOK reply were already streamed; a retry would mix two replies`);
      else expect(reasons).not.toMatch(/streamed/);
    }
  });

  it('a failure reported with neither a code nor an HTTP status (only words) that falls back is audited as "HTTP unknown"', async () => {
    const w = await workspace({ policy: 'allow' });
    const sent: Sent[] = [];
    const real = converseCall(sent);
    const before = w.events().length;
    const out = await runWithFallback(w.rt, request(async (t) => {
      if (t.via === 'byok') throw new Error('Rate exceeded');
      return real(t);
    }));
    expect(out.ok && out.servedBy).toBe('platform');
    const fb = w.events().slice(before).find((e) => e.type === 'fallback');
    expect(fb?.details.originalErrorCode).toBe('HTTP unknown');
    expect(fb?.details.category).toBe('throttled');
  });

  it('the BYOK endpoint recorded is the one the client uses: trimmed, and AWS when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', () => {
    expect(byokEndpoint({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: ' http://a.example ' }, 'eu-west-1')).toBe('http://a.example');
    expect(byokEndpoint({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://a.example', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'eu-west-1')).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com');
    // An empty or blank service variable is unset (as the SDK reads it): AWS_ENDPOINT_URL still applies, never AWS's public endpoint.
    expect(byokEndpoint({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: '', AWS_ENDPOINT_URL: 'http://private.example' }, 'eu-west-1')).toBe('http://private.example');
    expect(byokEndpoint({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: '  ', AWS_ENDPOINT_URL: ' http://private.example ' }, 'eu-west-1')).toBe('http://private.example');
  });
});
