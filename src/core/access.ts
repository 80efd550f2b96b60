// Who may do what in a workspace (DESIGN §4.4): pure, on the document and the acting user.
import { workspaceNamed, type ConfigDoc, type Workspace } from './config-doc.js';
import { UsageError } from './errors.js';
import { printable } from './text.js';

export { printable } from './text.js';

/** The acting user and the workspace they asked for (--workspace): what access decisions need. */
export interface Actor {
  user: string;
  flags: { workspace?: string };
}

export type Role = 'owner' | 'member' | 'none';

export function roleOf(ws: Workspace, user: string): Role {
  if (ws.owner === user) return 'owner';
  return ws.members.includes(user) ? 'member' : 'none';
}

/** The workspace a command acts on: --workspace, else the current one. */
export function pickWorkspace(ctx: Actor, doc: ConfigDoc, explicit?: string): Workspace {
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
export function requireAccess(ctx: Actor, ws: Workspace): Role {
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
export function requireOwner(ctx: Actor, ws: Workspace, what: string): void {
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


