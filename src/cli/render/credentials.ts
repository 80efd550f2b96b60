// Stored credentials as --json shows them: identifiers masked, never a secret.
import type { StoredCredentials } from '../../core/config-doc.js';
import { expiryStatus, mask } from '../../core/credentials.js';

export function credentialsJson(c: StoredCredentials | undefined, now: Date) {
  if (!c) return { configured: false as const };
  return {
    configured: true as const,
    accessKeyId: mask(c.accessKeyId),
    kind: c.accessKeyId.startsWith('ASIA') ? 'temporary' : 'long-term',
    source: c.source,
    storedAt: c.storedAt,
    session_token_expires_at: c.expiresAt ?? null,
    expiry: expiryStatus(c.expiresAt, now),
    iamUserName: c.iamUserName ?? null,
  };
}
