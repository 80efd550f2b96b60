// Audit event shape, canonical serialisation and the hash-chain link. Pure (node:crypto's
// SHA-256 is deterministic). Fallback events must carry every field the product document lists,
// and no event may carry key material.
import { createHash } from 'node:crypto';

export interface AuditEventInput {
  type: string;
  user: string;
  workspace: string | null;
  details: Record<string, string | number | boolean | null>;
}

/** Product document, "What happens during a fallback": every field an audit event must carry. */
export const FALLBACK_AUDIT_FIELDS = ['originalErrorCode', 'platformEndpoint', 'user', 'workspace', 'conversation', 'model', 'inputTokens', 'outputTokens', 'region'] as const;

/** Every event type byok writes (`audit list --type` accepts these and no other). */
export const AUDIT_EVENT_TYPES = [
  'access-key-created', 'audit-anchor-reset', 'audit-uncommitted-rolled-back', 'catalog-updated', 'config-changed',
  'credentials-removed', 'credentials-set', 'fallback', 'fallback-completed', 'gateway-token-created', 'gateway-token-revoked', 'key-rotated', 'key-rotation-rolled-back',
  'member-added', 'member-removed', 'platform-credentials-removed', 'platform-credentials-set', 'policy-changed',
  'policy-confirmed', 'setup-completed', 'workspace-created',
] as const;

export const GENESIS_HASH = '0'.repeat(64);

const KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;
const SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40,41}(?![A-Za-z0-9/+=])/;
const TOKEN = /[A-Za-z0-9/+=]{100,}/;

export function validateAuditEvent(e: AuditEventInput): { ok: true } | { ok: false; reason: string } {
  if (typeof e.type !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(e.type)) return { ok: false, reason: 'the event type is not a lower-case name' };
  if (typeof e.user !== 'string' || e.user === '') return { ok: false, reason: 'the event has no user' };
  if (e.type === 'fallback') {
    const missing = FALLBACK_AUDIT_FIELDS.filter((f) => !(f in e.details));
    if (missing.length > 0) return { ok: false, reason: `a fallback event must record ${missing.join(', ')}` };
  }
  for (const [k, v] of Object.entries({ ...e.details, user: e.user, workspace: e.workspace })) {
    if (typeof v !== 'string') continue;
    if (KEY_ID.test(v) || SECRET.test(v) || TOKEN.test(v)) return { ok: false, reason: `field ${k} looks like key material; audit events carry masked identifiers only` };
  }
  return { ok: true };
}

/** JSON with object keys sorted at every level, so the hash does not depend on insertion order. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function linkHash(prev: string, seq: number, at: string, event: AuditEventInput): string {
  return createHash('sha256').update(prev).update(canonicalJson({ seq, at, event })).digest('hex');
}
