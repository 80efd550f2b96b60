// Gateway bearer tokens (issue 13): created by the workspace owner for one user, shown once, kept
// as SHA-256 in the sealed config, listed without the secret, revoked; each change audited.
import { pickWorkspace, requireOwner, roleOf } from '../../core/access.js';
import { validateUserName, type GatewayTokenRecord } from '../../core/config-doc.js';
import { UsageError } from '../../core/errors.js';
import { newGatewayToken } from '../../core/gateway.js';
import { printable } from '../../core/text.js';
import type { Runtime } from '../runtime.js';

export interface TokenView { id: string; user: string; createdAt: string; createdBy: string; revokedAt: string | null; revokedBy: string | null }

const view = (r: GatewayTokenRecord): TokenView => ({ id: r.id, user: r.user, createdAt: r.createdAt, createdBy: r.createdBy, revokedAt: r.revokedAt ?? null, revokedBy: r.revokedBy ?? null });

/** A new token for `user` (owner or member of the workspace): the token is returned once and never stored. */
export async function createGatewayToken(rt: Runtime, o: { user: string; workspace?: string }): Promise<{ workspace: string; token: string; record: TokenView }> {
  const u = validateUserName(o.user);
  if (!u.ok) throw new UsageError('invalid-user', `"${printable(o.user)}" is not a user name.`, u.reason);
  const made = newGatewayToken();
  const { result } = await rt.store().update((doc, tx) => {
    const ws = pickWorkspace(rt, doc, o.workspace);
    requireOwner(rt, ws, 'create gateway tokens');
    if (roleOf(ws, u.value) === 'none') {
      throw new UsageError('not-a-member', `User "${u.value}" is not a member of workspace "${ws.name}": a gateway token acts as its user, who must be the owner or a member.`, `Add them first: byok workspace add-member ${u.value} --workspace ${ws.name}`);
    }
    const rec: GatewayTokenRecord = { id: made.id, user: u.value, sha256: made.sha256, createdAt: rt.now().toISOString(), createdBy: rt.user };
    (ws.gatewayTokens ??= []).push(rec);
    tx.audit({ type: 'gateway-token-created', user: rt.user, workspace: ws.name, details: { tokenId: rec.id, tokenUser: rec.user } });
    return { workspace: ws.name, rec };
  });
  return { workspace: result.workspace, token: made.token, record: view(result.rec) };
}

export async function listGatewayTokens(rt: Runtime, o: { workspace?: string } = {}): Promise<{ workspace: string; tokens: TokenView[] }> {
  const { doc } = await rt.store().read();
  const ws = pickWorkspace(rt, doc, o.workspace);
  requireOwner(rt, ws, 'list gateway tokens');
  return { workspace: ws.name, tokens: (ws.gatewayTokens ?? []).map(view) };
}

export async function revokeGatewayToken(rt: Runtime, o: { id: string; workspace?: string }): Promise<{ workspace: string; record: TokenView; already: boolean }> {
  const { result } = await rt.store().update((doc, tx) => {
    const ws = pickWorkspace(rt, doc, o.workspace);
    requireOwner(rt, ws, 'revoke gateway tokens');
    const rec = (ws.gatewayTokens ?? []).find((t) => t.id === o.id.trim());
    if (!rec) {
      const ids = (ws.gatewayTokens ?? []).map((t) => t.id);
      throw new UsageError('token-not-found', `No gateway token "${printable(o.id)}" in workspace ${ws.name}.`, ids.length > 0 ? `Tokens: ${ids.join(', ')} (byok gateway token list).` : 'There are no gateway tokens; create one with: byok gateway token create --user NAME');
    }
    if (rec.revokedAt !== undefined) return { workspace: ws.name, rec: { ...rec }, already: true };
    rec.revokedAt = rt.now().toISOString();
    rec.revokedBy = rt.user;
    tx.audit({ type: 'gateway-token-revoked', user: rt.user, workspace: ws.name, details: { tokenId: rec.id, tokenUser: rec.user } });
    return { workspace: ws.name, rec: { ...rec }, already: false };
  });
  return { workspace: result.workspace, record: view(result.rec), already: result.already };
}
