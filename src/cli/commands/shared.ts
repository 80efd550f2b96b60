// Helpers every command group uses: finding the workspace, who may change it, option parsing.
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../../core/errors.js';
import { workspaceNamed, type ConfigDoc, type Workspace } from '../../core/config-doc.js';
import { checkRegionName } from '../../core/regions.js';
import { didYouMean } from '../../core/suggest.js';
import type { Context } from '../context.js';
import { oneLine } from '../terminal.js';

export type Role = 'owner' | 'member' | 'none';

export function roleOf(ws: Workspace, user: string): Role {
  if (ws.owner === user) return 'owner';
  return ws.members.includes(user) ? 'member' : 'none';
}

/** The workspace a command acts on: --workspace, else the current one. */
export function pickWorkspace(ctx: Context, doc: ConfigDoc, explicit?: string): Workspace {
  const name = explicit ?? ctx.flags.workspace ?? doc.currentWorkspace;
  if (name === undefined) {
    const names = Object.keys(doc.workspaces);
    throw new UsageError(
      'no-workspace',
      'No workspace selected.',
      names.length === 0
        ? 'Create one: byok workspace create NAME --plan scale|scale-plus|enterprise|byoc'
        : `Pass --workspace NAME or run: byok workspace use NAME (workspaces: ${names.join(', ')})`,
    );
  }
  const ws = workspaceNamed(doc, name);
  if (!ws) {
    const names = Object.keys(doc.workspaces);
    throw new UsageError(
      'workspace-not-found',
      `No workspace named "${printable(name)}".`,
      names.length === 0 ? 'Create it: byok workspace create NAME --plan scale' : `Known workspaces: ${names.join(', ')}. List them with: byok workspace list`,
    );
  }
  return ws;
}

/** Reading is open to the owner and members (members inherit the owner's BYOK). */
export function requireAccess(ctx: Context, ws: Workspace): Role {
  const role = roleOf(ws, ctx.user);
  if (role === 'none') {
    throw new UsageError(
      'not-a-member',
      `User "${ctx.user}" is not a member of workspace "${ws.name}" (owner: ${ws.owner}).`,
      `Ask the owner to run: byok workspace add-member ${ctx.user} --workspace ${ws.name}; or, to act as the owner, run byok as them: BYOK_USER=${ws.owner} byok ...`,
    );
  }
  return role;
}

/** BYOK settings (credentials, geography, region, members) belong to the owner alone (DESIGN §4.4). */
export function requireOwner(ctx: Context, ws: Workspace, what: string): void {
  const role = roleOf(ws, ctx.user);
  if (role !== 'owner') {
    throw new UsageError(
      'owner-only',
      `Only the workspace owner (${ws.owner}) can ${what} in "${ws.name}"; ${ctx.user} is ${role === 'member' ? 'a member' : 'not a member'}.`,
      role === 'member'
        ? "Members inherit the owner's BYOK configuration and need not configure anything. Ask the owner to make this change."
        : `Ask the owner (${ws.owner}) to make this change.`,
    );
  }
}

/** Shows user-supplied text safely in a message: on one line, control characters spelled out, overlong input trimmed. */
export function printable(s: string, max = 64): string {
  const clean = oneLine(s);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function choiceParser<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v: string) => {
    const norm = v.trim().toLowerCase();
    if ((values as readonly string[]).includes(norm)) return norm as T;
    throw new InvalidArgumentError(`"${printable(v)}" is not a valid ${name}.${didYouMean(norm, values)} Use one of: ${values.join(', ')}.`);
  };
}

/** Every region a user types goes through this one check (exit 2, the closest real region suggested). */
export function parseRegion(raw: string): string {
  const r = checkRegionName(raw, printable(raw.trim(), 32));
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  return r.value;
}

export function intParser(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name} must be a whole number between ${min} and ${max}.`);
    const n = Number(v.trim());
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}.`);
    return n;
  };
}

export function isoNow(ctx: Context): string {
  return ctx.now().toISOString();
}

/**
 * The platform's own credentials are the fallback target of every workspace in this config: only
 * someone who owns a workspace here may set or remove them (anyone, before the first workspace).
 */
export function requirePlatformAdmin(ctx: Context, doc: ConfigDoc, what: string): void {
  const owners = [...new Set(Object.values(doc.workspaces).map((w) => w.owner))];
  if (owners.length === 0 || owners.includes(ctx.user)) return;
  throw new UsageError('platform-admin-only', `Only a workspace owner can ${what}; ${ctx.user} owns no workspace in this configuration.`, `Ask one of: ${owners.join(', ')}.`);
}
