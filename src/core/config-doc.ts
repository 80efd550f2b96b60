// The config document: everything byok keeps per user, sealed as one authenticated unit by
// src/store. Pure types, defaults and validation; no I/O.

export const PLANS = ['free', 'pro', 'scale', 'scale-plus', 'enterprise', 'byoc'] as const;
export type Plan = (typeof PLANS)[number];

export const POLICY_MODES = ['allow', 'warn', 'strict'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

export const GEOGRAPHIES = ['global', 'us', 'eu', 'apac'] as const;
export type Geography = (typeof GEOGRAPHIES)[number];

/** A credential set as stored (encrypted at rest with the rest of the document). */
export interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for ASIA (temporary) keys only. */
  sessionToken?: string;
  /** ISO 8601; required for ASIA keys. */
  expiresAt?: string;
  /** Where the key came from: typed in, imported from a profile, created by `byok iam`. */
  source: 'stdin' | 'prompt' | 'environment' | 'profile' | 'iam';
  storedAt: string;
  /** The IAM user the key belongs to, when byok created it. */
  iamUserName?: string;
}

/**
 * A Bedrock API key as the workspace's provider (issue 14), sealed like every secret. Either a key
 * the admin gave (long-term, or a short-term one that cannot be renewed), or `minted`: byok makes
 * short-term keys itself from the workspace's IAM credentials, in its region (cached in apiKeyCache).
 */
export type StoredApiKey =
  | { kind: 'long-term'; key: string; expiresAt?: string; source: 'stdin' | 'prompt' | 'iam'; storedAt: string; iamUserName?: string; credentialId?: string }
  | { kind: 'short-term'; key: string; region: string; expiresAt: string; source: 'stdin' | 'prompt'; storedAt: string }
  | { kind: 'short-term'; minted: true; storedAt: string };

/** A short-term key byok minted, kept until five minutes before it expires (as the STS session). */
export interface CachedApiKey {
  key: string;
  region: string;
  expiresAt: string;
  mintedAt: string;
  /** The stored IAM access key it derives from: a replaced key invalidates it. */
  forAccessKeyId: string;
}

/** STS GetSessionToken result cached for an AKIA key (issue 5). */
export interface CachedSession {
  forAccessKeyId: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: string;
  obtainedAt: string;
}

export interface ConnectionTestRecord {
  at: string;
  ok: boolean;
  summary: string;
}

export interface Workspace {
  name: string;
  plan: Plan;
  owner: string;
  members: string[];
  createdAt: string;
  /** BYOK can be switched off without deleting credentials ("BYOK is enabled" in Troubleshooting). */
  byokEnabled: boolean;
  geography?: Geography;
  region?: string;
  policy: PolicyMode;
  /** Enterprise admin lock: policy pinned at strict, members cannot change it. */
  policyLocked: boolean;
  /** Set by a `warn` fallback; cleared by `byok policy confirm`. */
  confirmationRequired?: { since: string; reason: string };
  credentials?: StoredCredentials;
  session?: CachedSession;
  /** Bedrock API key provider: when set, Bedrock calls send this key instead of SigV4 (issue 14). */
  apiKey?: StoredApiKey;
  apiKeyCache?: CachedApiKey;
  lastConnectionTest?: ConnectionTestRecord;
  /** The inference profiles AWS listed for `region` (models check): they win over byok's table. */
  catalog?: StoredCatalog;
  /** Bearer tokens for `byok gateway` (issue 13): only their SHA-256 is kept, never the token. */
  gatewayTokens?: GatewayTokenRecord[];
}

/** One gateway token as stored: who it acts as, and the SHA-256 (hex) of the token itself. */
export interface GatewayTokenRecord {
  id: string;
  user: string;
  sha256: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** Live inference profiles as AWS returned them from one source region (DESIGN §4.2). */
export interface StoredCatalog {
  region: string;
  fetchedAt: string;
  /** ListInferenceProfiles (the whole list), or GetInferenceProfile for the routed profiles only. */
  source: 'ListInferenceProfiles' | 'GetInferenceProfile';
  profiles: LiveProfile[];
}

/** The stored catalog where it applies: read from the workspace's current region. */
/** One inference profile as AWS lists it (GetInferenceProfile / ListInferenceProfiles), kept in the catalog. */
export interface LiveProfile {
  profileId: string;
  sourceRegion: string;
  destinations: string[];
  status?: string;
}

export function workspaceCatalog(ws: Pick<Workspace, 'region' | 'catalog'>): readonly LiveProfile[] | undefined {
  return ws.catalog && ws.region !== undefined && ws.catalog.region === ws.region ? ws.catalog.profiles : undefined;
}

/** Platform-managed Bedrock credentials for self-hosted deployments (DESIGN §4.3). */
export interface PlatformConfig {
  credentials: StoredCredentials;
  /** Regions the platform serves; a fallback goes only to the original call's region. */
  regions: string[];
  /**
   * The user who first set them: only they replace or remove them. Absent in configs written
   * before byok recorded it; such credentials are not used for a fallback until set again.
   */
  owner?: string;
}

export interface ConfigDoc {
  version: 1;
  currentWorkspace?: string;
  workspaces: Record<string, Workspace>;
  platform?: PlatformConfig;
  /** Head of the audit log hash chain, so truncating the log's tail is detected. */
  audit?: AuditSeal;
  /**
   * The key-file warning was shown for the key file whose fingerprint this is (a hash, never the
   * key), so it is said once per config, not on every command. Sealed with the rest: only a holder
   * of the key sets it, a write under any other key source clears it, and another key warns again.
   * It cannot be stronger than the key file it is about: whoever can read that file can seal a
   * whole config of their own, notice included (BYOK_KEY_SOURCE pinned to the source you chose, or
   * a state anchor, detects that).
   */
  keyFileNotice?: { key: string; at: string };
}

/**
 * What the sealed config knows about the audit log: its head (event count, last hash, size in
 * bytes), the config's generation (one more on every write, compared with the external anchor to
 * detect an older config put back), and while a write is in progress the head it is about to
 * reach (`pending`), so an interrupted write can be told from a rollback.
 */
export interface AuditSeal {
  count: number;
  head: string;
  bytes?: number;
  generation?: number;
  /** The config directory this document was sealed for (realpath): a copy from elsewhere is refused. */
  home?: string;
  /** Where its state anchor is (BYOK_STATE_ANCHOR's path, or the keyring entry): a config that had one is never opened without it. */
  anchor?: string;
  pending?: { count: number; head: string; bytes: number };
}

export function emptyConfig(): ConfigDoc {
  return { version: 1, workspaces: {} };
}

const WORKSPACE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Workspace names are lower-case so they are safe in file names, tags and audit lines. */
export function validateWorkspaceName(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const name = raw.trim();
  if (name.length === 0) return { ok: false, reason: 'the workspace name is empty' };
  if (!WORKSPACE_NAME.test(name)) {
    return {
      ok: false,
      reason:
        'a workspace name is 1-63 characters of lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    };
  }
  return { ok: true, value: name };
}

/** The workspace called `name`, if there is one. Only the map's own entries count: a name such as
 * "constructor" must never find something on Object.prototype. */
export function workspaceNamed(doc: Pick<ConfigDoc, 'workspaces'>, name: string): Workspace | undefined {
  return Object.hasOwn(doc.workspaces, name) ? doc.workspaces[name] : undefined;
}

const USER_NAME = /^[A-Za-z0-9._@+=,-]{1,64}$/;
const USER_NAME_RULE = 'A user name is 1-64 characters of letters, digits and . _ @ + = , -';

/** User names (owner, members, BYOK_USER) are printed and written to the audit log: one plain word. */
export function validateUserName(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const name = raw.trim();
  return USER_NAME.test(name) ? { ok: true, value: name } : { ok: false, reason: USER_NAME_RULE };
}

export function isPlan(v: string): v is Plan {
  return (PLANS as readonly string[]).includes(v);
}
export function isPolicyMode(v: string): v is PolicyMode {
  return (POLICY_MODES as readonly string[]).includes(v);
}
export function isGeography(v: string): v is Geography {
  return (GEOGRAPHIES as readonly string[]).includes(v);
}

/**
 * Structural check of a decrypted document. Decryption already proved integrity; this guards
 * against a document written by a newer byok or a bug, so a bad shape is refused, never "fixed".
 */
export function checkConfigShape(value: unknown): { ok: true; value: ConfigDoc } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'the document is not an object' };
  const doc = value as Partial<ConfigDoc>;
  if (doc.version !== 1) return { ok: false, reason: `unsupported config version ${String(doc.version)}` };
  if (typeof doc.workspaces !== 'object' || doc.workspaces === null) {
    return { ok: false, reason: 'the document has no workspaces map' };
  }
  return { ok: true, value: doc as ConfigDoc };
}
