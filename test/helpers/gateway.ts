// A workspace configured against the emulator, gateway tokens for it, and a gateway started
// in-process on a free port, its JSON log lines collected.
import { PassThrough } from 'node:stream';
import { expect } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { startGateway, type GatewayHandle } from '../../src/app/gateway/server.js';
import { runInProcess, tempConfig, type TestEnv } from './context.js';
import type { TestEmulator } from './emulator.js';

export interface GatewaySetup {
  t: TestEnv;
  env: Record<string, string>;
  byok(args: string[], o?: { stdin?: string; env?: Record<string, string | undefined> }): ReturnType<typeof runInProcess>;
  token(user: string): Promise<{ token: string; id: string }>;
  start(): Promise<GatewayHandle>;
  logs: Record<string, unknown>[];
  byokAccountId: string;
  platformAccountId: string;
}

export async function gatewaySetup(emu: TestEmulator, o: { geography: string; region: string; policy: 'allow' | 'warn' | 'strict'; members?: string[] }): Promise<GatewaySetup> {
  const byokAcct = await emu.control.createAccount();
  const platformAcct = await emu.control.createAccount();
  const t = tempConfig();
  const env = { ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const byok = (args: string[], x: { stdin?: string; env?: Record<string, string | undefined> } = {}) => runInProcess(args, { env: { ...env, ...x.env }, stdin: x.stdin });
  const must = async (args: string[], stdin?: string) => {
    const r = await byok(args, { stdin });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  await must(['workspace', 'create', 'ws', '--plan', 'enterprise']);
  await must(['config', 'set', 'geography', o.geography]);
  await must(['config', 'set', 'region', o.region]);
  await must(['credentials', 'set', '--access-key-id', byokAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${byokAcct.admin.secretAccessKey}\n`);
  await must(['credentials', 'set', '--platform', '--regions', o.region, '--access-key-id', platformAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${platformAcct.admin.secretAccessKey}\n`);
  await must(['policy', 'set', o.policy]);
  for (const m of o.members ?? []) await must(['workspace', 'add-member', m]);
  const logs: Record<string, unknown>[] = [];
  return {
    t,
    env,
    byok,
    logs,
    byokAccountId: byokAcct.accountId,
    platformAccountId: platformAcct.accountId,
    async token(user: string) {
      const r = await must(['gateway', 'token', 'create', '--user', user, '--json']);
      const j = JSON.parse(r.stdout) as { token: string; id: string };
      return { token: j.token, id: j.id };
    },
    async start() {
      const sink = new PassThrough();
      sink.resume();
      const ctx = createContext({ io: { stdin: new PassThrough(), stdout: sink, stderr: sink, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false }, env, osUser: 'os-user' });
      return startGateway(ctx, { log: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    },
  };
}

/** The gateway writes a request's log line after the reply's last byte: wait until none is in flight. */
export async function settled(gw: GatewayHandle): Promise<void> {
  const until = Date.now() + 10_000;
  while (gw.stats().inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}
