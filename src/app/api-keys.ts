// Bedrock API keys as the workspace's provider (issue 14): the key in use for a call (a stored one,
// or a short-term one minted from the workspace's IAM credentials and kept until five minutes
// before it expires, as the STS session is), storing a key, and long-term keys through IAM.
//
// AWS's recommendation (Bedrock user guide, "API keys"): short-term keys for production, long-term
// keys for exploration only.
import type { Runtime } from './runtime.js';
import { pickWorkspace, requireAccess, requireOwner } from '../core/access.js';
import { bearerHint, maskApiKey, parseApiKey, type ApiKeyKind } from '../core/api-keys.js';
import type { CachedApiKey, StoredApiKey, Workspace } from '../core/config-doc.js';
import { expiryStatus } from '../core/credentials.js';
import { AwsRefusedError, CheckFailedError, LocalStateError, UsageError } from '../core/errors.js';
import { printable } from '../core/text.js';
import type { AwsCredentials, CredentialSource } from '../aws/clients.js';

export const API_KEY_REFRESH_WINDOW_MS = 5 * 60_000;

/** AWS's advice about long-term keys, in byok's words (said when one is stored or created). */
export const LONG_TERM_WARNING =
  'AWS recommends long-term Bedrock API keys for exploring Bedrock only: a key that lasts until its expiry date (or forever) is a standing secret if it leaks. For production, use short-term keys, which byok mints from IAM credentials and renews itself: byok credentials set --short-term-api-keys';

export interface ApiKeyInUse {
  workspace: string;
  /** The key itself: for the Authorization header and nothing else. */
  token: string;
  kind: ApiKeyKind;
  /** byok mints and renews it (short-term from IAM credentials). */
  minted: boolean;
  source: 'stored' | 'cached' | 'minted';
  expiresAt: string | null;
  region: string;
}

/** The workspace's provider: IAM credentials (SigV4) or a Bedrock API key. */
export function providerOf(ws: Pick<Workspace, 'apiKey'>): 'iam' | 'bedrock-api-key' {
  return ws.apiKey ? 'bedrock-api-key' : 'iam';
}

/** What `config show` and `credentials show` say about the key: kind, region, expiry — never the key. */
export function apiKeySummary(ws: Pick<Workspace, 'apiKey' | 'apiKeyCache' | 'region' | 'credentials'>): { kind: ApiKeyKind; minted: boolean; key: string | null; region: string | null; expiresAt: string | null; source: string } | null {
  const k = ws.apiKey;
  if (!k) return null;
  if ('minted' in k) {
    const c = ws.apiKeyCache && ws.apiKeyCache.forAccessKeyId === ws.credentials?.accessKeyId && ws.apiKeyCache.region === ws.region ? ws.apiKeyCache : undefined;
    return { kind: 'short-term', minted: true, key: c ? maskApiKey(c.key) : null, region: ws.region ?? null, expiresAt: c?.expiresAt ?? null, source: 'minted from the workspace IAM credentials' };
  }
  return { kind: k.kind, minted: false, key: maskApiKey(k.key), region: k.kind === 'short-term' ? k.region : null, expiresAt: k.expiresAt ?? null, source: k.source };
}

/** The Bedrock API key for a call, or null when the workspace uses IAM credentials. */
export async function apiKeyInUse(rt: Runtime, opts: { workspace?: string; forceRefresh?: boolean; requestTimeoutMs?: number } = {}): Promise<ApiKeyInUse | null> {
  const { doc } = await rt.store().read();
  const ws = pickWorkspace(rt, doc, opts.workspace);
  const k = ws.apiKey;
  if (!k) return null;
  const { usableWorkspace, CredentialsRefusedError, credentialsInUse } = await import('./credentials.js');
  const { region } = usableWorkspace(rt, ws);
  const now = rt.now();
  if (!('minted' in k)) {
    if (k.kind === 'short-term' && k.region !== region) {
      throw new CredentialsRefusedError('api-key-region-mismatch', `The short-term Bedrock API key of workspace ${ws.name} was made for ${k.region}, and the workspace calls Bedrock in ${region}; no call was made.`, bearerHint('region-mismatch', { kind: 'short-term', minted: false, region: k.region }), 'region-mismatch', { message: `Bedrock API key region mismatch: made for ${k.region}, called in ${region}`, category: 'region-mismatch', retryable: false });
    }
    if (k.expiresAt !== undefined && expiryStatus(k.expiresAt, now, 0) === 'expired') {
      throw new CredentialsRefusedError('api-key-expired', `The ${k.kind} Bedrock API key of workspace ${ws.name} expired at ${k.expiresAt}; no call was made.`, bearerHint('expired', { kind: k.kind, minted: false }), 'session-expired', null);
    }
    if (opts.forceRefresh) throw new UsageError('cannot-refresh-api-key', `byok cannot renew the ${k.kind} Bedrock API key it was given.`, 'Store a new key (byok credentials set --bedrock-api-key-stdin), or let byok mint short-term keys: byok credentials set --short-term-api-keys');
    return { workspace: ws.name, token: k.key, kind: k.kind, minted: false, source: 'stored', expiresAt: k.expiresAt ?? null, region };
  }
  const iam = ws.credentials;
  if (!iam) throw new UsageError('no-iam-credentials', `Workspace ${ws.name} mints short-term Bedrock API keys from IAM credentials, and has none.`, 'Store them: byok credentials set --access-key-id ID --secret-access-key-stdin');
  const cached = ws.apiKeyCache;
  if (!opts.forceRefresh && cached && cached.forAccessKeyId === iam.accessKeyId && cached.region === region && expiryStatus(cached.expiresAt, now, API_KEY_REFRESH_WINDOW_MS) === 'valid') {
    return { workspace: ws.name, token: cached.key, kind: 'short-term', minted: true, source: 'cached', expiresAt: cached.expiresAt, region };
  }
  // The key lasts the shorter of 12 hours and the credentials that sign it (the STS session for an
  // AKIA key, refreshed by credentialsInUse with the same five-minute window).
  const creds = await credentialsInUse(rt, { workspace: ws.name, forceRefresh: opts.forceRefresh && iam.accessKeyId.startsWith('AKIA'), requestTimeoutMs: opts.requestTimeoutMs });
  const { mintShortTermKey } = await import('../aws/api-keys.js');
  const m = await mintShortTermKey(creds.credentials, region, { now });
  const entry: CachedApiKey = { key: m.token, region, expiresAt: m.expiresAt.toISOString(), mintedAt: now.toISOString(), forAccessKeyId: iam.accessKeyId };
  await rt.store().update((d) => {
    const w = d.workspaces[ws.name];
    // Kept only if neither the provider nor the IAM key changed meanwhile.
    if (w?.apiKey && 'minted' in w.apiKey && w.credentials?.accessKeyId === iam.accessKeyId) w.apiKeyCache = entry;
  });
  return { workspace: ws.name, token: entry.key, kind: 'short-term', minted: true, source: 'minted', expiresAt: entry.expiresAt, region };
}

export interface StoreApiKeyResult { workspace: string; summary: NonNullable<ReturnType<typeof apiKeySummary>>; warning: string | null }

/** `credentials set --bedrock-api-key-stdin`: validates (never echoing it) and stores a key the admin has. */
export async function storeApiKey(rt: Runtime, input: { key: string; expiresAt?: string; source: 'stdin' | 'prompt' }): Promise<StoreApiKeyResult> {
  const now = rt.now();
  const parsed = parseApiKey(input.key, now);
  if (!parsed.ok) throw new UsageError(`invalid-api-key-${parsed.error.code}`, parsed.error.message, parsed.error.hint);
  const p = parsed.value;
  let expiresAt: string | undefined;
  if (input.expiresAt !== undefined) {
    if (p.kind === 'short-term') throw new UsageError('expiry-with-short-term-key', 'A short-term key carries its own expiry; --expires-at is for long-term keys.', 'Drop --expires-at.');
    const d = new Date(input.expiresAt);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(input.expiresAt) || Number.isNaN(d.getTime())) throw new UsageError('invalid-expires-at', `"${printable(input.expiresAt, 40)}" is not an ISO 8601 time.`, 'Give the ExpirationDate IAM showed for the key, e.g. 2026-12-31T00:00:00Z.');
    if (d.getTime() <= now.getTime()) throw new UsageError('api-key-expired', `That expiry (${d.toISOString()}) has passed: the key no longer works.`, 'Create a new key: byok iam create-api-key');
    expiresAt = d.toISOString();
  }
  const { result } = await rt.store().update((doc, tx) => {
    const ws = pickWorkspace(rt, doc);
    requireOwner(rt, ws, 'change BYOK credentials');
    if (p.kind === 'short-term' && ws.region !== undefined && p.region !== ws.region) {
      throw new UsageError('api-key-region-mismatch', `This short-term key was made for ${p.region}; workspace ${ws.name} calls Bedrock in ${ws.region}, where AWS refuses it.`, bearerHint('region-mismatch', { kind: 'short-term', minted: false, region: p.region }));
    }
    const stored: StoredApiKey = p.kind === 'long-term'
      ? { kind: 'long-term', key: p.key, ...(expiresAt ? { expiresAt } : {}), source: input.source, storedAt: now.toISOString() }
      : { kind: 'short-term', key: p.key, region: p.region!, expiresAt: p.expiresAt!, source: input.source, storedAt: now.toISOString() };
    ws.apiKey = stored;
    delete ws.apiKeyCache;
    delete ws.lastConnectionTest;
    tx.audit({ type: 'credentials-set', user: rt.user, workspace: ws.name, details: { provider: 'bedrock-api-key', kind: p.kind, source: input.source, region: p.region ?? null, expiresAt: ('expiresAt' in stored ? stored.expiresAt : undefined) ?? null } });
    return { workspace: ws.name, summary: apiKeySummary(ws)! };
  });
  return { ...result, warning: p.kind === 'long-term' ? LONG_TERM_WARNING : null };
}

/** `credentials set --short-term-api-keys`: byok mints keys from the workspace's IAM credentials. */
export async function useShortTermKeys(rt: Runtime): Promise<StoreApiKeyResult> {
  const { result } = await rt.store().update((doc, tx) => {
    const ws = pickWorkspace(rt, doc);
    requireOwner(rt, ws, 'change BYOK credentials');
    if (!ws.credentials) throw new UsageError('no-iam-credentials', `Workspace ${ws.name} has no IAM credentials to mint short-term keys from.`, 'Store them first: byok credentials set --access-key-id ID --secret-access-key-stdin (or byok iam provision), then byok credentials set --short-term-api-keys');
    if (!ws.region) throw new UsageError('region-not-set', `Workspace ${ws.name} has no region: a short-term key works only in the region it is made for.`, 'Run: byok config set region REGION');
    ws.apiKey = { kind: 'short-term', minted: true, storedAt: rt.now().toISOString() };
    delete ws.apiKeyCache;
    delete ws.lastConnectionTest;
    tx.audit({ type: 'credentials-set', user: rt.user, workspace: ws.name, details: { provider: 'bedrock-api-key', kind: 'short-term', source: 'minted', region: ws.region } });
    return { workspace: ws.name, summary: apiKeySummary(ws)! };
  });
  // Mint one now, so a problem with the IAM credentials shows here and not at the first call.
  const k = await apiKeyInUse(rt, { workspace: result.workspace });
  return { workspace: result.workspace, summary: { ...result.summary, key: k ? maskApiKey(k.token) : null, expiresAt: k?.expiresAt ?? null }, warning: null };
}

/** Back to IAM credentials (SigV4): the stored key is forgotten, the IAM credentials stay. */
export async function removeApiKey(rt: Runtime): Promise<{ workspace: string; removed: boolean }> {
  const { result } = await rt.store().update((doc, tx) => {
    const ws = pickWorkspace(rt, doc);
    requireOwner(rt, ws, 'change BYOK credentials');
    const had = ws.apiKey !== undefined;
    if (had) tx.audit({ type: 'credentials-removed', user: rt.user, workspace: ws.name, details: { provider: 'bedrock-api-key', kind: ws.apiKey!.kind } });
    delete ws.apiKey;
    delete ws.apiKeyCache;
    delete ws.lastConnectionTest;
    return { workspace: ws.name, removed: had };
  });
  return result;
}

// ---- Long-term keys through IAM ----

const USER_NAME = /^[\w+=,.@-]{1,64}$/;
/** The inline policy a long-term key's user needs besides its Bedrock permissions (bedrock:CallWithBearerToken). */
export const BEARER_POLICY_NAME = 'byok-bedrock-api-key';
export function bearerPolicyDocument(): string {
  // bedrock:CallWithBearerToken with bedrock:bearerTokenType (Bedrock user guide, "Control
  // permissions for generating and using Amazon Bedrock API keys"): long-term keys only.
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'UseLongTermBedrockApiKey', Effect: 'Allow', Action: 'bedrock:CallWithBearerToken', Resource: '*', Condition: { StringEquals: { 'bedrock:bearerTokenType': 'LONG_TERM' } } }] });
}

/** The admin identity: explicit AWS_* variables, else the SDK's node chain (--profile, SSO, ...). */
async function adminCredentials(rt: Runtime, profile?: string): Promise<CredentialSource> {
  if (!profile && rt.env.AWS_ACCESS_KEY_ID && rt.env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: rt.env.AWS_ACCESS_KEY_ID, secretAccessKey: rt.env.AWS_SECRET_ACCESS_KEY, sessionToken: rt.env.AWS_SESSION_TOKEN || undefined } satisfies AwsCredentials;
  }
  if (profile !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(profile)) throw new UsageError('invalid-profile', `"${printable(profile)}" is not an AWS profile name.`, 'Profile names are letters, digits and . _ -');
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider(profile ? { profile } : {});
}

function userFor(ws: Workspace, userName: string | undefined): string {
  const u = (userName ?? (ws.apiKey && !('minted' in ws.apiKey) && ws.apiKey.kind === 'long-term' ? ws.apiKey.iamUserName : undefined) ?? ws.credentials?.iamUserName ?? 'byok-bedrock').trim();
  if (!USER_NAME.test(u)) throw new UsageError('invalid-user-name', `"${printable(u)}" is not a valid IAM user name.`, 'IAM user names are 1-64 characters of letters, digits and + = , . @ _ -');
  return u;
}

function iamRefused(e: unknown, what: string): never {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? 'Error';
  const msg = `${name}${err.message ? ` — ${err.message}` : ''}`;
  if (err.$metadata?.httpStatusCode === 403 || /AccessDenied|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/.test(name)) {
    throw new AwsRefusedError('admin-refused', `AWS refused ${what}: ${msg}`, 'Creating a long-term key needs an admin identity with iam:CreateServiceSpecificCredential and iam:PutUserPolicy on the user: set AWS_PROFILE / --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.', { cause: e });
  }
  if (/LimitExceeded/.test(name)) throw new AwsRefusedError('api-key-limit', `AWS refused ${what}: ${msg}`, 'An IAM user has at most two Bedrock API keys. Revoke one first: byok iam list-api-keys, then byok iam revoke-api-key --key-id ID', { cause: e });
  if (/NoSuchEntity/.test(name)) throw new UsageError('no-such-user', `AWS refused ${what}: ${msg}`, 'Create the user first (byok iam provision), or pass --user-name of an existing user.');
  throw new CheckFailedError('aws-error', `AWS failed ${what}: ${msg}`, 'Re-run the command.');
}

export interface CreateApiKeyResult {
  workspace: string;
  userName: string;
  keyId: string;
  alias: string | null;
  expiresAt: string | null;
  stored: true;
  warning: string;
}

/**
 * `byok iam create-api-key`: puts the bearer policy on the user, creates the key, and stores its
 * one-time secret in the sealed config before anything else can fail — or deletes it in IAM again.
 */
export async function createApiKey(rt: Runtime, o: { userName?: string; expiresInDays?: number; profile?: string; workspace?: string; adoptExistingUser?: boolean }): Promise<CreateApiKeyResult> {
  if (o.expiresInDays !== undefined && (!Number.isInteger(o.expiresInDays) || o.expiresInDays < 1 || o.expiresInDays > 36600)) {
    throw new UsageError('invalid-expires-in', 'A long-term key lasts 1 to 36600 days (IAM\'s CredentialAgeDays).', 'Pass --expires-in 30d (or up to 36600d).');
  }
  const { doc } = await rt.store().read();
  const ws = pickWorkspace(rt, doc, o.workspace);
  requireOwner(rt, ws, 'create a Bedrock API key');
  const userName = userFor(ws, o.userName);
  // One IAM user serves one workspace's route: refused as create-access-key refuses it (attack review, stop 23).
  const { guardUserForWorkspace } = await import('./provision.js');
  await guardUserForWorkspace(rt, ws, userName, o);
  const { openApiKeyIam } = await import('../aws/api-keys.js');
  const iam = await openApiKeyIam(rt.env, await adminCredentials(rt, o.profile), rt.now().getTime() - Date.now());
  try {
    await iam.putUserPolicy(userName, BEARER_POLICY_NAME, bearerPolicyDocument());
  } catch (e) {
    iamRefused(e, `the bearer-token policy of ${userName}`);
  }
  let created: Awaited<ReturnType<typeof iam.create>>;
  try {
    created = await iam.create(userName, o.expiresInDays);
  } catch (e) {
    iamRefused(e, `a Bedrock API key for ${userName}`);
  }
  // The secret exists once, here: sealed in the config now, or the credential goes again.
  try {
    const parsed = parseApiKey(created.secret, rt.now());
    if (!parsed.ok || parsed.value.kind !== 'long-term') throw new Error('IAM returned no long-term Bedrock API key');
    await rt.store().update((d, tx) => {
      const w = pickWorkspace(rt, d, ws.name);
      requireOwner(rt, w, 'create a Bedrock API key');
      w.apiKey = { kind: 'long-term', key: parsed.value.key, ...(created.expiresAt ? { expiresAt: created.expiresAt } : {}), source: 'iam', storedAt: rt.now().toISOString(), iamUserName: userName, credentialId: created.id };
      delete w.apiKeyCache;
      delete w.lastConnectionTest;
      tx.audit({ type: 'api-key-created', user: rt.user, workspace: w.name, details: { provider: 'bedrock-api-key', kind: 'long-term', iamUserName: userName, keyId: created.id, expiresAt: created.expiresAt } });
    });
  } catch (e) {
    let deleted = false;
    try {
      await iam.remove(userName, created.id);
      deleted = true;
    } catch {
      /* said below */
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new LocalStateError(
      'api-key-not-stored',
      `The new Bedrock API key ${created.id} could not be stored in the config (${why}); ${deleted ? 'it was deleted again in IAM, so no secret is lost' : `deleting it again FAILED: delete it yourself: aws iam delete-service-specific-credential --user-name ${userName} --service-specific-credential-id ${created.id}`}.`,
      'Fix the config problem (byok config show), then re-run.',
      { cause: e },
    );
  }
  return { workspace: ws.name, userName, keyId: created.id, alias: created.alias, expiresAt: created.expiresAt, stored: true, warning: LONG_TERM_WARNING };
}

export async function listApiKeys(rt: Runtime, o: { userName?: string; profile?: string }): Promise<{ workspace: string; userName: string; keys: (import('../aws/api-keys.js').ServiceKeyMeta & { inWorkspace: boolean })[] }> {
  const { doc } = await rt.store().read();
  const ws = pickWorkspace(rt, doc);
  requireAccess(rt, ws);
  const userName = userFor(ws, o.userName);
  const { openApiKeyIam } = await import('../aws/api-keys.js');
  const iam = await openApiKeyIam(rt.env, await adminCredentials(rt, o.profile), rt.now().getTime() - Date.now());
  let keys;
  try {
    keys = await iam.list(userName);
  } catch (e) {
    iamRefused(e, `the Bedrock API keys of ${userName}`);
  }
  const mine = ws.apiKey && !('minted' in ws.apiKey) && ws.apiKey.kind === 'long-term' ? ws.apiKey.credentialId : undefined;
  return { workspace: ws.name, userName, keys: keys.map((k) => ({ ...k, inWorkspace: k.id === mine })) };
}

/** `byok iam revoke-api-key`: deletes the key in IAM; if it is the workspace's, the workspace forgets it. */
export async function revokeApiKey(rt: Runtime, o: { keyId: string; userName?: string; profile?: string }): Promise<{ workspace: string; userName: string; keyId: string; wasWorkspaceKey: boolean }> {
  if (!/^\w{20,128}$/.test(o.keyId)) throw new UsageError('invalid-key-id', `"${printable(o.keyId, 40)}" is not a key ID.`, 'Use the ID byok iam list-api-keys shows (ServiceSpecificCredentialId), never the key itself.');
  const { doc } = await rt.store().read();
  const ws = pickWorkspace(rt, doc);
  requireOwner(rt, ws, 'revoke a Bedrock API key');
  const userName = userFor(ws, o.userName);
  const { openApiKeyIam } = await import('../aws/api-keys.js');
  const iam = await openApiKeyIam(rt.env, await adminCredentials(rt, o.profile), rt.now().getTime() - Date.now());
  try {
    await iam.remove(userName, o.keyId);
  } catch (e) {
    iamRefused(e, `revoking Bedrock API key ${o.keyId} of ${userName}`);
  }
  const { result } = await rt.store().update((d, tx) => {
    const w = pickWorkspace(rt, d, ws.name);
    const was = w.apiKey !== undefined && !('minted' in w.apiKey) && w.apiKey.kind === 'long-term' && w.apiKey.credentialId === o.keyId;
    if (was) {
      delete w.apiKey;
      delete w.lastConnectionTest;
    }
    tx.audit({ type: 'api-key-revoked', user: rt.user, workspace: w.name, details: { provider: 'bedrock-api-key', iamUserName: userName, keyId: o.keyId, wasWorkspaceKey: was } });
    return was;
  });
  return { workspace: ws.name, userName, keyId: o.keyId, wasWorkspaceKey: result };
}
