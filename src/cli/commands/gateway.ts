// byok gateway start|status|token: a local Bedrock endpoint for Claude Code and the SDKs (issue 13).
// The server is app/gateway/server.ts; this file parses flags, prints, writes the state file that
// `status` reads, and turns SIGTERM/SIGINT into a drain.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError, type ExitCode } from '../../core/errors.js';
import type { Context } from '../context.js';
import { emit, mark, table } from '../output.js';
import { choiceParser, intParser } from './shared.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

interface StateFile { pid: number; url: string; workspace: string; startedAt: string; host: string; port: number }

const stateFile = (ctx: Context) => join(ctx.configDir, 'gateway.json');

function readState(ctx: Context): StateFile | null {
  try {
    return JSON.parse(readFileSync(stateFile(ctx), 'utf8')) as StateFile;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface StartOptions { port?: number; host?: string; allowNonLoopback?: boolean; operationKind: 'read' | 'write' }

async function start(ctx: Context, o: StartOptions): Promise<number> {
  const host = o.host?.trim() || '127.0.0.1';
  if (!LOOPBACK.has(host) && !o.allowNonLoopback) {
    throw new UsageError('non-loopback-host', `--host ${host} would let other machines reach the gateway, and through it the workspace's Bedrock credentials (a token is all they would need).`, 'Keep the default (127.0.0.1), or add --allow-non-loopback if you really mean it (see the README, "Gateway").');
  }
  // One gateway per configuration: a second would take over the state file `status` reads and hide
  // the first from the operator (new-user review, stop 18).
  const running = readState(ctx);
  if (running && running.pid !== process.pid && alive(running.pid)) {
    throw new UsageError('gateway-already-running', `A byok gateway is already running for this configuration: pid ${running.pid}, ${running.url}, workspace ${running.workspace}, since ${running.startedAt}.`, `Use it, or stop it first (kill ${running.pid}; it drains in-flight requests), then start again.`);
  }
  const { startGateway } = await import('../../app/gateway/server.js');
  const h = await startGateway(ctx, { host, port: o.port, operation: { kind: o.operationKind }, log: (line) => ctx.io.stderr.write(`${line}\n`) });
  ctx.keepAlive = true;
  const state: StateFile = { pid: process.pid, url: h.url, workspace: h.workspace, startedAt: new Date().toISOString(), host: h.host, port: h.port };
  writeFileSync(stateFile(ctx), `${JSON.stringify(state)}\n`, { mode: 0o600 });
  if (!LOOPBACK.has(host)) ctx.warn(`The gateway listens on ${host}: anyone who can reach ${h.url} with a token uses workspace ${h.workspace}'s Bedrock credentials.`);
  if (ctx.flags.json) ctx.io.stdout.write(`${JSON.stringify({ ok: true, url: h.url, workspace: h.workspace, pid: process.pid })}\n`);
  else {
    ctx.io.stderr.write(`${mark.ok(ctx, `byok gateway for workspace ${h.workspace} listening on ${h.url}`)}\n`);
    ctx.io.stderr.write(`  Clients: ANTHROPIC_BEDROCK_BASE_URL=${h.url} (Claude Code, with CLAUDE_CODE_USE_BEDROCK=1), AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${h.url} (SDKs, AWS CLI),\n  AWS_BEARER_TOKEN_BEDROCK=<a token from: byok gateway token create --user NAME>. One JSON line per request follows on stderr.\n`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C stops now, whatever is still in flight. A repeated SIGTERM does not:
      // signal-exit (under proper-lockfile) re-raises the first one, and the drain must go on.
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    ctx.io.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event: 'draining', signal, inFlight: h.stats().inFlight })}\n`);
    void h.close().then(() => {
      if (readState(ctx)?.pid === process.pid) rmSync(stateFile(ctx), { force: true });
      ctx.io.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event: 'stopped', ...h.stats() })}\n`);
      process.exit(0);
    });
  };
  // `on`, not `once`: signal-exit (under proper-lockfile) re-raises a signal when its own listener
  // is the only one left, which would kill the process mid-drain.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return EXIT.ok;
}

/** The gateway's counters in words: "12 (9 served, 2 refused, 1 failed; 1 fallback; 0 in flight)". */
function requestsLine(stats: unknown): string {
  const s = (stats ?? {}) as Record<string, unknown>;
  const n = (k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0);
  return `${n('requests')} (${n('served')} served, ${n('refused')} refused, ${n('failed')} failed; ${n('fallbacks')} fallback${n('fallbacks') === 1 ? '' : 's'}; ${n('inFlight')} in flight)`;
}

async function status(ctx: Context): Promise<number> {
  const s = readState(ctx);
  let health: Record<string, unknown> | null = null;
  const running = s !== null && alive(s.pid);
  if (s && running) {
    try {
      const r = await fetch(`${s.url}/_byok/health`, { signal: AbortSignal.timeout(3000) });
      health = (await r.json()) as Record<string, unknown>;
    } catch {
      health = null;
    }
  }
  const { listGatewayTokens } = await import('../../app/gateway/tokens.js');
  let tokens: { live: number; revoked: number } | null = null;
  try {
    const t = await listGatewayTokens(ctx, {});
    tokens = { live: t.tokens.filter((x) => x.revokedAt === null).length, revoked: t.tokens.filter((x) => x.revokedAt !== null).length };
  } catch {
    tokens = null; // not the owner, or no workspace: status still says whether it runs
  }
  const up = running && health !== null;
  return emit(ctx, {
    json: { ok: true, running: up, url: s?.url ?? null, workspace: s?.workspace ?? null, pid: s?.pid ?? null, startedAt: s?.startedAt ?? null, stats: health?.stats ?? null, tokens },
    lines: up
      ? table([
          ['running', `yes, pid ${s!.pid}`],
          ['url', s!.url],
          ['workspace', s!.workspace],
          ['since', s!.startedAt],
          ['requests', requestsLine(health!.stats)],
          ...(tokens ? ([['tokens', `${tokens.live} live, ${tokens.revoked} revoked`]] as [string, string][]) : []),
        ])
      : [`not running${s && !running ? ` (stale state file from pid ${s.pid})` : ''}`],
    exitCode: up ? EXIT.ok : EXIT.checkFailed,
  });
}

export function registerGateway(program: Command, ctx: Context): void {
  const gw = program.command('gateway').description('a local Bedrock endpoint (Claude Code, SDKs, AWS CLI) with routing, residency, payload guard, fallback policy and audit');
  gw.command('start')
    .description('serve Bedrock Runtime on 127.0.0.1 for the workspace; clients authenticate with a gateway token')
    .option('--port <n>', 'port (default: a free one)', intParser('--port', 1, 65535))
    .option('--host <address>', 'listen address (default 127.0.0.1; another needs --allow-non-loopback)')
    .option('--allow-non-loopback', 'allow a --host other than loopback (see the README warning)')
    .option('--operation-kind <kind>', 'how the fallback rules see gateway requests: read|write', choiceParser('operation kind', ['read', 'write'] as const), 'read')
    .action(async (o: StartOptions) => (await start(ctx, o)) as ExitCode);
  gw.command('status')
    .description('is the gateway running, where, and what has it served')
    .action(async () => (await status(ctx)) as ExitCode);
  const tok = gw.command('token').description('bearer tokens for gateway clients (owner only)');
  tok.command('create')
    .description('a new token acting as USER (shown once; only its SHA-256 is stored)')
    .requiredOption('--user <name>', 'the owner or a member the token acts as (the audit log names them)')
    .action(async (o: { user: string }) => {
      const { createGatewayToken } = await import('../../app/gateway/tokens.js');
      const r = await createGatewayToken(ctx, { user: o.user });
      // The token is the output: written once, unscrubbed, and never again (only its hash is kept).
      if (ctx.flags.json) ctx.credentialStdout.write(`${JSON.stringify({ ok: true, workspace: r.workspace, token: r.token, ...r.record }, null, 2)}\n`);
      else {
        ctx.credentialStdout.write(`${r.token}\n`);
        ctx.io.stderr.write(`${mark.ok(ctx, `token ${r.record.id} for ${r.record.user} in workspace ${r.workspace}. It is shown once: give it to ${r.record.user} as AWS_BEARER_TOKEN_BEDROCK; revoke with byok gateway token revoke ${r.record.id}`)}\n`);
      }
      return EXIT.ok;
    });
  tok.command('list')
    .description('the tokens of the workspace (never the secret)')
    .action(async () => {
      const { listGatewayTokens } = await import('../../app/gateway/tokens.js');
      const r = await listGatewayTokens(ctx, {});
      return emit(ctx, {
        json: { ok: true, workspace: r.workspace, tokens: r.tokens },
        lines: r.tokens.length === 0 ? ['no gateway tokens'] : table(r.tokens.map((t) => [t.id, `${t.user}  created ${t.createdAt} by ${t.createdBy}${t.revokedAt ? `  REVOKED ${t.revokedAt} by ${t.revokedBy}` : ''}`])),
      });
    });
  tok.command('revoke')
    .description('revoke a token: the next request with it is refused')
    .argument('<id>', 'the token ID (byok gateway token list)')
    .action(async (id: string) => {
      const { revokeGatewayToken } = await import('../../app/gateway/tokens.js');
      const r = await revokeGatewayToken(ctx, { id });
      return emit(ctx, { json: { ok: true, workspace: r.workspace, alreadyRevoked: r.already, token: r.record }, status: [mark.ok(ctx, r.already ? `token ${r.record.id} was already revoked (${r.record.revokedAt})` : `token ${r.record.id} (${r.record.user}) revoked; the gateway refuses it from the next request`)] });
    });
}
