// byok audit list|verify
import type { Command } from 'commander';
import { EXIT, UsageError } from '../../core/errors.js';
import { readAuditLog, verifyAuditLog } from '../../store/audit-log.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { oneLine } from '../terminal.js';
import { AUDIT_EVENT_TYPES } from '../../core/audit-event.js';
import { didYouMean } from '../../core/suggest.js';
import { intParser, printable } from './shared.js';

export async function runAuditList(o: { limit?: number; type?: string; all?: boolean }, ctx: Context): Promise<Output> {
  // A type byok never writes would always list nothing: say so instead of "No audit events yet".
  if (o.type !== undefined && !(AUDIT_EVENT_TYPES as readonly string[]).includes(o.type.trim())) {
    throw new UsageError('unknown-event-type', `"${printable(o.type)}" is not an audit event type.${didYouMean(o.type, AUDIT_EVENT_TYPES)}`, `Types: ${AUDIT_EVENT_TYPES.join(', ')}.`);
  }
  const type = o.type?.trim();
  const store = ctx.store();
  // Listing is how an admin inspects a log that failed its checks: problems are warned, not refused.
  const { doc, state } = await store.read({ diagnose: true });
  for (const p of state?.problems ?? []) ctx.warn(p.message);
  const wsName = o.all ? undefined : (ctx.flags.workspace ?? doc.currentWorkspace);
  let entries = await readAuditLog(store.auditPath);
  if (wsName !== undefined) entries = entries.filter((e) => e.event.workspace === wsName || e.event.workspace === null);
  if (type !== undefined) entries = entries.filter((e) => e.event.type === type);
  if (o.limit !== undefined) entries = entries.slice(-o.limit);
  return {
    json: { workspace: wsName ?? null, events: entries.map((e) => ({ seq: e.seq, at: e.at, hash: e.hash, ...e.event })) },
    // One event, one line: the log is a file, and any field of it may hold a line break.
    lines: entries.map((e) => {
      const d = Object.entries(e.event.details).map(([k, v]) => `${k}=${String(v)}`).join(' ');
      return oneLine(`${String(e.seq).padStart(5)} ${e.at} ${e.event.type.padEnd(22)} ${e.event.workspace ?? '-'} by ${e.event.user}  ${d}`);
    }),
    status: entries.length === 0 ? [type !== undefined ? `No ${type} events${wsName !== undefined ? ` for ${wsName}` : ''}.` : 'No audit events yet.'] : [],
  };
}

export async function runAuditVerify(ctx: Context): Promise<Output> {
  const store = ctx.store();
  const { doc, state } = await store.read({ diagnose: true });
  const r = await verifyAuditLog(store.auditPath, doc.audit);
  // The config-level findings (an anchor that saw a newer config, a swapped config) are problems too.
  for (const p of state?.problems ?? []) if (!p.code.startsWith('audit-log-')) r.problems.push({ line: 0, problem: p.message });
  r.ok = r.problems.length === 0;
  return {
    json: { ok: r.ok, count: r.count, uncommitted: r.uncommitted, problems: r.problems, path: store.auditPath },
    status: r.ok
      ? [mark.ok(ctx, `Audit log intact: ${r.count} events, hash chain and sealed head agree.`)]
      : [mark.fail(ctx, `Audit log FAILED verification (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):`), ...r.problems.map((p) => `  line ${p.line}: ${p.problem}`)],
    exitCode: r.ok ? EXIT.ok : EXIT.checkFailed,
  };
}

export async function runAuditResetAnchor(o: { reason?: string }, ctx: Context): Promise<Output> {
  const reason = o.reason?.trim() ?? '';
  if (reason.length < 3 || reason.length > 300) throw new UsageError('reason-required', 'Say why the log is re-sealed as it is: --reason "..." (3-300 characters); it goes into the audit record.', 'Example: byok audit reset-anchor --reason "restored from backup after disk failure, ticket OPS-123"');
  const store = ctx.store();
  const r = await store.resetAnchor(
    (found) => ({
      type: 'audit-anchor-reset',
      user: ctx.user,
      // The log is every workspace's: the record is too (audit list shows it in each of them).
      workspace: null,
      // The most events anyone vouched for: the sealed config, or the anchor when it saw more (a
      // config and log restored from a backup are consistent with each other, not with the anchor).
      details: { reason, sealedCount: found.sealedCount, anchorCount: found.anchorCount, logCount: found.logCount, missingEvents: Math.max(0, Math.max(found.sealedCount, found.anchorCount ?? 0) - found.logCount), extraEvents: Math.max(0, found.logCount - found.sealedCount), sealedHead: found.sealedHead, anchorHead: found.anchorHead, logHead: found.logHead, anchorGeneration: found.anchorGeneration, problems: found.problems },
    }),
    (doc) => {
      // Re-sealing accepts the log for every workspace in the config, so it takes the owner of all of them.
      const workspaces = Object.values(doc.workspaces);
      if (workspaces.length === 0) throw new UsageError('no-workspace', 'There is no workspace in this config, so nobody owns its audit log.', 'Restore the config from a backup.');
      const others = workspaces.filter((w) => w.owner !== ctx.user);
      if (others.length > 0) {
        throw new UsageError('owner-only', `Only a user who owns every workspace in this config may re-seal its audit log; ${ctx.user} does not own ${others.map((w) => `"${w.name}" (owner ${w.owner})`).join(', ')}.`, 'The audit log belongs to every workspace in the config. Restore the log and config from a backup instead, or have the owner of all workspaces run this.');
      }
    },
  );
  return {
    json: { ok: true, count: r.count, path: store.auditPath },
    status: [mark.ok(ctx, `Audit log re-sealed as it is now (${r.count} events, the last one records this reset and what was missing).`)],
  };
}

export function registerAudit(program: Command, ctx: Context): void {
  const cmd = program.command('audit').description('the append-only audit log (fallbacks, policy and credential changes)');
  cmd
    .command('list')
    .description('list audit events for the workspace (or --all)')
    .option('--limit <n>', 'only the last N events', intParser('--limit', 1, 1_000_000))
    .option('--type <type>', 'only events of this type, e.g. fallback, policy-changed')
    .option('--all', 'events of every workspace')
    .action(async (o: { limit?: number; type?: string; all?: boolean }) => emit(ctx, await runAuditList(o, ctx)));
  cmd
    .command('reset-anchor')
    .description('owner: accept the audit log and config as they are now, on purpose (audited: records what was missing)')
    .requiredOption('--reason <text>', 'why, for the audit record')
    .action(async (o: { reason?: string }) => emit(ctx, await runAuditResetAnchor(o, ctx)));
  cmd.command('verify').description('check the hash chain: detects an edited, removed, reordered or truncated log (exit 1 if not intact)').action(async () => emit(ctx, await runAuditVerify(ctx)));
}
