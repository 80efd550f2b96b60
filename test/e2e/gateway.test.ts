// `byok gateway` as a user runs it (the built binary): tokens are the owner's to issue, shown once
// and stored only as a hash, every change audited; `gateway start` refuses a non-loopback address
// without the explicit flag; `status` reports it; SIGTERM stops accepting and lets a stream finish.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { BYOK_BIN, runByok } from '../helpers/run-byok.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { tempConfig, type TestEnv } from '../helpers/context.js';

let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string>;
const byok = (args: string[], o: { stdin?: string; env?: Record<string, string> } = {}) => runByok(args, { env: { ...env, ...o.env }, stdin: o.stdin });

beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  env = { ...t.env, ...emu.clientEnv };
  const acct = await emu.control.createAccount();
  for (const args of [['workspace', 'create', 'ws', '--plan', 'enterprise'], ['config', 'set', 'geography', 'eu'], ['config', 'set', 'region', 'eu-west-1'], ['workspace', 'add-member', 'bob']]) expect((await byok(args)).code).toBe(0);
  expect((await byok(['credentials', 'set', '--access-key-id', acct.admin.accessKeyId, '--secret-access-key-stdin'], { stdin: `${acct.admin.secretAccessKey}\n` })).code).toBe(0);
}, 60_000);
afterAll(async () => {
  await emu.close();
  t.cleanup();
});

describe('gateway tokens', () => {
  it('the owner creates one for a member: shown once, never stored or logged in the clear, listed without it, audited; revoke is audited too', async () => {
    const made = await byok(['gateway', 'token', 'create', '--user', 'bob']);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^byok_gw_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toMatch(/token gwt-[0-9a-f]{8} for bob in workspace ws\. It is shown once/);
    const id = /token (gwt-[0-9a-f]{8})/.exec(made.stderr)![1]!;
    const cfgDir = env.BYOK_CONFIG_DIR!;
    for (const f of readdirSync(cfgDir)) expect(readFileSync(join(cfgDir, f), 'utf8'), f).not.toContain(token.slice(8));
    const list = await byok(['gateway', 'token', 'list', '--json']);
    expect(list.stdout).not.toContain(token.slice(8));
    expect(JSON.parse(list.stdout)).toMatchObject({ ok: true, workspace: 'ws', tokens: [{ id, user: 'bob', createdBy: 'alice', revokedAt: null }] });
    expect((await byok(['gateway', 'token', 'revoke', id])).code).toBe(0);
    const events = (JSON.parse((await byok(['audit', 'list', '--json'])).stdout) as { events: { type: string; user: string; details: Record<string, unknown> }[] }).events.filter((e) => e.type.startsWith('gateway-token'));
    expect(events.map((e) => [e.type, e.user, e.details.tokenId, e.details.tokenUser])).toEqual([['gateway-token-created', 'alice', id, 'bob'], ['gateway-token-revoked', 'alice', id, 'bob']]);
    expect((await byok(['audit', 'verify'])).code).toBe(0);
  });

  it('a member cannot create, list or revoke tokens, and a token for a non-member is refused (exit 2, config untouched)', async () => {
    const before = readFileSync(join(env.BYOK_CONFIG_DIR!, 'config.json'), 'utf8');
    for (const args of [['gateway', 'token', 'create', '--user', 'bob'], ['gateway', 'token', 'list']]) {
      const r = await byok(args, { env: { BYOK_USER: 'bob' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Only the workspace owner \(alice\) can/);
    }
    const stranger = await byok(['gateway', 'token', 'create', '--user', 'mallory']);
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toMatch(/"mallory" is not a member of workspace "ws"/);
    expect(stranger.stdout).toBe('');
    expect(readFileSync(join(env.BYOK_CONFIG_DIR!, 'config.json'), 'utf8')).toBe(before);
  });
});

describe('gateway start, status and SIGTERM', () => {
  it('refuses a non-loopback --host without --allow-non-loopback (exit 2)', async () => {
    const r = await byok(['gateway', 'start', '--host', '0.0.0.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0 would let other machines reach the gateway/);
  });

  it('status reports it running; SIGTERM lets a stream in flight finish, refuses what comes after, and exits 0', async () => {
    const token = (await byok(['gateway', 'token', 'create', '--user', 'bob'])).stdout.trim();
    const gw = spawn(process.execPath, [BYOK_BIN, 'gateway', 'start', '--json'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    gw.stderr.on('data', (d: Buffer) => (stderr += d));
    const started = await new Promise<{ url: string }>((resolve) => createInterface({ input: gw.stdout }).once('line', (l) => resolve(JSON.parse(l) as { url: string })));
    const status = await byok(['gateway', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url: started.url, workspace: 'ws', pid: gw.pid, tokens: { live: 1 } });
    // status's own health probes are not counted as requests, and the human view says the counts in words.
    const human = await byok(['gateway', 'status']);
    expect(human.stdout).toMatch(/requests\s+0 \(0 served, 0 refused, 0 failed; 0 fallbacks; 0 in flight\)/);
    // A second gateway for the same configuration is refused (it would hide the first from status).
    const second = await byok(['gateway', 'start']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`pid ${gw.pid}`);
    expect(JSON.parse((await byok(['gateway', 'status', '--json'])).stdout)).toMatchObject({ running: true, pid: gw.pid });

    // A slow stream (the emulator pauses 200 ms between events) is in flight when SIGTERM arrives.
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'ConverseStream', eventDelayMs: 200, count: 1 });
    const client = new BedrockRuntimeClient({ region: 'eu-west-1', endpoint: started.url, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
    const r = await client.send(new ConverseStreamCommand({ modelId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: [{ text: 'drain me' }] }] }));
    const exited = new Promise<number | string | null>((resolve) => gw.on('close', (code, sig) => resolve(code ?? sig)));
    gw.kill('SIGTERM');
    let text = '';
    for await (const ev of r.stream!) text += ev.contentBlockDelta?.delta?.text ?? '';
    expect(text, `${stderr} exit: ${String(await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 3000))]))}`).toMatch(/You asked about: drain me$/);
    client.destroy();
    expect(await exited).toBe(0);
    const after = await fetch(`${started.url}/_byok/health`).then(() => 'answered', (e: unknown) => String((e as { cause?: { code?: string } }).cause?.code));
    expect(after).toBe('ECONNREFUSED');
    const lines = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.event === 'draining')).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
    expect(lines.find((l) => l.operation === 'ConverseStream')).toMatchObject({ user: 'bob', status: 200, region: 'eu-west-1' });
    expect(JSON.parse((await byok(['gateway', 'status', '--json'])).stdout)).toMatchObject({ running: false });
  }, 60_000);
});
