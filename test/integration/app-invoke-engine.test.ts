// The fallback engine as a library (src/app/invoke.ts), with no terminal: a Runtime built from the
// store alone, and a caller-supplied `call` that sends a real Converse through the AWS SDK to the
// emulator — what the gateway and Node programs do. The promises of DESIGN §4.3 hold for any
// caller: BYOK first; the fallback's audit event is on disk before the platform call starts; one
// platform attempt, in the original call's region, never retried by the SDK; no retry once part
// of the reply reached the client; a pending warn re-confirmation with no one to ask sends nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { runWithFallback, type CallTarget } from '../../src/app/invoke.js';
import type { Runtime } from '../../src/app/runtime.js';
import { ConfigStore } from '../../src/store/config-store.js';
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

async function workspace(policy: 'allow' | 'warn' | 'strict', region = 'eu-west-3') {
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
  await must(['config', 'set', 'geography', 'eu']);
  await must(['config', 'set', 'region', region]);
  await must(['credentials', 'set', '--access-key-id', byokAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${byokAcct.admin.secretAccessKey}\n`);
  // The platform serves another region first: a fallback must still go to the original call's region.
  await must(['credentials', 'set', '--platform', '--regions', `eu-central-1,${region}`, '--access-key-id', platformAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${platformAcct.admin.secretAccessKey}\n`);
  await must(['policy', 'set', policy]);
  const warnings: string[] = [];
  const store = new ConfigStore({ configDir: env.BYOK_CONFIG_DIR!, env, now: () => new Date(), user: () => 'alice' });
  const rt: Runtime = { env, now: () => new Date(), configDir: env.BYOK_CONFIG_DIR!, user: 'alice', flags: {}, store: () => store, warn: (m) => warnings.push(m) };
  const auditTypes = () => readFileSync(join(env.BYOK_CONFIG_DIR!, 'audit.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: { type: string } }).event.type);
  const throttle = (count = 3) => emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: byokAcct.accountId, count, error: { code: 'ThrottlingException' } });
  return { rt, env, byokAcct, platformAcct, auditTypes, throttle };
}

/** A caller's own transport: one Converse through the real SDK, to the target the engine chose. */
function converseCall(log: { target: CallTarget; auditAtStart: string[] }[], auditTypes: () => string[]) {
  return async (target: CallTarget) => {
    log.push({ target, auditAtStart: auditTypes() });
    const client = new BedrockRuntimeClient({ region: target.region, endpoint: target.endpoint, credentials: target.credentials, maxAttempts: target.maxAttempts });
    try {
      const r = await client.send(new ConverseCommand({ modelId: target.route.inferenceProfileId, messages: [{ role: 'user', content: [{ text: 'hello' }] }], inferenceConfig: { maxTokens: 16 } }));
      return { text: (r.output?.message?.content ?? []).map((c) => c.text ?? '').join(''), usage: r.usage };
    } finally {
      client.destroy();
    }
  };
}

const request = (call: (t: CallTarget) => Promise<{ text: string; usage?: { inputTokens?: number; outputTokens?: number } }>, delivered = () => 0) => ({
  operation: { kind: 'read' as const },
  conversation: 'lib-1',
  promptChars: 5,
  maxTokens: 16,
  payloadText: 'hello',
  call,
  delivered,
  usage: (r: { usage?: { inputTokens?: number; outputTokens?: number } }) => ({ inputTokens: r.usage?.inputTokens ?? null, outputTokens: r.usage?.outputTokens ?? null }),
});

describe('the fallback engine, called as a library (no terminal)', () => {
  it('serves from BYOK first, with the workspace credentials, in the workspace region, and writes no fallback event', async () => {
    const w = await workspace('allow');
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    const out = await runWithFallback(w.rt, request(converseCall(log, w.auditTypes)));
    expect(out.ok && out.servedBy).toBe('byok');
    expect(log.map((l) => [l.target.via, l.target.region, l.target.credentials?.accessKeyId.slice(0, 4)])).toEqual([['byok', 'eu-west-3', 'ASIA']]);
    expect(w.auditTypes()).not.toContain('fallback');
  });

  it('under allow, a throttled BYOK call is retried once on platform credentials in the same region, only after its audit event is on disk, with no SDK retries', async () => {
    const w = await workspace('allow');
    await w.throttle();
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    const out = await runWithFallback(w.rt, request(converseCall(log, w.auditTypes)));
    expect(out.ok && out.servedBy).toBe('platform');
    expect(log.map((l) => l.target.via)).toEqual(['byok', 'platform']);
    const p = log[1]!;
    expect(p.target.region).toBe('eu-west-3');
    expect(p.target.credentials?.accessKeyId).toBe(w.platformAcct.admin.accessKeyId);
    expect(p.target.maxAttempts).toBe(1);
    expect(p.auditAtStart.at(-1)).toBe('fallback');
    expect(w.auditTypes().slice(-2)).toEqual(['fallback', 'fallback-completed']);
  });

  it('strict: the throttled call is surfaced, the platform is never called', async () => {
    const w = await workspace('strict');
    await w.throttle();
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    const out = await runWithFallback(w.rt, request(converseCall(log, w.auditTypes)));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.failure).toMatchObject({ code: 'ThrottlingException', category: 'throttled' });
    expect(log.map((l) => l.target.via)).toEqual(['byok']);
    expect(w.auditTypes()).not.toContain('fallback');
  });

  it('once part of the reply reached the client, a failure is never retried, even under allow', async () => {
    const w = await workspace('allow');
    await w.throttle();
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    const out = await runWithFallback(w.rt, request(converseCall(log, w.auditTypes), () => 42));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.decision.decision).toBe('fail');
    expect(log.map((l) => l.target.via)).toEqual(['byok']);
    expect(w.auditTypes()).not.toContain('fallback');
  });

  it('a fallback under warn awaiting re-confirmation, with no one to ask: refused before anything is sent', async () => {
    const w = await workspace('warn');
    await w.throttle();
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    const first = await runWithFallback(w.rt, request(converseCall(log, w.auditTypes)));
    expect(first.ok && first.servedBy).toBe('platform');
    const sent = log.length;
    await expect(runWithFallback(w.rt, request(converseCall(log, w.auditTypes)))).rejects.toMatchObject({ code: 'confirmation-required' });
    expect(log.length).toBe(sent);
  });

  it('a declined re-confirmation cancels, and nothing is sent', async () => {
    const w = await workspace('warn');
    await w.throttle();
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    await runWithFallback(w.rt, request(converseCall(log, w.auditTypes)));
    const sent = log.length;
    await expect(runWithFallback(w.rt, { ...request(converseCall(log, w.auditTypes)), confirm: async () => false })).rejects.toMatchObject({ name: 'CancelledError' });
    expect(log.length).toBe(sent);
  });

  it('a payload carrying raw cloud credentials is refused before any call', async () => {
    const w = await workspace('allow');
    const log: { target: CallTarget; auditAtStart: string[] }[] = [];
    await expect(runWithFallback(w.rt, { ...request(converseCall(log, w.auditTypes)), payloadText: `use ${w.byokAcct.admin.accessKeyId} / ${w.byokAcct.admin.secretAccessKey}` })).rejects.toMatchObject({ code: 'credentials-in-payload' });
    expect(log).toEqual([]);
  });
});
