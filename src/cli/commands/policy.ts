// byok policy set|show|evaluate|confirm
import type { Command } from 'commander';
import { decisionJson } from '../render/decision.js';
import { POLICY_MODES, type PolicyMode } from '../../core/config-doc.js';
import { UsageError, EXIT } from '../../core/errors.js';
import { evaluatePolicy, type PolicyQuery } from '../../app/policy.js';
import { checkPolicyChange, defaultPolicy } from '../../core/plans.js';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import { choiceParser, intParser, isoNow, pickWorkspace, requireAccess, requireOwner } from './shared.js';

export async function runPolicySet(o: { mode: PolicyMode; lock?: boolean; unlock?: boolean }, ctx: Context): Promise<Output> {
  if (o.lock && o.unlock) throw new UsageError('conflicting-flags', '--lock and --unlock cannot be used together.', 'Pick one.');
  const { result } = await ctx.store().update((doc, tx) => {
    const ws = pickWorkspace(ctx, doc);
    // The policy and its lock are BYOK settings: the owner's alone; members use them (DESIGN §4.4).
    requireOwner(ctx, ws, o.lock ? 'lock the fallback policy' : o.unlock ? 'unlock the fallback policy' : ws.policyLocked ? `change the fallback policy (locked at ${ws.policy})` : 'change the fallback policy');
    const change = checkPolicyChange({ plan: ws.plan, owner: ws.owner, actor: ctx.user, current: ws.policy, locked: ws.policyLocked, next: o.mode, lock: o.lock, unlock: o.unlock });
    if (!change.ok) throw new UsageError(change.error.code, change.error.reason, change.error.hint);
    const before = { policy: ws.policy, locked: ws.policyLocked };
    ws.policy = change.value.policy;
    ws.policyLocked = change.value.locked;
    // Leaving warn drops a pending re-confirmation only when no fallback can happen any more.
    if (ws.policy === 'strict') delete ws.confirmationRequired;
    if (before.policy !== ws.policy || before.locked !== ws.policyLocked) {
      tx.audit({ type: 'policy-changed', user: ctx.user, workspace: ws.name, details: { from: before.policy, to: ws.policy, lockedBefore: before.locked, locked: ws.policyLocked } });
    }
    return { workspace: ws.name, policy: ws.policy, locked: ws.policyLocked, changed: before.policy !== ws.policy || before.locked !== ws.policyLocked, previous: before.policy, previouslyLocked: before.locked };
  });
  const r = result;
  // Say what changed: the mode, the lock, or both; never "strict → strict".
  const message = !r.changed
    ? `${r.workspace}: fallback policy is already ${r.policy}${r.locked ? ' (locked)' : ''}; nothing changed.`
    : r.previous === r.policy
      ? r.locked
        ? `${r.workspace}: fallback policy ${r.policy} is now locked: members cannot change it.`
        : `${r.workspace}: fallback policy ${r.policy} is now unlocked.`
      : `${r.workspace}: fallback policy ${r.previous} → ${r.policy}${r.locked ? ' (locked: members cannot change it)' : r.previouslyLocked ? ' (unlocked)' : ''}`;
  const { previouslyLocked: _omit, ...json } = r;
  return { json, status: [mark.ok(ctx, message)] };
}

const DESCRIBE: Record<PolicyMode, string> = {
  allow: 'retry on platform credentials in the same region',
  warn: 'retry on platform credentials in the same region, then require re-confirmation next session',
  strict: 'surface the error; never retry on a different credential',
};

export async function runPolicyShow(ctx: Context): Promise<Output> {
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc);
  requireAccess(ctx, ws);
  const def = defaultPolicy(ws.plan);
  const json = {
    workspace: ws.name,
    policy: ws.policy,
    locked: ws.policyLocked,
    plan: ws.plan,
    planDefault: def.policy,
    confirmationRequired: ws.confirmationRequired !== undefined,
    confirmationReason: ws.confirmationRequired?.reason ?? null,
    region: ws.region ?? null,
  };
  return {
    json,
    lines: table([
      ['workspace', ws.name],
      ['policy', `${ws.policy} — ${DESCRIBE[ws.policy]}`],
      ['locked', ws.policyLocked ? 'yes (only the owner can unlock)' : 'no'],
      ['plan default', `${def.policy} (${def.reason})`],
      ['re-confirmation', ws.confirmationRequired ? `required since ${ws.confirmationRequired.since}: ${ws.confirmationRequired.reason} — run: byok policy confirm` : 'not required'],
    ]),
  };
}

/** The query as the flags give it (the workspace comes from --workspace). */
export type PolicyEvaluateOptions = Omit<PolicyQuery, 'workspace'>;

export async function runPolicyEvaluate(o: PolicyEvaluateOptions, ctx: Context): Promise<Output> {
  const { workspace, decision: d, region, regionFrom } = await evaluatePolicy(ctx, o);
  const rules = d.rules.map((r) => `${r.passed ? ctx.chalk.green('✓') : ctx.chalk.red('✗')} ${r.rule.padEnd(18)} ${r.detail}`);
  // What the decision was made on: the workspace read (if any), the region and the policy, each with where it came from.
  const read = [
    workspace === null ? 'no workspace' : `workspace ${workspace}`,
    region === null ? 'no region' : `region ${region} (${regionFrom === 'given' ? '--region' : "the workspace's"})`,
    d.policy === null ? 'no valid policy' : `policy ${d.policy} (${o.policy !== undefined ? '--policy, a what-if' : "the workspace's"})`,
  ];
  return {
    json: { workspace, whatIf: o.policy !== undefined, region, ...decisionJson(d) },
    lines: [
      `evaluated: ${read.join(', ')}`,
      `decision: ${d.decision === 'fallback' ? ctx.chalk.yellow('fallback') : ctx.chalk.bold('fail')}${d.targetRegion ? ` (platform endpoint in ${d.targetRegion})` : ''}`,
      `category: ${d.category} (${d.retryable ? 'retryable' : 'not retryable'})`,
      ...rules,
      ...(d.requiresConfirmation ? ['The user must re-confirm on their next session (warn policy).'] : []),
      ...(workspace === null ? ['No workspace was read, so nothing is known of platform credentials and nothing would fall back. To see a workspace\'s decision under this policy, name it: -w NAME.'] : []),
    ],
    exitCode: d.decision === 'fallback' ? EXIT.ok : EXIT.checkFailed,
  };
}

export async function runPolicyConfirm(ctx: Context): Promise<Output> {
  const { result } = await ctx.store().update((doc, tx) => {
    const ws = pickWorkspace(ctx, doc);
    requireAccess(ctx, ws);
    const pending = ws.confirmationRequired;
    if (pending) {
      delete ws.confirmationRequired;
      tx.audit({ type: 'policy-confirmed', user: ctx.user, workspace: ws.name, details: { since: pending.since, reason: pending.reason, policy: ws.policy, at: isoNow(ctx) } });
    }
    return { workspace: ws.name, policy: ws.policy, confirmed: pending !== undefined };
  });
  return {
    json: result,
    status: [result.confirmed ? mark.ok(ctx, `${result.workspace}: fallback under the warn policy acknowledged.`) : mark.ok(ctx, `${result.workspace}: no re-confirmation was pending.`)],
  };
}

export function registerPolicy(program: Command, ctx: Context): void {
  const cmd = program.command('policy').description('the fallback policy: allow, warn or strict');
  cmd
    .command('set')
    .description('set the workspace fallback policy')
    .argument('<mode>', POLICY_MODES.join('|'), choiceParser('policy', POLICY_MODES))
    .option('--lock', 'owner of an Enterprise/BYOC workspace: pin the policy at strict so members cannot change it')
    .option('--unlock', 'owner: remove the lock')
    .action(async (mode: PolicyMode, o: { lock?: boolean; unlock?: boolean }) => emit(ctx, await runPolicySet({ mode, ...o }, ctx)));
  cmd.command('show').description('show the fallback policy').action(async () => emit(ctx, await runPolicyShow(ctx)));
  cmd
    .command('evaluate')
    .description('decide whether a failed BYOK call may fall back (exit 0 fallback, 1 fail)')
    .option('--error-code <code>', 'AWS error code, e.g. ThrottlingException')
    .option('--http-status <n>', 'HTTP status of the failed call', intParser('--http-status', 100, 599))
    .option('--message <text>', 'error message')
    .requiredOption('--operation-kind <kind>', 'read|write', choiceParser('operation kind', ['read', 'write'] as const))
    .option('--fallback-eligible', 'the write operation is explicitly marked fallback-eligible')
    .option('--autonomous', 'the operation is an autonomous agent action')
    .option('--environment <env>', 'production|staging|development', choiceParser('environment', ['production', 'staging', 'development'] as const))
    .option('--region <region>', 'region of the original BYOK call (default: the workspace region)')
    .option('--policy <mode>', 'evaluate under this policy instead of the workspace one (a what-if; the rest still comes from the workspace, if any)', choiceParser('policy', POLICY_MODES))
    .action(async (o: PolicyEvaluateOptions) => emit(ctx, await runPolicyEvaluate(o, ctx)));
  cmd.command('confirm').description('acknowledge a fallback that happened under the warn policy').action(async () => emit(ctx, await runPolicyConfirm(ctx)));
}
