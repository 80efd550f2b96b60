// The BYOK credentials in use (DESIGN §4.1): an ASIA key as it is, its expiry checked before
// every call; an AKIA key through an STS session cached (encrypted, in the config) until five
// minutes before it expires — aws-vault's model.
import type { Runtime } from './runtime.js';
import { pickWorkspace, requireAccess } from '../core/access.js';
import type { CachedSession, ConfigDoc, Workspace } from '../core/config-doc.js';
import { expiryStatus, mask } from '../core/credentials.js';
import type { ErrorCategory } from '../core/error-classes.js';
import { AwsRefusedError, UsageError } from '../core/errors.js';
import type { AwsCredentials } from '../aws/clients.js';
import { toAwsFailure, type AwsFailure } from '../aws/errors.js';
import { getSessionToken } from '../aws/sts.js';

export const SESSION_REFRESH_WINDOW_MS = 5 * 60_000;

/** ctx.now() − host clock: passed to every client so requests are signed at the context's time. */
export function clockOffsetMs(ctx: Runtime): number {
  return ctx.now().getTime() - Date.now();
}

/** AWS refused the credentials outright (or an ASIA key had expired and no call was made): exit 4. */
export class CredentialsRefusedError extends AwsRefusedError {
  readonly category: ErrorCategory;
  readonly failure: AwsFailure | null;
  /** Always given: what to do about a refusal byok decided beyond AWS's words. */
  declare readonly hint: string;
  constructor(code: string, message: string, hint: string, category: ErrorCategory, failure: AwsFailure | null, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.name = 'CredentialsRefusedError';
    this.category = category;
    this.failure = failure;
  }
}

export interface CredentialsInUse {
  workspace: string;
  credentials: AwsCredentials;
  /** How they were obtained this time. */
  source: 'temporary-key' | 'cached-session' | 'new-session';
  /** The stored key (masked) the credentials derive from. */
  accessKeyId: string;
  kind: 'long-term' | 'temporary';
  expiresAt: string | null;
  region: string;
}

/** The owner's configuration, as a member or the owner sees it; refuses what cannot work. */
export function usableWorkspace(ctx: Runtime, ws: Workspace): { region: string } {
  requireAccess(ctx, ws);
  if (!ws.byokEnabled) {
    throw new UsageError('byok-disabled', `BYOK is disabled in workspace ${ws.name}.`, `The owner (${ws.owner}) can enable it: byok config set enabled true`);
  }
  // A Bedrock API key given to byok needs no IAM credentials; one byok mints does (apiKeyInUse).
  if (!ws.credentials && !(ws.apiKey && !('minted' in ws.apiKey))) {
    throw new UsageError('owner-not-configured', `The workspace owner (${ws.owner}) has not configured BYOK credentials for ${ws.name}.`, 'The owner runs: byok credentials set --access-key-id ID --secret-access-key-stdin (or byok setup).');
  }
  if (!ws.region || !ws.geography) {
    throw new UsageError('region-not-set', `Workspace ${ws.name} has no ${ws.geography ? 'region' : 'geography'} set.`, ws.geography ? 'Run: byok config set region REGION' : 'Run: byok config set geography global|us|eu|apac, then byok config set region REGION');
  }
  return { region: ws.region };
}

export async function credentialsInUse(ctx: Runtime, opts: { workspace?: string; forceRefresh?: boolean; requestTimeoutMs?: number; /** The config as the caller just read it (one read per command). */ doc?: ConfigDoc } = {}): Promise<CredentialsInUse> {
  const doc = opts.doc ?? (await ctx.store().read()).doc;
  const ws = pickWorkspace(ctx, doc, opts.workspace);
  const { region } = usableWorkspace(ctx, ws);
  if (!ws.credentials) {
    // A workspace whose provider is a Bedrock API key given to byok (usableWorkspace lets it through).
    throw new UsageError('no-iam-credentials', `Workspace ${ws.name} calls Bedrock with a Bedrock API key and has no IAM credentials; this needs IAM (SigV4) credentials.`, 'Commands that call Bedrock use the key; for this one store IAM credentials as well: byok credentials set --access-key-id ID --secret-access-key-stdin');
  }
  const c = ws.credentials;
  const now = ctx.now();
  if (c.accessKeyId.startsWith('ASIA')) {
    if (expiryStatus(c.expiresAt, now, 0) === 'expired' || c.expiresAt === undefined) {
      throw new CredentialsRefusedError(
        'session-expired',
        `The temporary credentials ${mask(c.accessKeyId)} of workspace ${ws.name} expired at ${c.expiresAt ?? '(unknown)'}; no call was made.`,
        'Temporary (ASIA) credentials cannot be refreshed. Reconfigure with new ones: byok credentials set --access-key-id ASIA... --secret-access-key-stdin --session-token-stdin --expires-at ISO8601, or use a long-term AKIA key that byok refreshes itself.',
        'session-expired',
        null,
      );
    }
    if (opts.forceRefresh) {
      throw new UsageError('cannot-refresh-temporary', 'Temporary (ASIA) credentials cannot be refreshed.', 'Reconfigure with new credentials: byok credentials set ...');
    }
    return {
      workspace: ws.name,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(c.expiresAt) },
      source: 'temporary-key',
      accessKeyId: mask(c.accessKeyId),
      kind: 'temporary',
      expiresAt: c.expiresAt,
      region,
    };
  }
  const cached = ws.session;
  if (!opts.forceRefresh && cached && cached.forAccessKeyId === c.accessKeyId && expiryStatus(cached.expiresAt, now, SESSION_REFRESH_WINDOW_MS) === 'valid') {
    return { workspace: ws.name, credentials: sessionToSdk(cached), source: 'cached-session', accessKeyId: mask(c.accessKeyId), kind: 'long-term', expiresAt: cached.expiresAt, region };
  }
  // One STS call per key at a time: concurrent callers (the gateway's clients) share it.
  const flight = `${ctx.configDir}|${ws.name}|${c.accessKeyId}`;
  const pending = inFlight.get(flight);
  if (pending && !opts.forceRefresh) return pending;
  const p = newSession(ctx, ws, c, region, now, opts);
  inFlight.set(flight, p);
  try {
    return await p;
  } finally {
    if (inFlight.get(flight) === p) inFlight.delete(flight);
  }
}

const inFlight = new Map<string, Promise<CredentialsInUse>>();

async function newSession(ctx: Runtime, ws: Workspace, c: NonNullable<Workspace['credentials']>, region: string, now: Date, opts: { requestTimeoutMs?: number }): Promise<CredentialsInUse> {
  let s;
  try {
    s = await getSessionToken(ctx.env, region, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, undefined, {
      clockOffsetMs: clockOffsetMs(ctx),
      requestTimeoutMs: opts.requestTimeoutMs,
    });
  } catch (e) {
    const f = toAwsFailure(e);
    if (f.category === 'credential-invalid' || f.category === 'session-expired' || f.status === 403) {
      throw new CredentialsRefusedError(
        'credentials-refused',
        `AWS refused the credentials ${mask(c.accessKeyId)} of workspace ${ws.name}: ${f.code ?? 'error'}${f.message ? ` — ${f.message}` : ''}`,
        'Check that the key has not been rotated or deleted and that the secret is right (aws sts get-caller-identity); then byok credentials set ... with the current key.',
        f.category === 'session-expired' || f.category === 'iam-permission' ? f.category : 'credential-invalid',
        f,
        { cause: e },
      );
    }
    throw e;
  }
  const session: CachedSession = {
    forAccessKeyId: c.accessKeyId,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    sessionToken: s.sessionToken,
    expiresAt: s.expiration.toISOString(),
    obtainedAt: now.toISOString(),
  };
  await ctx.store().update((d) => {
    const w = d.workspaces[ws.name];
    // Only cache if the key has not been replaced meanwhile by another process.
    if (w?.credentials?.accessKeyId === c.accessKeyId) w.session = session;
  });
  return { workspace: ws.name, credentials: sessionToSdk(session), source: 'new-session', accessKeyId: mask(c.accessKeyId), kind: 'long-term', expiresAt: session.expiresAt, region };
}

function sessionToSdk(s: CachedSession): AwsCredentials {
  return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiration: new Date(s.expiresAt) };
}

/** The keys of an AWS shared-config profile (for credentials set --profile and setup's import); UsageError if unreadable. */
export async function profileCredentials(rt: Pick<Runtime, 'env'>, profile: string): Promise<import('../aws/profile.js').ProfileCredentials> {
  const { readProfileCredentials } = await import('../aws/profile.js');
  return readProfileCredentials(rt, profile);
}
