// byok workspace create|list|use|show|add-member|remove-member
import type { Command } from 'commander';
import { PLANS, validateUserName, validateWorkspaceName, workspaceNamed, type Plan, type Workspace, type ConfigDoc } from '../../core/config-doc.js';
import { UsageError } from '../../core/errors.js';
import { checkPlan, defaultPolicy, PLAN_LABELS } from '../../core/plans.js';
import { mask } from '../../core/credentials.js';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import { choiceParser, isoNow, pickWorkspace, printable, requireAccess, requireOwner, roleOf } from './shared.js';

function parseUser(raw: string, what: string): string {
  const u = validateUserName(raw);
  if (!u.ok) throw new UsageError('invalid-user', `"${printable(raw)}" is not a valid ${what}.`, u.reason);
  return u.value;
}

export function workspaceJson(ws: Workspace, doc: ConfigDoc, user: string) {
  return {
    name: ws.name,
    plan: ws.plan,
    owner: ws.owner,
    members: [...ws.members],
    role: roleOf(ws, user),
    current: doc.currentWorkspace === ws.name,
    byokEnabled: ws.byokEnabled,
    geography: ws.geography ?? null,
    region: ws.region ?? null,
    policy: ws.policy,
    locked: ws.policyLocked,
    confirmationRequired: ws.confirmationRequired !== undefined,
    credentialsConfigured: ws.credentials !== undefined,
    accessKeyId: ws.credentials ? mask(ws.credentials.accessKeyId) : null,
    createdAt: ws.createdAt,
  };
}

export interface WorkspaceCreateOptions { name: string; plan: Plan; owner?: string }

export async function runWorkspaceCreate(o: WorkspaceCreateOptions, ctx: Context): Promise<Output> {
  const name = validateWorkspaceName(o.name);
  if (!name.ok) throw new UsageError('invalid-workspace-name', `Invalid workspace name "${printable(o.name)}": ${name.reason}.`, 'Example: byok workspace create acme-prod --plan enterprise');
  const plan = checkPlan(o.plan);
  if (!plan.ok) throw new UsageError(plan.error.code, plan.error.reason, plan.error.hint);
  const owner = o.owner !== undefined ? parseUser(o.owner, 'owner') : ctx.user;
  const policy = defaultPolicy(o.plan);
  const { doc } = await ctx.store().update((doc, tx) => {
    if (workspaceNamed(doc, name.value)) {
      throw new UsageError('workspace-exists', `Workspace "${name.value}" already exists.`, `Pick another name, or select it with: byok workspace use ${name.value}`);
    }
    const ws: Workspace = {
      name: name.value,
      plan: o.plan,
      owner,
      members: [],
      createdAt: isoNow(ctx),
      byokEnabled: true,
      policy: policy.policy,
      policyLocked: false,
    };
    doc.workspaces[name.value] = ws;
    doc.currentWorkspace ??= name.value;
    // --owner naming someone else is recorded as such: the creator is not the owner.
    tx.audit({ type: 'workspace-created', user: ctx.user, workspace: name.value, details: { plan: o.plan, owner, ownerIsCreator: owner === ctx.user, policy: policy.policy } });
  });
  const ws = doc.workspaces[name.value]!;
  return {
    json: workspaceJson(ws, doc, ctx.user),
    status: [
      mark.ok(ctx, `Created workspace ${ws.name} (${PLAN_LABELS[ws.plan]}, owner ${ws.owner}${ws.owner === ctx.user ? '' : `, created by ${ctx.user} on their behalf`}).`),
      `  Fallback policy: ${ws.policy} — ${policy.reason}`,
      doc.currentWorkspace === ws.name ? `  It is the current workspace.` : `  Select it with: byok workspace use ${ws.name}`,
      // Created on someone else's behalf: the creator has no role in it, so say so now, not on the next command.
      ...(roleOf(ws, ctx.user) === 'none'
        ? [mark.warn(ctx, `${ctx.user} is not a member of ${ws.name}: only its owner ${ws.owner} can configure it, and ${ctx.user}'s next command on it will be refused.`), `  To act as the owner, run byok as them: BYOK_USER=${ws.owner} byok ... --workspace ${ws.name}; or have ${ws.owner} run: byok workspace add-member ${ctx.user} --workspace ${ws.name}`]
        : []),
    ],
  };
}

export async function runWorkspaceList(ctx: Context): Promise<Output> {
  const { doc } = await ctx.store().read();
  const list = Object.values(doc.workspaces).sort((a, b) => a.name.localeCompare(b.name));
  return {
    json: { current: doc.currentWorkspace ?? null, workspaces: list.map((ws) => workspaceJson(ws, doc, ctx.user)) },
    lines:
      list.length === 0
        ? []
        : list.map((ws) => `${doc.currentWorkspace === ws.name ? '*' : ' '} ${ws.name.padEnd(24)} ${PLAN_LABELS[ws.plan].padEnd(10)} owner ${ws.owner}${ws.credentials ? '' : '  (BYOK not configured)'}`),
    status: list.length === 0 ? ['No workspaces yet. Create one: byok workspace create NAME --plan scale'] : [],
  };
}

export async function runWorkspaceUse(name: string, ctx: Context): Promise<Output> {
  const { doc } = await ctx.store().update((doc) => {
    const ws = pickWorkspace(ctx, doc, name.trim());
    requireAccess(ctx, ws);
    doc.currentWorkspace = ws.name;
  });
  const ws = doc.workspaces[doc.currentWorkspace!]!;
  return { json: workspaceJson(ws, doc, ctx.user), status: [mark.ok(ctx, `Now using workspace ${ws.name}.`)] };
}

export async function runWorkspaceShow(name: string | undefined, ctx: Context): Promise<Output> {
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc, name);
  const role = requireAccess(ctx, ws);
  const j = workspaceJson(ws, doc, ctx.user);
  return {
    json: j,
    lines: table([
      ['workspace', ws.name + (j.current ? ' (current)' : '')],
      ['plan', PLAN_LABELS[ws.plan]],
      ['owner', ws.owner],
      ['members', ws.members.length ? ws.members.join(', ') : '(none)'],
      ['your role', role + (role === 'member' ? " (inherits the owner's BYOK)" : '')],
      ['byok enabled', String(ws.byokEnabled)],
      ['geography', ws.geography ?? '(not set)'],
      ['region', ws.region ?? '(not set)'],
      ['policy', `${ws.policy}${ws.policyLocked ? ' (locked)' : ''}${ws.confirmationRequired ? ' — re-confirmation required' : ''}`],
      ['credentials', ws.credentials ? mask(ws.credentials.accessKeyId) : '(not configured)'],
    ]),
  };
}

export async function runMemberChange(op: 'add' | 'remove', user: string, ctx: Context): Promise<Output> {
  const member = parseUser(user, 'member user name');
  const { doc, result } = await ctx.store().update((doc, tx) => {
    const ws = pickWorkspace(ctx, doc);
    requireOwner(ctx, ws, op === 'add' ? 'add members' : 'remove members');
    if (op === 'add') {
      if (member === ws.owner) throw new UsageError('member-is-owner', `${member} owns "${ws.name}"; owners are not listed as members.`, 'Add a different user.');
      if (ws.members.includes(member)) return ws.name;
      ws.members.push(member);
      ws.members.sort();
    } else {
      if (!ws.members.includes(member)) {
        throw new UsageError('not-a-member', `${printable(member)} is not a member of "${ws.name}".`, `Members: ${ws.members.join(', ') || '(none)'}`);
      }
      ws.members = ws.members.filter((m) => m !== member);
    }
    tx.audit({ type: op === 'add' ? 'member-added' : 'member-removed', user: ctx.user, workspace: ws.name, details: { member } });
    if (op === 'remove') {
      // Their gateway tokens go with them: re-adding the name later must not bring an old token
      // back to life (attack and new-user reviews, stop 18). Each revocation is audited.
      for (const t of ws.gatewayTokens ?? []) {
        if (t.user !== member || t.revokedAt !== undefined) continue;
        t.revokedAt = ctx.now().toISOString();
        t.revokedBy = ctx.user;
        tx.audit({ type: 'gateway-token-revoked', user: ctx.user, workspace: ws.name, details: { tokenId: t.id, tokenUser: t.user, reason: 'member removed' } });
      }
    }
    return ws.name;
  });
  const ws = doc.workspaces[result]!;
  return {
    json: workspaceJson(ws, doc, ctx.user),
    status: [mark.ok(ctx, op === 'add' ? `${member} is a member of ${ws.name}; they use the owner's BYOK with no setup.` : `${member} removed from ${ws.name}.`)],
  };
}

export function registerWorkspace(program: Command, ctx: Context): void {
  const cmd = program.command('workspace').description('create and select workspaces; manage members');
  cmd
    .command('create')
    .description('create a workspace (BYOK needs a Scale, Scale+, Enterprise or BYOC plan)')
    .argument('<name>', 'workspace name')
    .requiredOption('--plan <plan>', `subscription plan: ${PLANS.join('|')}`, choiceParser('plan', PLANS))
    .option('--owner <user>', 'owner (default: BYOK_USER or the OS user)')
    .action(async (name: string, o: { plan: Plan; owner?: string }) => emit(ctx, await runWorkspaceCreate({ name, plan: o.plan, owner: o.owner }, ctx)));
  cmd.command('list').description('list workspaces (* marks the current one)').action(async () => emit(ctx, await runWorkspaceList(ctx)));
  cmd.command('use').description('make a workspace the current one').argument('<name>').action(async (name: string) => emit(ctx, await runWorkspaceUse(name, ctx)));
  cmd.command('show').description('show a workspace').argument('[name]').action(async (name?: string) => emit(ctx, await runWorkspaceShow(name, ctx)));
  cmd.command('add-member').description("add a member (members inherit the owner's BYOK)").argument('<user>').action(async (u: string) => emit(ctx, await runMemberChange('add', u, ctx)));
  cmd.command('remove-member').description('remove a member').argument('<user>').action(async (u: string) => emit(ctx, await runMemberChange('remove', u, ctx)));
}
