// Emulator state: accounts, IAM users, policies and keys, STS sessions, per-account model
// access, the clock and injected faults. Optionally persisted to a JSON file (0600).
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { evaluateRequest, parsePolicyDocument, type Evaluation, type SourcedPolicy } from './policy-eval.js';
import type { AuthzRequest, Decision, PolicyDocument, Principal } from './types.js';

export interface User {
  name: string;
  id: string;
  arn: string;
  path: string;
  createDate: string;
  tags: { Key: string; Value: string }[];
  inline: Record<string, string>;
  attached: string[];
  /** A permissions boundary (policy document text), set through the control API. */
  permissionsBoundary?: string;
  /**
   * A permissions boundary set through IAM (CreateUser / PutUserPermissionsBoundary): the managed
   * policy's ARN; its default version is evaluated at each request, as AWS does.
   */
  permissionsBoundaryArn?: string;
}

export interface ManagedPolicy {
  arn: string;
  name: string;
  id: string;
  path: string;
  createDate: string;
  versions: { id: string; document: string; isDefault: boolean; createDate: string }[];
  nextVersion: number;
}

export interface AccessKey {
  id: string;
  secret: string;
  accountId: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: string;
  /** Eventual consistency: refused before this emulator time (ms). */
  usableFrom: number;
}

/** An IAM service-specific credential (a long-term Bedrock API key when serviceName is bedrock.amazonaws.com). */
export interface ServiceCredential {
  id: string;
  accountId: string;
  userName: string;
  serviceName: string;
  /** ServiceCredentialAlias: the public part, "the IAM user name and a suffix" (botocore iam model). */
  alias: string;
  /** ServiceCredentialSecret: returned once, by Create (and Reset). */
  secret: string;
  status: 'Active' | 'Inactive';
  createDate: string;
  /** Epoch ms; absent when created without CredentialAgeDays ("the credential will not expire"). */
  expiresAt?: number;
}

export interface Session {
  id: string;
  secret: string;
  token: string;
  accountId: string;
  userName: string;
  expiresAt: number;
}

export interface Account {
  id: string;
  users: Record<string, User>;
  policies: Record<string, ManagedPolicy>;
  /** The Anthropic first-time-use form (reference aws.md §4.2), as submitted (JSON text). */
  useCaseForm: string | null;
  /** Models whose first-use Marketplace subscription is done. */
  subscribed: string[];
  /** `${modelId}|${region}` → NOT_AVAILABLE overrides. */
  unavailable: string[];
  /**
   * How long the Marketplace subscription a first invocation starts takes to complete (reference
   * §4.2: "up to 15 minutes"; the emulator's default is 0, instant). Set through the control API.
   */
  subscriptionDelayMs?: number;
  /** Models whose subscription is under way: modelId → emulator time (ms) it completes. */
  subscribing?: Record<string, number>;
  /** Test knob: whether a first invocation needs the Marketplace permissions (reference §3.4). */
  requireMarketplacePermissions: boolean;
  /**
   * Service control policies (document texts) that apply to the account, set through the control
   * API; absent or empty: the account is in no organization (or is its management account, to which
   * SCPs do not apply), and no SCP is evaluated.
   */
  scps?: { arn: string; document: string }[];
}

export interface Fault {
  id: string;
  service?: string;
  operation?: string;
  accessKeyId?: string;
  accountId?: string;
  region?: string;
  remaining?: number;
  until?: number;
  error?: { code: string; message?: string };
  latencyMs?: number;
  drop?: boolean;
  midStream?: boolean;
  /** Event-stream replies: a pause before each event after the first (a model that writes slowly). */
  eventDelayMs?: number;
}

/** One AWS request as it arrived (control-API calls are not logged): for tests to observe where and as whom byok called. */
export interface RequestRecord {
  at: string;
  service: string;
  operation: string;
  /** The Host header: the endpoint the client called. */
  host: string;
  /** The region in the SigV4 credential scope (what the client signed for); null when unsigned. */
  region: string | null;
  /** The access key ID in the credential scope (never a secret). */
  accessKeyId: string | null;
  /** Filled in once the signature is verified. */
  accountId: string | null;
  status: number | null;
  /** Bedrock Runtime: the model ID or inference profile the request named (a prompt went to AWS through it). */
  modelId?: string;
  /**
   * Bedrock Runtime, once authorized and served: the regions the request may have run in (the
   * profile's destinations from the source region; AWS picks one of them). Absent when refused.
   */
  routedTo?: string[];
  /** An event-stream reply the caller closed before its end (the emulator stopped sending). */
  abortedByClient?: boolean;
}

/** The request log keeps the most recent requests only. */
export const REQUEST_LOG_LIMIT = 10_000;

export interface StateData {
  accounts: Record<string, Account>;
  keys: Record<string, AccessKey>;
  sessions: Record<string, Session>;
  clockOffsetMs: number;
  iamPropagationDelayMs: number;
  bootstrap: { accountId: string; accessKeyId: string };
  /** IAM service-specific credentials by ServiceSpecificCredentialId (absent in older state files). */
  serviceCredentials?: Record<string, ServiceCredential>;
  /** Inference-profile changes AWS makes over time (control API `profiles`): `${profileId}|${sourceRegion}` → destinations. */
  profileOverrides?: Record<string, string[]>;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

export const newKeyId = (prefix: 'AKIA' | 'ASIA') => `${prefix}${pick(ALNUM, 16)}`;
export const newSecret = () => pick(SECRET_CHARS, 40);
export const newId = (prefix: string) => `${prefix}${pick(ALNUM, 17)}`;
const newAccountId = () => `${randomInt(1, 10)}${Array.from({ length: 11 }, () => randomInt(10)).join('')}`;

/** A map without a prototype: an ID such as "__proto__" or "constructor" is only ever a key. */
export function dict<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** State read from a file, its maps made prototype-free like the ones the emulator builds. */
function withDicts(d: StateData): StateData {
  const accounts = Object.values(d.accounts).map((a): Account => ({
    ...a,
    users: dict(Object.fromEntries(Object.entries(a.users).map(([k, u]) => [k, { ...u, inline: dict(u.inline) }]))),
    policies: dict(a.policies),
  }));
  return { ...d, accounts: dict(Object.fromEntries(accounts.map((a) => [a.id, a]))), keys: dict(d.keys), sessions: dict(d.sessions), serviceCredentials: d.serviceCredentials && dict(d.serviceCredentials), profileOverrides: d.profileOverrides && dict(d.profileOverrides) };
}

export const ADMIN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

export class EmulatorState {
  data: StateData;
  faults: Fault[] = [];
  requests: RequestRecord[] = [];
  private file: string | undefined;

  constructor(file?: string) {
    this.file = file;
    if (file && existsSync(file)) {
      this.data = withDicts(JSON.parse(readFileSync(file, 'utf8')) as StateData);
    } else {
      this.data = { accounts: dict(), keys: dict(), sessions: dict(), clockOffsetMs: 0, iamPropagationDelayMs: 0, bootstrap: { accountId: '', accessKeyId: '' } };
      const a = this.createAccount({ useCaseSubmitted: true });
      this.data.bootstrap = { accountId: a.account.id, accessKeyId: a.key.id };
      this.save();
    }
  }

  now(): number {
    return Date.now() + this.data.clockOffsetMs;
  }

  save(): void {
    if (this.file) writeFileSync(this.file, JSON.stringify(this.data), { mode: 0o600 });
  }

  logRequest(r: RequestRecord): void {
    this.requests.push(r);
    if (this.requests.length > REQUEST_LOG_LIMIT) this.requests.splice(0, this.requests.length - REQUEST_LOG_LIMIT);
  }

  reset(): void {
    this.faults = [];
    this.requests = [];
    const boot = this.data.bootstrap;
    const key = this.data.keys[boot.accessKeyId];
    const acct = this.data.accounts[boot.accountId];
    this.data = { accounts: dict(), keys: dict(), sessions: dict(), clockOffsetMs: 0, iamPropagationDelayMs: 0, bootstrap: boot };
    if (acct && key) {
      // Keep the bootstrap admin's identity and keys so printed credentials stay valid.
      const admin = acct.users.admin!;
      this.data.accounts[acct.id] = { id: acct.id, users: dict({ admin: { ...admin, inline: dict({ AdministratorAccess: ADMIN_POLICY }), attached: [] } }), policies: dict(), useCaseForm: defaultUseCaseForm(), subscribed: [], unavailable: [], requireMarketplacePermissions: true };
      this.data.keys[key.id] = { ...key, status: 'Active', usableFrom: 0 };
    }
    this.save();
  }

  createAccount(o: { useCaseSubmitted?: boolean } = {}): { account: Account; key: AccessKey; user: User } {
    let id = newAccountId();
    while (this.data.accounts[id]) id = newAccountId();
    const iso = new Date(this.now()).toISOString();
    const user: User = { name: 'admin', id: newId('AIDA'), arn: `arn:aws:iam::${id}:user/admin`, path: '/', createDate: iso, tags: [], inline: dict({ AdministratorAccess: ADMIN_POLICY }), attached: [] };
    const account: Account = { id, users: dict({ admin: user }), policies: dict(), useCaseForm: o.useCaseSubmitted === false ? null : defaultUseCaseForm(), subscribed: [], unavailable: [], requireMarketplacePermissions: true };
    this.data.accounts[id] = account;
    const key: AccessKey = { id: newKeyId('AKIA'), secret: newSecret(), accountId: id, userName: 'admin', status: 'Active', createDate: iso, usableFrom: 0 };
    this.data.keys[key.id] = key;
    this.save();
    return { account, key, user };
  }

  principalFor(accountId: string, userName: string, accessKeyId: string, kind: Principal['kind'], sessionExpiresAt?: number): Principal | null {
    const user = this.data.accounts[accountId]?.users[userName.toLowerCase()];
    if (!user) return null;
    return { accountId, userName: user.name, arn: user.arn, userId: user.id, accessKeyId, kind, sessionExpiresAt };
  }

  /** The identity policies of a principal: inline ones (no ARN) and the default versions of attached managed ones. */
  identityPoliciesOf(p: Principal): SourcedPolicy[] {
    const account = this.data.accounts[p.accountId];
    const user = account?.users[p.userName.toLowerCase()];
    if (!account || !user) return [];
    const out: { text: string; arn?: string }[] = Object.values(user.inline).map((text) => ({ text }));
    for (const arn of user.attached) {
      const v = account.policies[arn]?.versions.find((x) => x.isDefault);
      if (v) out.push({ text: v.document, arn });
    }
    return out.flatMap(({ text, arn }) => {
      const document = parsePolicyDocument(text);
      return document ? [{ document, ...(arn ? { arn } : {}) }] : [];
    });
  }

  policiesOf(p: Principal): PolicyDocument[] {
    return this.identityPoliciesOf(p).map((x) => x.document);
  }

  /** Every policy that applies (SCPs, identity policies, permissions boundary) and which one denied. */
  evaluate(p: Principal, req: AuthzRequest): Evaluation {
    const account = this.data.accounts[p.accountId];
    const user = account?.users[p.userName.toLowerCase()];
    const scps = (account?.scps ?? []).flatMap(({ arn, document: t }) => {
      const document = parsePolicyDocument(t);
      return document ? [{ document, arn }] : [];
    });
    return evaluateRequest({ identity: this.identityPoliciesOf(p), scps, boundary: account && user ? this.boundaryOf(account, user) : undefined }, req);
  }

  /**
   * A user's permissions boundary: the managed policy IAM set (its default version; a deny names its
   * ARN, as for any managed policy), else the document the control API set. A boundary policy that
   * no longer has a default version allows nothing (UNCONFIRMED: IAM refuses to delete a policy
   * while it is a boundary, so AWS cannot reach this state).
   */
  boundaryOf(account: Account, user: User): SourcedPolicy | undefined {
    if (user.permissionsBoundaryArn !== undefined) {
      const v = account.policies[user.permissionsBoundaryArn]?.versions.find((x) => x.isDefault);
      const document = v ? parsePolicyDocument(v.document) : null;
      return { document: document ?? { Version: '2012-10-17', Statement: [] }, arn: user.permissionsBoundaryArn };
    }
    const b = user.permissionsBoundary !== undefined ? parsePolicyDocument(user.permissionsBoundary) : null;
    return b ? { document: b } : undefined;
  }

  authorize(p: Principal, req: AuthzRequest): Decision {
    return this.evaluate(p, req).decision;
  }
}

/** A submitted form for accounts that start with access (the bootstrap account). */
function defaultUseCaseForm(): string {
  return JSON.stringify({ companyName: 'Emulated Co', companyWebsite: 'https://example.com', intendedUsers: '0', industryOption: 'Other', otherIndustryOption: 'Testing', useCases: 'byok emulator bootstrap account' });
}

export function randomRequestId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
