// Provisioning (the product document's "IAM Credentials Setup", steps 1–5): the IAM user, its
// least-privilege policy, an access key stored the moment AWS returns it, the test, and rotation;
// done with an admin identity from the standard AWS chain, or written out as AWS CLI commands.
// The one rule above all: a new secret access key is stored before anything else can fail, or
// the key is deleted again. No terminal here: each step is reported through `onStep`, waiting
// through `onProgress`, and the caller renders both.
import { GEOGRAPHIES, type ConfigDoc, type Geography, type StoredCredentials, type Workspace, workspaceCatalog } from '../core/config-doc.js';
import { mask } from '../core/credentials.js';
import { AwsRefusedError, CheckFailedError, LocalStateError, UsageError } from '../core/errors.js';
import { buildBedrockPolicy, managedPolicyName, POLICY_NAME, policySize, samePolicy, type PolicyPlan } from '../core/iam-policy.js';
import { checkRegion, geographyLabel, type LiveProfile } from '../core/geography.js';
import { checkRegionName } from '../core/regions.js';
import { iamUserFromArn } from '../core/policy-fix.js';
import { MODELS, type ModelKey } from '../core/models.js';
import { resolveRoute } from '../core/routing.js';
import type { AwsCredentials } from '../aws/clients.js';
import type { IamApi } from '../aws/iam.js';
import { pickWorkspace, printable, requireOwner } from '../core/access.js';
import type { Runtime } from './runtime.js';

export type StepState = 'created' | 'exists' | 'updated' | 'unchanged' | 'deleted' | 'failed' | 'skipped' | 'ok';
export interface Step { step: string; state: StepState; detail: string; arn?: string }

const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const TAG = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128})=([\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256})$/u;

export interface IamCommonOptions {
  userName?: string;
  profile?: string;
  geography?: Geography;
  region?: string;
  account?: string;
  models?: string;
  withDiscovery?: boolean;
  /** false with --no-discovery: leave the read-only discovery actions out. */
  discovery?: boolean;
  /** provision: move the workspace to --geography/--region in the same command (audited). */
  changeWorkspaceRoute?: boolean;
  /** provision, create-user: take over an IAM user byok did not create for this workspace. */
  adoptExistingUser?: boolean;
  /** The workspace (else the runtime's --workspace, else the current one). */
  workspace?: string;
}

/** How provisioning reports as it goes: each step once it is done, and any wait in between. */
export interface ProvisionHooks {
  onStep?(step: Step): void;
  onProgress?(message: string): void;
}

/** What every IAM workflow returns: the admin account, its own fields, and the steps taken. */
export type IamResult<T> = { ok: true; accountId: string | null } & T & { steps: Step[] };

export const DEFAULT_USER_NAME = 'byok-bedrock';

function parseModels(raw: string | undefined): ModelKey[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const m of list) if (m !== 'sonnet' && m !== 'opus') throw new UsageError('invalid-models', `"${printable(m)}" is not a model.`, 'Use --models sonnet,opus (or one of them).');
  if (list.length === 0) throw new UsageError('invalid-models', '--models is empty.', 'Use --models sonnet,opus');
  return list as ModelKey[];
}

function parseUserName(raw: string | undefined): string {
  const u = (raw ?? DEFAULT_USER_NAME).trim();
  if (!USER_NAME.test(u)) throw new UsageError('invalid-user-name', `"${printable(u)}" is not a valid IAM user name.`, 'IAM user names are 1-64 characters of letters, digits and + = , . @ _ -');
  return u;
}

/**
 * The IAM user a command acts on: --user-name; else the workspace's — recorded when byok stored its
 * key, or (for a key stored with `credentials set`) the user AWS says owns that key; else byok-bedrock.
 */
async function userFor(ctx: Runtime, o: IamCommonOptions, ws: Workspace | null): Promise<string> {
  if (o.userName !== undefined) return parseUserName(o.userName);
  const c = ws?.credentials;
  if (c?.iamUserName) return parseUserName(c.iamUserName);
  return parseUserName(c && c.accessKeyId.startsWith('AKIA') ? await keyOwner(ctx, c) : undefined);
}

function parseTags(raw: string[] | undefined, ws: string | null): { Key: string; Value: string }[] {
  const tags = new Map<string, string>([['managed-by', 'byok']]);
  if (ws) tags.set('byok-workspace', ws);
  for (const t of raw ?? []) {
    const m = TAG.exec(t.trim());
    if (!m) throw new UsageError('invalid-tag', `"${printable(t)}" is not a tag.`, 'Use --tag key=value (key 1-128, value up to 256 characters).');
    tags.set(m[1]!, m[2]!);
  }
  if (tags.size > 50) throw new UsageError('too-many-tags', 'IAM users take at most 50 tags.', 'Pass fewer --tag options.');
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/** The admin identity: explicit AWS_* variables, else the SDK's node chain (--profile, SSO, ...). */
async function adminCredentials(ctx: Runtime, profile?: string): Promise<AwsCredentials | (() => Promise<AwsCredentials>)> {
  if (!profile && ctx.env.AWS_ACCESS_KEY_ID && ctx.env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: ctx.env.AWS_ACCESS_KEY_ID, secretAccessKey: ctx.env.AWS_SECRET_ACCESS_KEY, sessionToken: ctx.env.AWS_SESSION_TOKEN || undefined };
  }
  if (profile !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(profile)) throw new UsageError('invalid-profile', `"${printable(profile)}" is not an AWS profile name.`, 'Profile names are letters, digits and . _ -');
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider(profile ? { profile } : {});
}

function refused(e: unknown, what: string): never {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? 'Error';
  if (status === 403 || /AccessDenied|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|ExpiredToken/.test(name)) {
    throw new AwsRefusedError('admin-refused', `AWS refused ${what}: ${name}${err.message ? ` — ${err.message}` : ''}`, 'byok iam needs an admin identity with iam:CreateUser, iam:PutUserPolicy (or CreatePolicy/AttachUserPolicy) and iam:CreateAccessKey: set AWS_PROFILE / --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.', { cause: e });
  }
  if (e instanceof Error && (e as { $metadata?: unknown }).$metadata === undefined && !(e as { name?: string }).name?.endsWith('Exception')) {
    throw new CheckFailedError('aws-unreachable', `Could not complete ${what}: ${e.message}`, 'Check the network and the AWS endpoint, then re-run: every byok iam step is safe to repeat.');
  }
  throw new CheckFailedError('aws-error', `AWS failed ${what}: ${name}${err.message ? ` — ${err.message}` : ''}`, 'Re-run the command: every byok iam step is safe to repeat and converges on the same state.');
}

interface IamSession {
  ctx: Runtime;
  hooks: ProvisionHooks;
  iam: IamApi;
  admin: AwsCredentials | (() => Promise<AwsCredentials>);
  accountId: string;
  steps: Step[];
  note(step: Step): void;
}

async function openSession(ctx: Runtime, o: IamCommonOptions, hooks: ProvisionHooks): Promise<IamSession> {
  const admin = await adminCredentials(ctx, o.profile);
  const { getCallerIdentity } = await import('../aws/sts.js');
  const { openIam } = await import('../aws/iam.js');
  const clockOffsetMs = ctx.now().getTime() - Date.now();
  let accountId: string;
  try {
    accountId = (await getCallerIdentity(ctx.env, 'us-east-1', admin, 2)).account;
  } catch (e) {
    refused(e, 'the admin identity (sts:GetCallerIdentity)');
  }
  if (o.account !== undefined && o.account !== accountId) {
    throw new UsageError('account-mismatch', `--account ${printable(o.account)} is not the admin identity's account (${accountId}).`, 'Drop --account, or use admin credentials of that account.');
  }
  const steps: Step[] = [];
  return {
    ctx,
    hooks,
    iam: await openIam(ctx.env, admin, clockOffsetMs),
    admin,
    accountId,
    steps,
    note(step: Step) {
      steps.push(step);
      hooks.onStep?.(step);
    },
  };
}

type RouteCore = Omit<IamRoute, 'changes'>;
interface RouteChange { key: 'geography' | 'region'; from: string | null; to: string }
interface IamRoute {
  geography: Geography;
  region: string;
  catalog?: readonly LiveProfile[];
  /** What the flags change in the workspace: filling an unset value, or (with --change-workspace-route) replacing one. */
  changes: RouteChange[];
}

/**
 * --region goes through the one region check every command uses (core/regions.ts): a mistyped
 * region (eu-west-9) is refused as what it is, exit 2, with the closest real region — before any
 * workspace is read or AWS is called, and never reported as "outside the geography".
 */
function checkedRegionOption<O extends { region?: string }>(o: O): O {
  if (o.region === undefined) return o;
  const r = checkRegionName(o.region, printable(o.region.trim(), 32));
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  return { ...o, region: r.value };
}

/**
 * The workspace's route. --geography/--region may fill what the workspace has not set (provision
 * saves them); one that differs from what it has set is refused unless the command is told to move
 * the workspace (--change-workspace-route, provision only): a key or policy for another geography
 * must never be made for a workspace unnoticed. The live catalog `models check` stored applies to
 * the workspace's own region.
 */
function workspaceRoute(ctx: Runtime, ws: Workspace, o: IamCommonOptions, command: string): IamRoute {
  o = checkedRegionOption(o);
  const geography = o.geography ?? ws.geography;
  const region = (o.region ?? ws.region)?.trim().toLowerCase();
  if (!geography || !region) throw new UsageError('region-not-set', `Workspace ${ws.name} has no geography and region yet, and none was given.`, `Pass --geography ${GEOGRAPHIES.join('|')} and --region REGION (byok iam provision saves them for the workspace), or set them first: byok config set geography ...; byok config set region ...`);
  const catalog = geography === ws.geography && region === ws.region ? workspaceCatalog(ws) : undefined;
  const c = checkRegion(geography, region, catalog);
  if (!c.ok) throw new UsageError(c.error.code, c.error.reason, c.error.hint);
  const changes: RouteChange[] = [];
  if (geography !== ws.geography) changes.push({ key: 'geography', from: ws.geography ?? null, to: geography });
  if (region !== ws.region) changes.push({ key: 'region', from: ws.region ?? null, to: region });
  if (changes.some((x) => x.from !== null) && !(o.changeWorkspaceRoute && command === 'provision')) {
    throw new UsageError(
      'route-differs',
      `Workspace ${ws.name} routes ${ws.geography ?? '(no geography)'} from ${ws.region ?? '(no region)'}, but this command was given ${geography} from ${region}. byok makes keys and policies for the workspace's own geography and region only, so that no key serves another geography unnoticed.`,
      command === 'provision'
        ? `Drop --geography/--region to provision for the workspace's own route. To move workspace ${ws.name} to the geography and region given, say so in the same command: add --change-workspace-route (audited; byok config show shows the result).`
        : `Drop --geography/--region to use the workspace's own route. To move workspace ${ws.name}, run byok iam provision with the same flags and --change-workspace-route, or byok config set (both audited).`,
    );
  }
  void ctx;
  return { geography, region, catalog, changes };
}

/** Saves what provision was told about the route: one audited config change per value, as `byok config set` records it. */
async function saveRoute(s: IamSession, wsName: string, route: IamRoute): Promise<void> {
  const ctx = s.ctx;
  await ctx.store().update((doc, tx) => {
    const w = pickWorkspace(ctx, doc, wsName);
    requireOwner(ctx, w, 'change geography and region');
    for (const ch of route.changes) {
      const before = (ch.key === 'geography' ? w.geography : w.region) ?? null;
      if (before === ch.to) continue;
      if (ch.key === 'geography') w.geography = route.geography;
      else w.region = route.region;
      tx.audit({ type: 'config-changed', user: ctx.user, workspace: w.name, details: { key: ch.key, from: before, to: ch.to, via: 'iam provision' } });
    }
    delete w.lastConnectionTest;
  });
  s.note({ step: 'workspace', state: 'updated', detail: `${wsName}: ${route.changes.map((c) => `${c.key} ${c.from ?? '(unset)'} → ${c.to}`).join(', ')} (audited)` });
}

function planPolicy(s: IamSession, o: IamCommonOptions, route: RouteCore, otherInline: number): PolicyPlan {
  const p = buildBedrockPolicy({ geography: route.geography, region: route.region, accountId: s.accountId, models: parseModels(o.models), withDiscovery: o.discovery !== false, otherInlineSize: otherInline, catalog: route.catalog });
  if (!p.ok) throw new UsageError(p.error.code, p.error.reason, p.error.hint);
  return p.value;
}

/**
 * An existing user is used only if byok created it for this workspace (its managed-by and
 * byok-workspace tags), or when told to adopt it: byok never silently tags a stranger's user,
 * attaches its policy to it, or takes one of its two key slots.
 */
async function refuseAdoption(s: IamSession, userName: string, existing: { tags: { Key: string; Value: string }[] }, workspace: string | null): Promise<void> {
  const byokMade = existing.tags.some((t) => t.Key === 'managed-by' && t.Value === 'byok');
  const forWs = existing.tags.find((t) => t.Key === 'byok-workspace')?.Value;
  const other = workspace !== null && forWs !== undefined && forWs !== workspace ? forWs : null;
  if (byokMade && other === null) return;
  const [inline, attached, keys] = await Promise.all([s.iam.inlinePolicies(userName), s.iam.attachedPolicies(userName), s.iam.accessKeys(userName)]);
  const names = Object.keys(inline);
  const present = [
    `inline policies: ${names.length ? names.join(', ') : 'none'}`,
    `managed policies: ${attached.length ? attached.map((a) => `${a.split('/').pop()} (${a})`).join(', ') : 'none'}`,
    `${keys.length} access key${keys.length === 1 ? '' : 's'}${keys.length >= 2 ? ' (the IAM limit)' : ''}`,
  ].join('; ');
  s.note({ step: 'user', state: 'failed', detail: `${userName} exists and ${other ? `belongs to workspace ${other}` : 'was not created by byok'}` });
  if (other) {
    throw new UsageError(
      'user-of-another-workspace',
      `IAM user ${userName} was created by byok for workspace ${other} (tag byok-workspace=${other}), not for ${workspace}. It has ${present}. Sharing it would give ${workspace} a key of the same user, take one of its two access-key slots, and let either workspace's policy changes affect the other.`,
      `Give workspace ${workspace} its own user: byok iam provision --workspace ${workspace} --user-name byok-${workspace} ; or share ${userName} on purpose: add --adopt-existing-user.`,
    );
  }
  throw new UsageError(
    'user-not-created-by-byok',
    `IAM user ${userName} already exists and byok did not create it (it has no managed-by=byok tag). It has ${present}. byok will not tag it, add ${POLICY_NAME} to it or take one of its access-key slots unless told to.`,
    `Use a user of byok's own: --user-name ${workspace ? `byok-${workspace}` : 'NEW-NAME'} (byok creates it); or take this one over on purpose: add --adopt-existing-user (byok then tags it, adds ${POLICY_NAME} and creates an access key).`,
  );
}

async function ensureUser(s: IamSession, userName: string, tags: { Key: string; Value: string }[], o: { adopt?: boolean; workspace: string | null }): Promise<string> {
  try {
    const existing = await s.iam.getUser(userName);
    if (existing) {
      if (!o.adopt) await refuseAdoption(s, userName, existing, o.workspace);
      const missing = tags.filter((t) => !existing.tags.some((x) => x.Key === t.Key && x.Value === t.Value));
      if (missing.length) await s.iam.tagUser(userName, missing);
      s.note({ step: 'user', state: missing.length ? 'updated' : 'exists', detail: `${userName}${missing.length ? ` (tags ${missing.map((t) => t.Key).join(', ')})` : ''}`, arn: existing.arn });
      return existing.arn;
    }
    const arn = await s.iam.createUser(userName, tags);
    s.note({ step: 'user', state: 'created', detail: userName, arn });
    return arn;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    s.note({ step: 'user', state: 'failed', detail: (e as Error).name ?? 'error' });
    refused(e, `the IAM user ${userName}`);
  }
}

async function ensurePolicy(s: IamSession, userName: string, o: IamCommonOptions, route: RouteCore): Promise<PolicyPlan> {
  try {
    const inline = await s.iam.inlinePolicies(userName);
    const other = Object.entries(inline).filter(([n]) => n !== POLICY_NAME).reduce((n, [, d]) => n + policySize(d), 0);
    const plan = planPolicy(s, o, route, other);
    const managedName = managedPolicyName(userName);
    const managedArn = `arn:aws:iam::${s.accountId}:policy/${managedName}`;
    if (plan.placement === 'inline') {
      const current = inline[POLICY_NAME];
      if (current !== undefined && samePolicy(current, plan.json)) s.note({ step: 'policy', state: 'unchanged', detail: `inline ${POLICY_NAME} (${plan.size} chars): ${plan.reason}` });
      else {
        await s.iam.putUserPolicy(userName, POLICY_NAME, plan.json);
        s.note({ step: 'policy', state: current === undefined ? 'created' : 'updated', detail: `inline ${POLICY_NAME} (${plan.size} chars): ${plan.reason}` });
      }
      // The inline policy is now the whole grant: a managed one byok attached before (this user's own,
      // from a larger route, or the old shared one) would keep that route's permissions beside it.
      const attached = await s.iam.attachedPolicies(userName);
      for (const arn of [managedArn, `arn:aws:iam::${s.accountId}:policy/${POLICY_NAME}`]) {
        if (!attached.includes(arn)) continue;
        await s.iam.detachUserPolicy(userName, arn);
        s.note({ step: 'attach', state: 'deleted', detail: `${arn.split('/').pop()} detached from ${userName}: the inline ${POLICY_NAME} replaces it (the policy itself is left in the account)`, arn });
      }
      return plan;
    }
    const existing = await s.iam.managedPolicy(managedArn);
    if (!existing) {
      await s.iam.createPolicy(managedName, plan.json);
      s.note({ step: 'policy', state: 'created', detail: `managed ${managedName} (${plan.size} chars): ${plan.reason}`, arn: managedArn });
    } else if (samePolicy(existing.defaultDocument, plan.json)) {
      s.note({ step: 'policy', state: 'unchanged', detail: `managed ${managedName} (${plan.size} chars)`, arn: managedArn });
    } else {
      // §7: five versions at most; prune the oldest non-default one first.
      if (existing.versions.length >= 5) {
        const oldest = existing.versions.filter((v) => !v.isDefault).sort((a, b) => a.created.getTime() - b.created.getTime() || a.id.localeCompare(b.id, undefined, { numeric: true }))[0];
        if (oldest) {
          await s.iam.deletePolicyVersion(managedArn, oldest.id);
          s.note({ step: 'policy-version', state: 'deleted', detail: `${oldest.id} (oldest non-default; a managed policy keeps at most 5 versions)`, arn: managedArn });
        }
      }
      await s.iam.createPolicyVersion(managedArn, plan.json);
      s.note({ step: 'policy', state: 'updated', detail: `managed ${managedName}: new default version (${plan.size} chars)`, arn: managedArn });
    }
    const attached = await s.iam.attachedPolicies(userName);
    if (attached.includes(managedArn)) s.note({ step: 'attach', state: 'exists', detail: `${managedName} attached to ${userName}`, arn: managedArn });
    else {
      await s.iam.attachUserPolicy(userName, managedArn);
      s.note({ step: 'attach', state: 'created', detail: `${managedName} attached to ${userName}`, arn: managedArn });
    }
    // Earlier byok versions attached one managed policy, byok-bedrock-invoke, to every workspace's
    // user: another workspace's provisioning could rewrite it. This user no longer needs it.
    const shared = `arn:aws:iam::${s.accountId}:policy/${POLICY_NAME}`;
    if (attached.includes(shared)) {
      await s.iam.detachUserPolicy(userName, shared);
      s.note({ step: 'attach', state: 'deleted', detail: `byok's old shared ${POLICY_NAME} detached from ${userName} (every workspace's user had it, so one workspace's provisioning changed the others'); the policy itself is left for the users still attached to it`, arn: shared });
    }
    if (inline[POLICY_NAME] !== undefined) {
      await s.iam.deleteUserPolicy(userName, POLICY_NAME);
      s.note({ step: 'policy', state: 'deleted', detail: `byok's old inline ${POLICY_NAME}, replaced by the managed policy` });
    }
    return plan;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    s.note({ step: 'policy', state: 'failed', detail: (e as Error).name ?? 'error' });
    refused(e, `the policy of ${userName}`);
  }
}

/** Stores a brand-new key in the workspace before anything else; on failure deletes it again. */
async function storeNewKey(s: IamSession, wsName: string, userName: string, key: { accessKeyId: string; secretAccessKey: string }, replacing?: string): Promise<void> {
  const ctx = s.ctx;
  try {
    await ctx.store().update((doc, tx) => {
      const ws = pickWorkspace(ctx, doc, wsName);
      requireOwner(ctx, ws, 'store BYOK credentials');
      const stored: StoredCredentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, source: 'iam', storedAt: ctx.now().toISOString(), iamUserName: userName };
      ws.credentials = stored;
      delete ws.session;
      delete ws.lastConnectionTest;
      tx.audit({ type: 'access-key-created', user: ctx.user, workspace: ws.name, details: { accessKeyId: mask(key.accessKeyId), iamUser: userName, replacing: replacing ? mask(replacing) : null } });
    });
  } catch (e) {
    let deleted = false;
    try {
      await s.iam.deleteAccessKey(userName, key.accessKeyId);
      deleted = true;
    } catch {
      /* reported below */
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new LocalStateError(
      'key-not-stored',
      `The new access key ${mask(key.accessKeyId)} could not be stored in the config (${why}); ${deleted ? 'it was deleted again, so no secret is lost' : `deleting it again FAILED: delete it yourself: ${deleteKeyCommand(userName, key.accessKeyId)}`}.`,
      'Fix the config problem (byok config show), then re-run.',
      { cause: e },
    );
  }
  s.note({ step: 'access-key', state: 'created', detail: `${mask(key.accessKeyId)} stored (encrypted) in workspace ${wsName}` });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** IAM is eventually consistent: a new key may be refused for a few seconds. Bounded, visible. */
async function waitForKey(s: IamSession, key: AwsCredentials): Promise<void> {
  const { getCallerIdentity } = await import('../aws/sts.js');
  const poll = Number(s.ctx.env.BYOK_IAM_PROPAGATION_POLL_MS ?? 1000) || 1000;
  const attempts = 10;
  for (let i = 1; ; i++) {
    try {
      await getCallerIdentity(s.ctx.env, 'us-east-1', key, 1);
      if (i > 1) s.note({ step: 'propagation', state: 'ok', detail: `the new key is usable after ${i - 1} retr${i === 2 ? 'y' : 'ies'}` });
      return;
    } catch (e) {
      const name = (e as { name?: string }).name ?? '';
      if (!/InvalidClientTokenId|UnrecognizedClient/.test(name) || i >= attempts) throw e;
      s.hooks.onProgress?.(`the new key is not active yet (IAM is eventually consistent); retry ${i}/${attempts - 1} in ${poll * Math.min(i, 4)} ms`);
      await sleep(poll * Math.min(i, 4));
    }
  }
}

/** STS with the key, then one Converse (maxTokens 1) per model through the workspace route. */
async function testKey(s: IamSession, key: AwsCredentials, route: RouteCore, models: ModelKey[]): Promise<void> {
  await waitForKey(s, key);
  const { converse } = await import('../aws/converse.js');
  const results = await Promise.allSettled(
    models.map(async (m) => {
      const r = resolveRoute({ model: m, geography: route.geography, region: route.region, catalog: route.catalog });
      if (!r.ok) throw new Error(r.error.reason);
      await converse(s.ctx.env, { region: route.region, credentials: key, clockOffsetMs: s.ctx.now().getTime() - Date.now() }, { modelId: r.value.inferenceProfileId, prompt: 'ping', maxTokens: 1, stream: false });
      return r.value.inferenceProfileId;
    }),
  );
  const failed = results.map((r, i) => ({ r, m: models[i]! })).filter((x) => x.r.status === 'rejected');
  if (failed.length) {
    const first = (failed[0]!.r as PromiseRejectedResult).reason as { name?: string; message?: string };
    throw new CheckFailedError('key-test-failed', `The new key could not invoke ${failed.map((f) => MODELS[f.m].name).join(' and ')}: ${first.name ?? 'error'}${first.message ? ` — ${first.message}` : ''}`, 'IAM policy changes can take a few seconds to apply; re-run, or check: byok models check');
  }
  s.note({ step: 'test', state: 'ok', detail: `sts:GetCallerIdentity and Converse via ${results.map((r) => (r as PromiseFulfilledResult<string>).value).join(', ')} from ${route.region}` });
}

/** The IAM user that owns a stored long-term key, read from AWS with the key itself (sts:GetCallerIdentity needs no permission); undefined when AWS does not say. */
async function keyOwner(ctx: Runtime, key: StoredCredentials): Promise<string | undefined> {
  const { getCallerIdentity } = await import('../aws/sts.js');
  try {
    const id = await getCallerIdentity(ctx.env, 'us-east-1', { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, 1);
    return iamUserFromArn(id.arn) ?? undefined;
  } catch {
    return undefined;
  }
}

async function ownedWorkspace(ctx: Runtime, name?: string): Promise<Workspace> {
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc, name);
  requireOwner(ctx, ws, 'create IAM credentials');
  return ws;
}

function result<T extends object>(s: IamSession, extra: T): IamResult<T> {
  return { ok: true, accountId: s.accountId, ...extra, steps: s.steps };
}

/** The workspace a command names, if any (create-user and put-policy also work without one). */
function optionalWorkspace(ctx: Runtime, doc: ConfigDoc, name?: string): Workspace | null {
  return name || ctx.flags.workspace || doc.currentWorkspace ? pickWorkspace(ctx, doc, name) : null;
}

// ---------------------------------------------------------------- workflows

export interface PolicyDocumentResult {
  accountId: string;
  geography: Geography;
  region: string;
  models: ModelKey[];
  size: number;
  placement: PolicyPlan['placement'];
  reason: string;
  notes: string[];
  policyName: string;
  document: PolicyPlan['document'];
}

/** The least-privilege policy for a geography and source region, and whether it fits inline. */
export async function policyDocument(ctx: Runtime, o: IamCommonOptions): Promise<PolicyDocumentResult> {
  o = checkedRegionOption(o);
  if (!o.geography || !o.region) {
    // Without the flags: the selected workspace's own geography and region (DESIGN: every iam command uses the workspace unless told otherwise).
    const { doc } = await ctx.store().read();
    const ws = optionalWorkspace(ctx, doc, o.workspace);
    o = { ...o, geography: o.geography ?? ws?.geography, region: o.region ?? ws?.region };
  }
  if (!o.geography || !o.region) throw new UsageError('missing-input', 'policy-document needs --geography and --region (or a workspace that has them).', 'Example: byok iam policy-document --geography eu --region eu-west-1 --account 123456789012');
  let account = o.account;
  if (account === undefined) {
    const admin = ctx.env.AWS_ACCESS_KEY_ID && ctx.env.AWS_SECRET_ACCESS_KEY;
    if (!admin && !o.profile) throw new UsageError('missing-account', 'The policy names your account in every inference-profile ARN; byok needs the account ID.', 'Pass --account 123456789012, or credentials (--profile / AWS_ACCESS_KEY_ID) so byok can read it with sts:GetCallerIdentity.');
    const { getCallerIdentity } = await import('../aws/sts.js');
    try {
      account = (await getCallerIdentity(ctx.env, 'us-east-1', await adminCredentials(ctx, o.profile), 2)).account;
    } catch (e) {
      refused(e, 'sts:GetCallerIdentity');
    }
  }
  const p = buildBedrockPolicy({ geography: o.geography, region: o.region.trim().toLowerCase(), accountId: account, models: parseModels(o.models), withDiscovery: o.discovery !== false });
  if (!p.ok) throw new UsageError(p.error.code, p.error.reason, p.error.hint);
  return { accountId: account, geography: o.geography, region: o.region, models: p.value.models, size: p.value.size, placement: p.value.placement, reason: p.value.reason, notes: p.value.notes, policyName: POLICY_NAME, document: p.value.document };
}

/** Creates (or reuses, if byok made it for this workspace or is told to adopt it) the IAM user. */
export async function createUser(ctx: Runtime, o: IamCommonOptions & { tag?: string[] }, hooks: ProvisionHooks = {}): Promise<IamResult<{ userName: string; userArn: string }>> {
  o = checkedRegionOption(o);
  const { doc } = await ctx.store().read();
  const ws = optionalWorkspace(ctx, doc, o.workspace);
  const userName = await userFor(ctx, o, ws);
  const tags = parseTags(o.tag, ws?.name ?? null);
  const s = await openSession(ctx, o, hooks);
  try {
    const arn = await ensureUser(s, userName, tags, { adopt: o.adoptExistingUser, workspace: ws?.name ?? null });
    return result(s, { userName, userArn: arn });
  } finally {
    s.iam.destroy();
  }
}

/** Creates or updates the least-privilege policy on an existing user (inline, else managed). */
export async function putPolicy(ctx: Runtime, o: IamCommonOptions, hooks: ProvisionHooks = {}): Promise<IamResult<{ userName: string; placement: PolicyPlan['placement']; size: number; reason: string; policyName: string }>> {
  o = checkedRegionOption(o);
  const { doc } = await ctx.store().read();
  const ws = optionalWorkspace(ctx, doc, o.workspace);
  const userName = await userFor(ctx, o, ws);
  const route: RouteCore = ws ? workspaceRoute(ctx, ws, o, 'put-policy') : (() => {
    if (!o.geography || !o.region) throw new UsageError('missing-input', 'put-policy needs a workspace with geography and region, or --geography and --region.', 'Example: byok iam put-policy --geography us --region us-east-1');
    return { geography: o.geography, region: o.region.trim().toLowerCase() };
  })();
  parseModels(o.models);
  const s = await openSession(ctx, o, hooks);
  try {
    const existing = await s.iam.getUser(userName);
    if (!existing) throw new UsageError('no-such-user', `IAM user ${userName} does not exist in account ${s.accountId}.`, `Create it first: byok iam create-user --user-name ${userName} (or run byok iam provision).`);
    if (ws) await refuseUserOfOtherRoute(ctx, s, ws.name, userName, route);
    // A user byok made for another workspace is that workspace's: its policy is not rewritten from
    // here unless told to, as provision refuses to take it over (attack review, stop 23).
    const forWs = existing.tags.find((t) => t.Key === 'byok-workspace')?.Value;
    if (ws && forWs !== undefined && forWs !== ws.name && !o.adoptExistingUser) await refuseAdoption(s, userName, existing, ws.name);
    const plan = await ensurePolicy(s, userName, o, route);
    return result(s, { userName, placement: plan.placement, size: plan.size, reason: plan.reason, policyName: POLICY_NAME });
  } finally {
    s.iam.destroy();
  }
}

/** The AWS CLI command that deletes a key, naming it as byok prints it (masked): by the last four characters the mask shows. */
function deleteKeyCommand(userName: string, accessKeyId: string): string {
  return `aws iam delete-access-key --user-name ${userName} --access-key-id "$(aws iam list-access-keys --user-name ${userName} --query "AccessKeyMetadata[?ends_with(AccessKeyId, '${accessKeyId.slice(-4)}')].AccessKeyId" --output text)"`;
}

/**
 * At the two-key limit every byok command that needs a new key fails (rotation too: it makes the
 * new key before retiring the old one), so the hint names the key to free — one the workspace does
 * not use, inactive first, then the oldest — and the command to run once it is gone.
 */
function keyLimitHint(ws: Workspace, userName: string, keys: { id: string; status: string; created: Date }[], rerun: string): string {
  const inUse = ws.credentials?.accessKeyId;
  const candidates = keys.filter((k) => k.id !== inUse).sort((a, b) => Number(a.status === 'Active') - Number(b.status === 'Active') || a.created.getTime() - b.created.getTime());
  const k = candidates[0]!;
  const created = k.created.getTime() > 0 ? `, created ${k.created.toISOString().slice(0, 10)}` : '';
  const which = candidates.length < keys.length ? `The other key, ${mask(k.id)} (${k.status}${created}), is not the one workspace ${ws.name} uses` : `Neither key is the one workspace ${ws.name} uses; ${mask(k.id)} (${k.status}${created}) is the first candidate`;
  // byok prints key IDs masked (never whole), so the command selects the key by the last four
  // characters the mask shows; when both keys end alike it cannot, and says how to find it.
  const del = keys.filter((x) => x.id.endsWith(k.id.slice(-4))).length === 1
    ? deleteKeyCommand(userName, k.id)
    : `aws iam list-access-keys --user-name ${userName} shows both; delete that one with aws iam delete-access-key --user-name ${userName} --access-key-id ID`;
  const rotate = `byok iam rotate-key --workspace ${ws.name} --user-name ${userName}`;
  const alt = candidates.length < keys.length && !rerun.startsWith(rotate) ? ` (or, to replace the workspace's key with a tested new one: ${rotate})` : '';
  return `${which}. If nothing else uses it, delete it: ${del} ; then run: ${rerun}${alt}`;
}

async function createKeyFor(s: IamSession, ws: Workspace, userName: string, rerun: string, seen?: (keys: { id: string; status: string }[]) => void): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const keys = await s.iam.accessKeys(userName).catch((e) => refused(e, `the access keys of ${userName}`));
  seen?.(keys);
  if (keys.length >= 2) {
    s.note({ step: 'access-key', state: 'failed', detail: `${userName} already has 2 access keys (the IAM limit)` });
    throw new UsageError(
      'access-key-limit',
      `IAM user ${userName} already has two access keys (${keys.map((k) => `${mask(k.id)} ${k.status}`).join(', ')}), the most IAM allows, so there is no slot for a new one. byok never deletes a key to make room: only you know what else still uses it.`,
      keyLimitHint(ws, userName, keys, rerun),
    );
  }
  let key: { accessKeyId: string; secretAccessKey: string };
  try {
    key = await s.iam.createAccessKey(userName);
  } catch (e) {
    s.note({ step: 'access-key', state: 'failed', detail: (e as Error).name ?? 'error' });
    refused(e, `a new access key for ${userName}`);
  }
  // Nothing may run between CreateAccessKey and storing its secret.
  await storeNewKey(s, ws.name, userName, key, ws.credentials?.accessKeyId);
  return key;
}

export interface CreateAccessKeyResult {
  workspace: string;
  userName: string;
  /** The new key, masked: its secret went straight into the workspace's encrypted store. */
  accessKeyId: string;
  stored: true;
  /** The key the workspace used before (masked), which this command did not delete; null if none. */
  replaced: string | null;
  /** Whether that key is still one of the user's keys in IAM (so it still works until deleted). */
  replacedStillInIam: boolean;
  /** What the admin must know: a key this command left behind. */
  notes: string[];
  /** What the admin should do next, in order. */
  next: string[];
}

/**
 * A new access key, stored (encrypted) in the workspace the moment IAM returns it, or deleted again.
 * The workspace now uses the new key; a key it used before is NOT deleted (only rotate-key retires
 * a key, after testing its successor), so the result names it and how to delete it.
 */
export async function createAccessKey(ctx: Runtime, o: IamCommonOptions, hooks: ProvisionHooks = {}): Promise<IamResult<CreateAccessKeyResult>> {
  o = checkedRegionOption(o);
  const ws = await ownedWorkspace(ctx, o.workspace);
  const userName = await userFor(ctx, o, ws);
  const s = await openSession(ctx, o, hooks);
  try {
    await refuseOtherWorkspacesUser(ctx, s, ws, userName, o.adoptExistingUser);
    let existing: { id: string; status: string }[] = [];
    const key = await createKeyFor(s, ws, userName, `byok iam create-access-key --workspace ${ws.name} --user-name ${userName}`, (k) => (existing = k));
    await waitForKey(s, key);
    const before = ws.credentials?.accessKeyId;
    const replaced = before !== undefined && before !== key.accessKeyId ? before : null;
    const inIam = replaced !== null && existing.some((k) => k.id === replaced);
    const notes: string[] = [];
    const next = [`Check the new key: byok test-connection --workspace ${ws.name}`];
    if (replaced !== null && inIam) {
      notes.push(`Workspace ${ws.name} no longer uses its previous key ${mask(replaced)}, but that key is still ${existing.find((k) => k.id === replaced)!.status} in IAM, and ${userName} now has both of the two access keys IAM allows.`);
      next.push(`Once nothing else uses ${mask(replaced)}, delete it: ${deleteKeyCommand(userName, replaced)}`);
      next.push(`To replace the workspace's key in one step next time (the new key is tested before the old one is deactivated and deleted): byok iam rotate-key --workspace ${ws.name}`);
    } else if (replaced !== null) {
      notes.push(`Workspace ${ws.name}'s previous key ${mask(replaced)} is not one of ${userName}'s keys, so byok left it alone; if it belongs to an IAM user and nothing else uses it, deactivate or delete it there.`);
    }
    return result(s, { workspace: ws.name, userName, accessKeyId: mask(key.accessKeyId), stored: true as const, replaced: replaced === null ? null : mask(replaced), replacedStillInIam: inIam, notes, next });
  } finally {
    s.iam.destroy();
  }
}

/**
 * Rotation: a new key is created, stored and tested before the old one is deactivated and deleted;
 * if the new key fails its test, the workspace goes back to the old key and the new one is deleted.
 */
export async function rotateKey(ctx: Runtime, o: IamCommonOptions, hooks: ProvisionHooks = {}): Promise<IamResult<{ workspace: string; userName: string; accessKeyId: string; previous: string }>> {
  o = checkedRegionOption(o);
  const ws = await ownedWorkspace(ctx, o.workspace);
  const old = ws.credentials;
  if (!old || old.accessKeyId.startsWith('ASIA')) throw new UsageError('nothing-to-rotate', `Workspace ${ws.name} has no long-term key to rotate.`, 'Create one: byok iam provision (or byok iam create-access-key).');
  const route = workspaceRoute(ctx, ws, o, 'rotate-key');
  const userName = await userFor(ctx, o, ws);
  const s = await openSession(ctx, o, hooks);
  try {
    await refuseUserOfOtherRoute(ctx, s, ws.name, userName, route);
    const keys = await s.iam.accessKeys(userName).catch((e) => refused(e, `the access keys of ${userName}`));
    if (!keys.some((k) => k.id === old.accessKeyId)) {
      throw new UsageError('key-not-owned', `The workspace's key ${mask(old.accessKeyId)} is not one of ${userName}'s access keys.`, 'Pass --user-name with the IAM user that owns the key.');
    }
    const key = await createKeyFor(s, ws, userName, `byok iam rotate-key --workspace ${ws.name} --user-name ${userName}`);
    const models = (['sonnet', 'opus'] as ModelKey[]).filter((m) => resolveRoute({ model: m, geography: route.geography, region: route.region, catalog: route.catalog }).ok);
    try {
      await testKey(s, key, route, models);
    } catch (e) {
      // The old key keeps working: point the config back at it and remove the new one.
      await ctx.store().update((doc, tx) => {
        const w = doc.workspaces[ws.name];
        if (w?.credentials?.accessKeyId === key.accessKeyId) {
          w.credentials = old;
          delete w.session;
          tx.audit({ type: 'key-rotation-rolled-back', user: ctx.user, workspace: ws.name, details: { newKey: mask(key.accessKeyId), keptKey: mask(old.accessKeyId) } });
        }
      });
      await s.iam.deleteAccessKey(userName, key.accessKeyId).catch(() => undefined);
      s.note({ step: 'rollback', state: 'ok', detail: `kept ${mask(old.accessKeyId)}; deleted the untested ${mask(key.accessKeyId)}` });
      throw e;
    }
    try {
      await s.iam.updateAccessKey(userName, old.accessKeyId, 'Inactive');
      s.note({ step: 'old-key', state: 'updated', detail: `${mask(old.accessKeyId)} deactivated` });
      await s.iam.deleteAccessKey(userName, old.accessKeyId);
      s.note({ step: 'old-key', state: 'deleted', detail: mask(old.accessKeyId) });
    } catch (e) {
      s.note({ step: 'old-key', state: 'failed', detail: `${mask(old.accessKeyId)} still exists (${(e as Error).name}); the workspace already uses the new key` });
    }
    await ctx.store().update((_d, tx) => tx.audit({ type: 'key-rotated', user: ctx.user, workspace: ws.name, details: { from: mask(old.accessKeyId), to: mask(key.accessKeyId), iamUser: userName } }));
    return result(s, { workspace: ws.name, userName, accessKeyId: mask(key.accessKeyId), previous: mask(old.accessKeyId) });
  } finally {
    s.iam.destroy();
  }
}

export type ProvisionOptions = IamCommonOptions & { tag?: string[] };

export type ProvisionResult = IamResult<{
  workspace: string;
  userName: string;
  userArn: string;
  /** Masked: the secret never leaves the store. */
  accessKeyId: string;
  placement: PolicyPlan['placement'];
  policySize: number;
  policyReason: string;
  notes: string[];
}>;

/** What provision and its printed twin check before anything happens (all of it bad input: exit 2). */
/**
 * One IAM user holds one route's least-privilege policy. Where another workspace of this config
 * keeps its key on the same user with another geography or region, writing this route's policy (or
 * giving this workspace a key of that user) would let one workspace's key serve the other's route,
 * and each one's put-policy would take the other's models away (attack reviews, stop 23): refused,
 * whatever --adopt-existing-user says. Which workspaces keep a key on the user is read from IAM
 * (the user's access keys against each workspace's stored key), and from the user name byok
 * recorded, so a key stored with `credentials set` counts too.
 */
async function refuseUserOfOtherRoute(ctx: Runtime, s: IamSession, workspace: string, userName: string, route: { geography?: Geography; region?: string }): Promise<void> {
  const { doc } = await ctx.store().read();
  // A workspace with no route yet differs from every route: it could be given any later.
  const others = Object.values(doc.workspaces).filter((w) => w.name !== workspace && (w.credentials !== undefined || w.apiKey !== undefined) && (route.geography === undefined || route.region === undefined || w.geography !== route.geography || w.region !== route.region));
  if (others.length === 0) return;
  // A user that does not exist yet holds no one's key.
  const listed = await s.iam.accessKeys(userName).catch((e: unknown) => (e instanceof Error && e.name.startsWith('NoSuchEntity') ? [] : refused(e, `the access keys of ${userName}`)));
  const keys = new Set(listed.map((k) => k.id));
  const apiKeyUser = (w: Workspace): string | undefined => (w.apiKey && 'iamUserName' in w.apiKey ? w.apiKey.iamUserName : undefined);
  for (const w of others) {
    // Its access key is one of the user's, or byok recorded the user for its key or its Bedrock API key.
    if (w.credentials?.iamUserName !== userName && !(w.credentials && keys.has(w.credentials.accessKeyId)) && apiKeyUser(w) !== userName) continue;
    s.note({ step: 'user', state: 'failed', detail: `${userName} holds the key of workspace ${w.name}, for another route` });
    throw new UsageError(
      'user-of-another-route',
      `IAM user ${userName} holds the key of workspace ${w.name} (${w.geography ? geographyLabel(w.geography) : 'no geography'} from ${w.region ?? 'no region'}), so its policy must serve that route. Writing ${route.geography && route.region ? `the ${geographyLabel(route.geography)} policy from ${route.region}` : 'a policy'} for ${workspace}${route.geography && route.region ? '' : ` (no route set yet)`}, or giving ${workspace} a key of it, would let one workspace's key reach the other's models. Nothing was changed.`,
      `Give workspace ${workspace} its own user: byok iam provision --workspace ${workspace} --user-name byok-${workspace}`,
    );
  }
}

/**
 * Before a workspace is given a credential of an IAM user: a user byok made for another workspace
 * is refused by its byok-workspace tag unless --adopt-existing-user, and always where another
 * workspace keeps a credential on it for another route.
 */
async function refuseOtherWorkspacesUser(ctx: Runtime, s: IamSession, ws: Workspace, userName: string, adopt: boolean | undefined): Promise<void> {
  const user = await s.iam.getUser(userName).catch((e) => refused(e, `the IAM user ${userName}`));
  const forWs = user?.tags.find((t) => t.Key === 'byok-workspace')?.Value;
  if (user && forWs !== undefined && forWs !== ws.name && !adopt) await refuseAdoption(s, userName, user, ws.name);
  await refuseUserOfOtherRoute(ctx, s, ws.name, userName, { geography: ws.geography, region: ws.region });
}

/**
 * For commands outside this file that give a workspace a credential of an IAM user (create-api-key):
 * the same refusals as create-access-key, by the user's tag and by route, before IAM is changed.
 */
export async function guardUserForWorkspace(ctx: Runtime, ws: Workspace, userName: string, o: { profile?: string; adoptExistingUser?: boolean }): Promise<void> {
  const s = await openSession(ctx, { profile: o.profile }, {});
  try {
    await refuseOtherWorkspacesUser(ctx, s, ws, userName, o.adoptExistingUser);
  } finally {
    s.iam.destroy();
  }
}

async function provisionInput(ctx: Runtime, o: ProvisionOptions) {
  const ws = await ownedWorkspace(ctx, o.workspace);
  const route = workspaceRoute(ctx, ws, o, 'provision');
  const userName = await userFor(ctx, o, ws);
  const tags = parseTags(o.tag, ws.name);
  parseModels(o.models);
  return { ws, route, userName, tags };
}

/**
 * user → policy → key → store → test, idempotently. A new key's secret is stored (encrypted) before
 * anything else can fail, or the key is deleted again; the geography and region the workspace lacked
 * (or, with changeWorkspaceRoute, a new route) are saved once the user is byok's to change (audited).
 */
export async function provision(ctx: Runtime, o: ProvisionOptions, hooks: ProvisionHooks = {}): Promise<ProvisionResult> {
  o = checkedRegionOption(o);
  const { ws, route, userName, tags } = await provisionInput(ctx, o);
  const s = await openSession(ctx, o, hooks);
  try {
    // Before anything is created or changed: a user another workspace keeps its key on for another route is refused.
    await refuseUserOfOtherRoute(ctx, s, ws.name, userName, route);
    const userArn = await ensureUser(s, userName, tags, { adopt: o.adoptExistingUser, workspace: ws.name });
    // The user is byok's to change: from here on the workspace's route is the one provisioned.
    if (route.changes.length) await saveRoute(s, ws.name, route);
    const plan = await ensurePolicy(s, userName, o, route);
    const keys = await s.iam.accessKeys(userName).catch((e) => refused(e, `the access keys of ${userName}`));
    const current = ws.credentials;
    let key: AwsCredentials;
    if (current && !current.accessKeyId.startsWith('ASIA') && keys.some((k) => k.id === current.accessKeyId && k.status === 'Active')) {
      key = { accessKeyId: current.accessKeyId, secretAccessKey: current.secretAccessKey };
      s.note({ step: 'access-key', state: 'exists', detail: `${mask(current.accessKeyId)} (stored in ${ws.name})` });
    } else {
      key = await createKeyFor(s, ws, userName, `byok iam provision --workspace ${ws.name} --user-name ${userName}`);
    }
    await testKey(s, key, route, plan.models);
    await ctx.store().update((doc) => {
      const w = doc.workspaces[ws.name];
      if (w) w.lastConnectionTest = { at: ctx.now().toISOString(), ok: true, summary: `provisioned ${userName}; ${plan.models.join(' and ')} invoked via ${route.geography} from ${route.region}` };
    });
    return result(s, { workspace: ws.name, userName, userArn, accessKeyId: mask(key.accessKeyId), placement: plan.placement, policySize: plan.size, policyReason: plan.reason, notes: plan.notes });
  } finally {
    s.iam.destroy();
  }
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface ProvisionCommands {
  accountId: string;
  workspace: string;
  userName: string;
  geography: Geography;
  region: string;
  placement: PolicyPlan['placement'];
  policySize: number;
  policyReason: string;
  notes: string[];
  /** AWS CLI (and byok) commands that do what provision does; the last one creates and stores the key. */
  commands: string[];
}

/** What provision would do, as AWS CLI commands (changes nothing; reads the account ID if not given). */
export async function provisionCommands(ctx: Runtime, o: ProvisionOptions): Promise<ProvisionCommands> {
  o = checkedRegionOption(o);
  const { ws, route, userName, tags } = await provisionInput(ctx, o);
  if (o.changeWorkspaceRoute && route.changes.some((c) => c.from !== null)) throw new UsageError('print-cannot-change-route', '--print-commands prints commands and changes nothing, so it cannot move the workspace (--change-workspace-route).', `Move the workspace first (byok config unset region --workspace ${ws.name}; byok config set geography ...; byok config set region ...), then print the commands.`);
  let account = o.account;
  if (account === undefined) {
    const { getCallerIdentity } = await import('../aws/sts.js');
    try {
      account = (await getCallerIdentity(ctx.env, 'us-east-1', await adminCredentials(ctx, o.profile), 2)).account;
    } catch {
      throw new UsageError('missing-account', 'byok needs the account ID to write the policy ARNs.', 'Pass --account 123456789012, or admin credentials so byok can read it.');
    }
  }
  const p = buildBedrockPolicy({ geography: route.geography, region: route.region, accountId: account, models: parseModels(o.models), withDiscovery: o.discovery !== false, catalog: route.catalog });
  if (!p.ok) throw new UsageError(p.error.code, p.error.reason, p.error.hint);
  const arn = `arn:aws:iam::${account}:policy/${managedPolicyName(userName)}`;
  const commands = [
    `aws iam create-user --user-name ${userName} --tags ${tags.map((t) => sq(`Key=${t.Key},Value=${t.Value}`)).join(' ')}`,
    ...(p.value.placement === 'inline'
      ? [`aws iam put-user-policy --user-name ${userName} --policy-name ${POLICY_NAME} --policy-document ${sq(p.value.json)}`]
      : [`aws iam create-policy --policy-name ${managedPolicyName(userName)} --policy-document ${sq(p.value.json)}`, `aws iam attach-user-policy --user-name ${userName} --policy-arn ${arn}`]),
    // The secret goes straight from AWS into byok's encrypted store: never into a file. If byok
    // cannot store it, the new key is deleted again (its secret would be lost otherwise).
    // What provision would save: the geography and region the workspace did not have yet (audited by config set).
    ...route.changes.map((c) => `byok config set ${c.key} ${c.to} --workspace ${ws.name}`),
    // printf's \n is written as the two characters backslash-n: a line break inside the quotes would
    // split the printed command across lines (issue 10 §4).
    `aws iam create-access-key --user-name ${sq(userName)} --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text | { read -r id secret && printf '%s\\n' "$secret" | byok credentials set --workspace ${sq(ws.name)} --access-key-id "$id" --secret-access-key-stdin || { aws iam delete-access-key --user-name ${sq(userName)} --access-key-id "$id"; false; }; }`,
  ];
  return { accountId: account, workspace: ws.name, userName, geography: route.geography, region: route.region, placement: p.value.placement, policySize: p.value.size, policyReason: p.value.reason, notes: p.value.notes, commands };
}

