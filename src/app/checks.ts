// The connection test (product document "Test Connection"): credentials valid, both models
// invokable through the selected profile, permissions right. Every independent call runs side by
// side once the credentials are ready; a failure becomes a check with its category and the
// document's troubleshooting steps (core/troubleshooting.ts), never a thrown error.
import type { Runtime } from './runtime.js';
import { pickWorkspace, requireAccess, type Role } from '../core/access.js';
import { mask } from '../core/credentials.js';
import { bearerFailure, bearerHint } from '../core/api-keys.js';
import { checkPlan } from '../core/plans.js';
import { workspaceCatalog, type Geography, type Workspace } from '../core/config-doc.js';
import { arnOutsideGeography, geographyName, outsideReason, residencyChoices } from '../core/geography.js';
import { ByokError } from '../core/errors.js';
import { MODELS, type ModelKey } from '../core/models.js';
import { resolveRoute, type Route } from '../core/routing.js';
import { problemFor, troubleshoot, type Problem } from '../core/troubleshooting.js';
import { clockOffsetMs, credentialsInUse, CredentialsRefusedError, type CredentialsInUse } from './credentials.js';
import { networkLead, toAwsFailure, type AwsFailure } from '../aws/errors.js';
import { deniedAccess, deniedBy, grantingStatement, profileArn, type PolicyStatementJson } from '../aws/permissions.js';
import { addPolicyFix, workspacePolicyFix } from '../aws/policy-hints.js';
import type { PolicyFix } from '../core/policy-fix.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One line of a report. `category` is DESIGN §4.3's vocabulary, or a workspace problem for doctor. */
export interface CheckResult {
  name: string;
  ok: boolean;
  status: CheckStatus;
  detail: string;
  category: Problem | null;
  hint: string | null;
  /** The product document's steps for this failure (core/troubleshooting.ts). */
  steps?: string[];
  /** For an AccessDenied: the missing action, the ARN, and the statement that would grant it. */
  permission?: MissingPermission;
  /** AWS routes the profile outside the workspace's geography: what byok refuses (never advice to grant it). */
  residency?: ResidencyRefusal;
  /** For an AccessDenied: which policy layer denied, as AWS's message says (null when it does not say). */
  deniedBy?: DeniedLayer | null;
}

/**
 * The layer that denied: a service control policy or a permissions boundary (no identity-policy
 * statement can fix either), the identity policy (an explicit Deny, or no Allow), or the identity
 * policy lacking the model in one destination region of the profile.
 */
export type DeniedLayer = 'identity-policy' | 'service-control-policy' | 'permissions-boundary' | 'destination-region' | 'other-policy';

export interface ResidencyRefusal {
  profileId: string | null;
  sourceRegion: string;
  outsideRegions: string[];
}

export interface MissingPermission {
  action: string;
  resource: string;
  statement: PolicyStatementJson;
  /** On the `permissions` check: byok's whole policy for the workspace, which grants every missing permission at once. */
  policy?: PolicyFix;
}

export const MODEL_KEYS: readonly ModelKey[] = ['sonnet', 'opus'];
/** Per-request timeout for checks: long enough for a slow model, short enough not to hang CI. */
export const CHECK_TIMEOUT_MS = 30_000;

export function pass(name: string, detail: string): CheckResult {
  return { name, ok: true, status: 'pass', detail, category: null, hint: null };
}

export function skip(name: string, detail: string): CheckResult {
  return { name, ok: false, status: 'skip', detail, category: null, hint: null };
}

/** A failed (or warning) check with the document's steps for `problem`; `category` overrides the one shown. */
export function problemCheck(name: string, problem: Problem, detail: string, lead?: string, status: CheckStatus = 'fail', category: Problem = problem): CheckResult {
  const t = troubleshoot(problem);
  return { name, ok: status !== 'fail', status, detail, category, hint: hintOf(lead, t.steps), steps: t.steps };
}

/** A hint: the lead (when there is one), then the document's steps, as sentences. */
function hintOf(lead: string | undefined, steps: readonly string[]): string {
  return [lead, ...steps].filter((s): s is string => s !== undefined && s !== '').join(' ');
}

export function describeFailure(f: AwsFailure): string {
  return `${f.code ?? (f.status ? `HTTP ${f.status}` : 'error')}${f.message ? `: ${f.message}` : ''}`;
}

/**
 * A failed AWS call as a check; an AccessDenied gets its action, ARN and granting statement, unless
 * the ARN lies outside the workspace's geography: then AWS routed the profile outside it, and the
 * check says so, with the admin's choices, and never offers a statement (DESIGN §4.2).
 */
export function failedCall(
  name: string,
  e: unknown,
  call: { operation: string; region: string; account: string | null; profileId: string | null; fallbackResource?: string; geography?: Geography },
): CheckResult {
  const f = toAwsFailure(e);
  const c = problemCheck(name, problemFor(f), describeFailure(f), leadFor(f), 'fail', f.category);
  if (f.category === 'iam-permission') {
    const pArn = call.profileId ? profileArn(call.region, call.account ?? '<ACCOUNT_ID>', call.profileId) : null;
    const denied = deniedAccess(f.message, call.operation, call.fallbackResource ?? pArn ?? '*');
    const outside = call.geography ? arnOutsideGeography(call.geography, denied.resource) : null;
    if (outside !== null && call.geography) {
      return residencyRefusal(name, call.geography, { profileId: call.profileId, sourceRegion: call.region, outsideRegions: [outside] }, `AWS denied ${denied.action} on ${denied.resource} (${f.code ?? 'AccessDenied'})`);
    }
    const layer = deniedBy(f.message);
    // arn:aws:bedrock:REGION::foundation-model/ID: a region other than the source is a destination of the profile.
    const fmRegion = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+)::foundation-model\//.exec(denied.resource)?.[1];
    const destination = fmRegion !== undefined && fmRegion !== call.region ? fmRegion : null;
    const inDest = destination ? ` in destination region ${destination} of ${call.profileId ?? 'the inference profile'}` : '';
    if (layer && layer.policy !== 'identity-based policy') {
      // Not the identity's policy: a statement added there cannot fix it, so none is offered.
      const scp = layer.policy === 'service control policy';
      const boundary = layer.policy === 'permissions boundary';
      c.deniedBy = scp ? 'service-control-policy' : boundary ? 'permissions-boundary' : 'other-policy';
      const where = `${scp ? "a service control policy of the account's AWS Organization" : boundary ? "the IAM user's permissions boundary" : `a ${layer.policy}`}${layer.policyArn ? ` (${layer.policyArn})` : ''}`;
      c.detail = `denied by ${where}${inDest} (${layer.explicit ? 'an explicit deny' : `it allows no ${denied.action}`}): ${c.detail}`;
      const lead = scp
        ? `Changing the IAM user's policy cannot fix this: a service control policy limits every identity in the account. Ask your AWS Organization's administrator to allow ${denied.action} on ${denied.resource} in the SCP; an inference profile needs every one of its destination regions allowed (an SCP that blocks any one of them fails the request).`
        : boundary
          ? `The identity policy is not what refuses: the permissions boundary set on the IAM user does not allow ${denied.action} on ${denied.resource}. An IAM administrator must allow it in the boundary policy, or remove the boundary.`
          : `AWS says a ${layer.policy} denies ${denied.action} on ${denied.resource}; the identity's own policy cannot override it.`;
      c.hint = `${lead} ${c.hint ?? ''}`.trim();
      return c;
    }
    if (layer?.explicit) {
      c.deniedBy = 'identity-policy';
      c.detail = `denied by an explicit Deny in the IAM user's identity policies${layer.policyArn ? ` (${layer.policyArn})` : ''}${inDest}: ${c.detail}`;
      c.hint = `An Allow cannot override an explicit Deny: remove or narrow the Deny statement for ${denied.action} on ${denied.resource} in the IAM user's policies. ${c.hint ?? ''}`.trim();
      return c;
    }
    c.deniedBy = destination ? 'destination-region' : 'identity-policy';
    c.detail = destination
      ? `the identity policy does not grant the model${inDest}: ${c.detail}`
      : `denied by the identity policy (no statement allows ${denied.action} on ${denied.resource}): ${c.detail}`;
    const statement = grantingStatement(denied, { region: call.region, profileArn: pArn });
    c.permission = { action: denied.action, resource: denied.resource, statement };
    c.hint = `Missing permission ${denied.action} on ${denied.resource}. Add this statement to the BYOK identity's policy: ${JSON.stringify(statement)}. ${c.hint ?? ''}`.trim();
  }
  return c;
}

/** AWS routes a profile outside the geography: reported as what it is, with the admin's choices. */
export function residencyRefusal(name: string, geography: Geography, r: ResidencyRefusal, evidence: string): CheckResult {
  const where = r.outsideRegions.map((x) => (x === '' ? 'the region-less global model' : outsideReason(geography, x))).join('; ');
  const c = problemCheck(
    name,
    'profile-leaves-geography',
    `AWS routed ${r.profileId ?? 'the inference profile'} from ${r.sourceRegion} outside ${geographyName(geography)}: ${where}. ${evidence}; byok refuses this profile.`,
    residencyChoices(geography),
    'fail',
    'region-mismatch',
  );
  c.residency = r;
  return c;
}

function leadFor(f: AwsFailure): string | undefined {
  if (f.network) return networkLead(f);
  if (f.category === 'model-access-denied' && /use case/i.test(f.message ?? '')) {
    return 'The Anthropic use-case form has not been submitted for this account: byok models request-access.';
  }
  if (f.category === 'throttled') return 'AWS throttled the call; the SDK already retried with backoff.';
  if (f.category === 'service-unavailable') return 'Bedrock answered with a transient server-side error; the SDK already retried.';
  return undefined;
}

/**
 * The product document's "BYOK not working in workspace" checks: owner configured, BYOK enabled,
 * plan eligible. doctor lists them all (with `role`, a member is told they inherit the owner's
 * BYOK); test-connection stops at a failed one of the first two.
 */
export function workspaceChecks(ws: Workspace, role?: Role): CheckResult[] {
  const who = role === 'member' ? ` (you are a member; members inherit the owner's BYOK)` : '';
  const plan = checkPlan(ws.plan);
  return [
    ws.credentials
      ? pass('owner-configured', `the owner (${ws.owner}) has configured BYOK: ${mask(ws.credentials.accessKeyId)}${who}`)
      : ws.apiKey && !('minted' in ws.apiKey) // a Bedrock API key given to byok needs no IAM credentials (as usableWorkspace)
        ? pass('owner-configured', `the owner (${ws.owner}) has configured BYOK: a ${ws.apiKey.kind} Bedrock API key${who}`)
        : problemCheck('owner-configured', 'owner-not-configured', `the workspace owner (${ws.owner}) has not configured BYOK credentials for ${ws.name}${who}`),
    ws.byokEnabled ? pass('byok-enabled', 'BYOK is enabled') : problemCheck('byok-enabled', 'byok-disabled', `BYOK is disabled in workspace ${ws.name}`),
    plan.ok ? pass('plan-eligible', `the owner's plan (${plan.value.label}) includes BYOK`) : problemCheck('plan-eligible', 'plan-ineligible', plan.error.reason, plan.error.hint),
  ];
}

/** The route for each model, or the refusal as a check (APAC has no Opus profile: a warning, not a failure). */
export function routesFor(ws: Workspace): { routes: Partial<Record<ModelKey, Route>>; refusals: CheckResult[] } {
  const routes: Partial<Record<ModelKey, Route>> = {};
  const refusals: CheckResult[] = [];
  for (const model of MODEL_KEYS) {
    const r = resolveRoute({ model, geography: ws.geography, region: ws.region, catalog: workspaceCatalog(ws) });
    if (r.ok) {
      routes[model] = r.value;
      continue;
    }
    const e = r.error;
    const name = `${model}.route`;
    if (e.code === 'model-not-in-geography' && model === 'opus' && ws.geography === 'apac') {
      const c = problemCheck(name, 'apac-opus-unavailable', e.reason, undefined, 'warn', 'region-mismatch');
      c.hint = e.hint ?? c.hint; // the refusal's own hint already says what the steps say
      refusals.push(c);
    } else if (e.code === 'region-outside-geography') {
      refusals.push(problemCheck(name, 'region-outside-geography', e.reason, e.hint, 'fail', 'region-mismatch'));
    } else if (e.code === 'geography-not-set' || e.code === 'region-not-set') {
      refusals.push({ name, ok: false, status: 'fail', detail: e.reason, category: 'region-mismatch', hint: e.hint });
    } else {
      const c = problemCheck(name, 'region-mismatch', e.reason, e.hint);
      refusals.push(c);
    }
  }
  return { routes, refusals };
}

export interface IdentityInfo { account: string; arn: string }

export interface ConnectionReport {
  ok: boolean;
  /** AWS refused the credentials outright (or an ASIA key had expired): exit 4. */
  refused: boolean;
  /** The refusal was byok's own (an expired ASIA key or API key): no call was made to AWS. */
  noCallMade?: boolean;
  workspace: string;
  geography: string | null;
  region: string | null;
  identity: IdentityInfo | null;
  credentials: {
    accessKeyId: string;
    kind: 'long-term' | 'temporary';
    /** temporary-key: the stored ASIA key; cached-session / new-session: an STS session of the AKIA key. */
    source: CredentialsInUse['source'];
    session_token_expires_at: string | null;
  } | null;
  /**
   * The workspace calls Bedrock with a Bedrock API key (issue 14): its kind, masked, and expiry.
   * A bearer key cannot call STS, so `identity` stays null and the `credentials` check is Bedrock's
   * own answer to the key (the probes are authenticated with it).
   */
  apiKey?: { kind: 'short-term' | 'long-term'; key: string; minted: boolean; source: string; expiresAt: string | null; madeFrom: string | null } | null;
  /** A cached session AWS no longer accepted was replaced and the test run again. */
  sessionRenewed: boolean;
  routes: { model: ModelKey; inferenceProfileId: string; region: string; destinations: string[] }[];
  checks: CheckResult[];
  testedAt: string;
  durationMs: number;
}

export interface ConnectionTestOptions {
  workspace?: string;
  /** Also probe ConverseStream (test-connection does; models check does not). */
  stream?: boolean;
  onProgress?: (text: string) => void;
}

function prefetchSdk(): void {
  // Start loading the SDK while the credentials are read, so module loading is off the critical path.
  void import('@aws-sdk/client-sts').catch(() => undefined);
  void import('@aws-sdk/client-bedrock-runtime').catch(() => undefined);
}

/** Runs the connection test against the workspace's configuration. Never throws for an AWS failure. */
export async function runConnectionChecks(ctx: Runtime, o: ConnectionTestOptions = {}): Promise<ConnectionReport> {
  const started = Date.now();
  const testedAt = ctx.now().toISOString();
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc, o.workspace);
  requireAccess(ctx, ws);
  const base: ConnectionReport = {
    ok: false,
    refused: false,
    workspace: ws.name,
    geography: ws.geography ?? null,
    region: ws.region ?? null,
    identity: null,
    credentials: null,
    sessionRenewed: false,
    routes: [],
    checks: [],
    testedAt,
    durationMs: 0,
  };
  const finish = (r: ConnectionReport): ConnectionReport => {
    r.ok = r.checks.every((c) => c.ok);
    r.durationMs = Date.now() - started;
    return r;
  };
  const pre = workspaceChecks(ws).filter((c) => !c.ok && c.name !== 'plan-eligible');
  if (pre.length > 0) return finish({ ...base, checks: pre });
  prefetchSdk();
  const { routes, refusals } = routesFor(ws);
  base.routes = MODEL_KEYS.flatMap((m) => {
    const r = routes[m];
    return r ? [{ model: m, inferenceProfileId: r.inferenceProfileId, region: r.region, destinations: r.destinations }] : [];
  });

  let report = await attempt(ctx, ws, base, routes, refusals, o, false);
  // A cached session AWS no longer accepts (revoked, or the key was rotated) is replaced once.
  if (report.refused && (report.credentials?.source === 'cached-session' || report.apiKey?.source === 'cached')) {
    report = await attempt(ctx, ws, base, routes, refusals, o, true);
    report.sessionRenewed = true;
  }
  return finish(report);
}

async function attempt(
  ctx: Runtime,
  ws: Workspace,
  base: ConnectionReport,
  routes: Partial<Record<ModelKey, Route>>,
  refusals: CheckResult[],
  o: ConnectionTestOptions,
  forceRefresh: boolean,
): Promise<ConnectionReport> {
  const report: ConnectionReport = { ...base, checks: [] };
  o.onProgress?.('Getting credentials…');
  let creds: CredentialsInUse;
  let bearer: import('./api-keys.js').ApiKeyInUse | null = null;
  try {
    if (ws.apiKey) {
      const { apiKeyInUse } = await import('./api-keys.js');
      bearer = await apiKeyInUse(ctx, { workspace: ws.name, forceRefresh: forceRefresh && 'minted' in ws.apiKey, requestTimeoutMs: CHECK_TIMEOUT_MS });
    }
    creds = bearer ? bearerAsCreds(bearer) : await credentialsInUse(ctx, { workspace: ws.name, forceRefresh, requestTimeoutMs: CHECK_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof CredentialsRefusedError) {
      report.refused = true;
      // No AWS answer behind it (failure null): byok saw the expiry itself and sent nothing.
      if (e.failure === null) report.noCallMade = true;
      // For a refused key, byok's own advice says what the document's steps say (check the key,
      // aws sts get-caller-identity, store the current one): the steps alone, not the same advice
      // twice in one paragraph (new-user review).
      const c = problemCheck('credentials', e.category, e.message, e.category === 'credential-invalid' ? undefined : e.hint);
      report.checks = [c, ...skippedProbes(routes, refusals, o, e.failure === null ? 'the credentials cannot be used, so no call was made' : 'credentials were refused')];
      return report;
    }
    if (e instanceof ByokError) throw e;
    // GetSessionToken throttled, 5xx, unreachable: the key may be fine; say what happened.
    report.checks = [failedCall('credentials', e, { operation: 'GetSessionToken', region: ws.region!, account: null, profileId: null }), ...skippedProbes(routes, refusals, o, 'no session credentials')];
    return report;
  }
  const { getCallerIdentity } = await import('../aws/sts.js');
  const { openRuntime, probeConverse, probeConverseStream } = await import('../aws/runtime.js');
  const clock = clockOffsetMs(ctx);
  const region = creds.region;
  let auth: { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } | { bearerToken: string };
  let identityP: Promise<{ ok: true; v: Awaited<ReturnType<typeof getCallerIdentity>> } | { ok: false; err: unknown } | { ok: 'bearer' }>;
  if (bearer) {
    const { maskApiKey, shortTermFacts } = await import('../core/api-keys.js');
    const madeFrom = bearer.kind === 'short-term' ? shortTermFacts(bearer.token)?.accessKeyId : undefined;
    const k = ws.apiKey!;
    report.apiKey = { kind: bearer.kind, key: maskApiKey(bearer.token), minted: bearer.minted, source: bearer.source, expiresAt: bearer.expiresAt, madeFrom: madeFrom ? mask(madeFrom) : !('minted' in k) && k.kind === 'long-term' && k.iamUserName ? `IAM user ${k.iamUserName}` : null };
    auth = { bearerToken: bearer.token };
    // A bearer key cannot call STS (GetCallerIdentity takes SigV4 only): Bedrock's answer to the probes is the check.
    identityP = Promise.resolve({ ok: 'bearer' as const });
    o.onProgress?.('Invoking both models with the Bedrock API key…');
  } else {
    report.credentials = { accessKeyId: creds.accessKeyId, kind: creds.kind, source: creds.source, session_token_expires_at: creds.expiresAt };
    const credentials = { accessKeyId: creds.credentials.accessKeyId, secretAccessKey: creds.credentials.secretAccessKey, sessionToken: creds.credentials.sessionToken };
    auth = { credentials };
    o.onProgress?.('Checking identity and invoking both models…');
    // Settled at once: a rejection must not wait unhandled while the clients below are opened.
    identityP = getCallerIdentity(ctx.env, region, credentials, { clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS }).then((v) => ({ ok: true as const, v }), (err: unknown) => ({ ok: false as const, err }));
  }
  const runtime = await openRuntime(ctx.env, { region, ...auth, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  const geography = ws.geography;
  // Residency first: where AWS says a profile now routes outside the geography, no prompt is sent
  // through it. Needs the read-only bedrock:GetInferenceProfile (in byok's default policy); without
  // it the probes still run, and byok's policy (the model granted only inside the geography) is
  // what makes AWS refuse a request it would route outside.
  const bedrock = geography && geography !== 'global' ? await import('../aws/bedrock.js') : null;
  const control = bedrock ? await bedrock.openBedrock(ctx.env, { region, ...auth, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS }) : null;
  type Probe = { model: ModelKey; op: 'converse' | 'converse-stream'; route: Route; result: PromiseSettledResult<Awaited<ReturnType<typeof probeConverse>>> };
  type Looked = { model: ModelKey; route: Route; leaving: string[] | null; unverified: string | null; unverifiedHint?: string };
  const perModel: Promise<{ looked: Looked; probes: Probe[] }>[] = [];
  for (const model of MODEL_KEYS) {
    const route = routes[model];
    if (!route) continue;
    perModel.push((async () => {
      const looked: Looked = { model, route, leaving: null, unverified: null };
      if (bedrock && control && geography) {
        try {
          const live = await bedrock.getInferenceProfile(control, route.inferenceProfileId);
          const outside = live.modelArns.map((a) => arnOutsideGeography(geography, a)).filter((x): x is string => x !== null);
          if (outside.length > 0) looked.leaving = [...new Set(outside)].sort();
        } catch (e) {
          const f = toAwsFailure(e);
          looked.unverified = f.category === 'iam-permission' ? 'bedrock:GetInferenceProfile is not allowed' : describeFailure(f);
          // The permission is the fix only when the permission was the refusal: a network failure
          // or a throttle gets its own advice.
          if (f.category !== 'iam-permission') looked.unverifiedHint = hintOf(leadFor(f), troubleshoot(problemFor(f)).steps);
        }
      }
      if (looked.leaving) return { looked, probes: [] };
      const ops: ('converse' | 'converse-stream')[] = o.stream === false ? ['converse'] : ['converse', 'converse-stream'];
      const probes = await Promise.all(ops.map((op) => {
        const call = op === 'converse' ? probeConverse(runtime, route.inferenceProfileId) : probeConverseStream(runtime, route.inferenceProfileId);
        return call.then((v) => ({ model, op, route, result: { status: 'fulfilled', value: v } as const }), (err: unknown) => ({ model, op, route, result: { status: 'rejected', reason: err } as const }));
      }));
      return { looked, probes };
    })());
  }
  const [identityR, done] = await Promise.all([identityP, Promise.all(perModel)]);
  runtime.destroy();
  control?.destroy();
  const probes = done.flatMap((d) => d.probes);

  const checks: CheckResult[] = [];
  let account: string | null = null;
  if (identityR.ok === 'bearer') {
    checks.push(bearerCheck(report.apiKey!, probes, ws));
    if (checks.at(-1)!.status === 'fail') report.refused = true;
  } else if (identityR.ok) {
    account = identityR.v.account;
    report.identity = { account: identityR.v.account, arn: identityR.v.arn };
    checks.push(pass('credentials', `valid: account ${identityR.v.account}, ${identityR.v.arn} (${describeSource(creds)})`));
  } else {
    const c = failedCall('credentials', identityR.err, { operation: 'GetCallerIdentity', region, account: null, profileId: null });
    if (c.category === 'credential-invalid' || c.category === 'session-expired') report.refused = true;
    checks.push(c);
  }
  checks.push(...refusals);
  for (const { looked } of done) {
    if (looked.leaving && geography) {
      checks.push(residencyRefusal(`${looked.model}.profile`, geography, { profileId: looked.route.inferenceProfileId, sourceRegion: region, outsideRegions: looked.leaving }, 'GetInferenceProfile lists these destinations; no request was sent through the profile'));
    } else if (looked.unverified) {
      checks.push({ name: `${looked.model}.profile`, ok: true, status: 'warn', detail: `destinations of ${looked.route.inferenceProfileId} not verified (${looked.unverified}); byok's policy grants the model only inside the geography, so AWS refuses a request it would route outside it`, category: null, hint: looked.unverifiedHint ?? 'Let byok read the destinations before it sends anything: byok iam put-policy (the default policy includes the read-only bedrock:GetInferenceProfile).' });
    }
  }
  for (const p of probes) {
    const name = `${p.model}.${p.op}`;
    const opName = p.op === 'converse' ? 'Converse' : 'ConverseStream';
    if (p.result.status === 'fulfilled') {
      const v = p.result.value;
      const retried = v.attempts > 1 ? ` after ${v.attempts} attempts` : '';
      checks.push(pass(name, `${MODELS[p.model].name} answered through ${p.route.inferenceProfileId} from ${p.route.region}${retried} (${opName}, stop reason ${v.stopReason ?? 'n/a'})`));
    } else {
      checks.push(failedCall(name, p.result.reason, { operation: opName, region, account, profileId: p.route.inferenceProfileId, geography }));
    }
  }
  checks.push(permissionsSummary(checks, probes.length, geography));
  addPolicyFix(checks, workspacePolicyFix(ws, report.identity));
  report.checks = checks;
  return report;
}

/** The key in use, in the shape the rest of attempt() reads (region and masked ID only; no SigV4 secret). */
function bearerAsCreds(k: import('./api-keys.js').ApiKeyInUse): CredentialsInUse {
  return { workspace: k.workspace, credentials: { accessKeyId: '', secretAccessKey: '' }, source: 'temporary-key', accessKeyId: '', kind: 'temporary', expiresAt: k.expiresAt, region: k.region };
}

/**
 * The credentials check for a Bedrock API key: STS cannot be asked, so Bedrock is — the probes are
 * authenticated with the key, and a refusal of the key (expired, malformed, wrong, revoked, other
 * region) fails this check with the hint for the workspace's kind of key.
 */
function bearerCheck(k: NonNullable<ConnectionReport['apiKey']>, probes: { result: PromiseSettledResult<unknown> }[], ws: Workspace): CheckResult {
  const what = `${k.kind} Bedrock API key ${k.key}${k.minted ? ' (minted by byok)' : ''}${k.expiresAt ? `, valid until ${k.expiresAt}` : ', no expiry'}`;
  const who = k.madeFrom ? `; identity: ${k.kind === 'short-term' ? `made from access key ${k.madeFrom}` : k.madeFrom}` : "; identity: not known to byok (a pasted long-term key does not say whose it is; AWS evaluates its IAM user's policy)";
  const refused = probes.map((p) => (p.result.status === 'rejected' ? toAwsFailure(p.result.reason) : null)).find((f) => f && (f.category === 'credential-invalid' || f.category === 'session-expired'));
  if (refused) {
    const kind = bearerFailure({ code: refused.code, message: refused.message });
    const c = problemCheck('credentials', problemFor(refused), `Bedrock refused the ${what}: ${describeFailure(refused)}`, kind ? bearerHint(kind, { kind: k.kind, minted: k.minted, region: ws.region }) : undefined, 'fail', refused.category);
    return c;
  }
  if (probes.length === 0) return skip('credentials', `${what}: not verified (no model was invoked); a bearer key cannot call STS, so only Bedrock can check it`);
  return pass('credentials', `Bedrock accepted the ${what}${who}. A bearer key cannot call STS GetCallerIdentity; checked instead: Bedrock authenticated the model calls below with it`);
}

function describeSource(c: CredentialsInUse): string {
  if (c.source === 'temporary-key') return `temporary key ${c.accessKeyId}, expires ${c.expiresAt}`;
  return `${c.source === 'cached-session' ? 'cached' : 'new'} STS session of long-term key ${c.accessKeyId}, valid until ${c.expiresAt}`;
}

function skippedProbes(routes: Partial<Record<ModelKey, Route>>, refusals: CheckResult[], o: ConnectionTestOptions, why: string): CheckResult[] {
  const out: CheckResult[] = [...refusals];
  for (const model of MODEL_KEYS) {
    if (!routes[model]) continue;
    const ops = o.stream === false ? ['converse'] : ['converse', 'converse-stream'];
    for (const op of ops) out.push({ name: `${model}.${op}`, ok: false, status: 'skip', detail: `not run: ${why}`, category: null, hint: null });
  }
  return out;
}

/** "Permissions are correctly configured": conclusive only when every probe answered or was denied. */
function permissionsSummary(checks: CheckResult[], probeCount: number, geography: Geography | undefined): CheckResult {
  const probeChecks = checks.filter((c) => /\.converse(-stream)?$/.test(c.name));
  const denied = probeChecks.filter((c) => c.category === 'iam-permission' && c.permission);
  // A denial (or a known destination) outside the geography is not a missing permission: byok's
  // policy leaves it out on purpose, and the summary says so instead of asking for it.
  const leaving = checks.filter((c) => c.residency);
  const leavingNote = leaving.length > 0 && geography
    ? `not granted, on purpose: AWS routes ${[...new Set(leaving.map((c) => c.residency!.profileId ?? 'a profile'))].join(', ')} outside ${geographyName(geography)}`
    : null;
  if (denied.length > 0) {
    // A model missing in a destination region (not the source) is said as such: the confusion AWS users report most.
    const destOf = (c: CheckResult) => (c.deniedBy === 'destination-region' ? /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+)::/.exec(c.permission!.resource)?.[1] : undefined);
    const list = denied.map((c) => `${c.permission!.action} on ${c.permission!.resource}${destOf(c) ? ` (destination region ${destOf(c)} of the profile)` : ''}`);
    const unique = [...new Set(list)];
    const statements = [...new Map(denied.map((c) => [JSON.stringify(c.permission!.statement), c.permission!.statement])).values()];
    const c = problemCheck('permissions', 'iam-permission', `the identity policy does not grant what the profiles need; missing: ${unique.join('; ')}${leavingNote ? `; ${leavingNote}` : ''}`, `Add to the BYOK identity's policy: ${JSON.stringify(statements)}.`);
    c.permission = denied[0]!.permission;
    c.deniedBy = denied.some((x) => x.deniedBy === 'destination-region') ? 'destination-region' : 'identity-policy';
    return c;
  }
  // Denied by a layer no identity statement fixes (an SCP, a permissions boundary, an explicit Deny): said as it is.
  const layered = probeChecks.filter((c) => c.category === 'iam-permission' && c.deniedBy && !c.permission);
  if (layered.length > 0) {
    return { ...layered[0]!, name: 'permissions', detail: [...new Set(layered.map((c) => c.detail))].join('; ') };
  }
  if (leavingNote && geography) {
    return problemCheck('permissions', 'profile-leaves-geography', leavingNote, residencyChoices(geography), 'fail', 'region-mismatch');
  }
  if (probeCount === 0) return { name: 'permissions', ok: false, status: 'skip', detail: 'not verified: no model could be invoked', category: null, hint: null };
  const other = probeChecks.filter((c) => !c.ok);
  if (other.length > 0) {
    return { name: 'permissions', ok: false, status: 'skip', detail: `not verified: ${other.map((c) => c.name).join(', ')} failed for another reason (see above)`, category: null, hint: null };
  }
  return pass('permissions', 'bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream allowed through the selected profiles');
}

/** The exit code a report maps to (DESIGN §2): 0 all pass, 4 credentials refused, else 1. */
export function reportExitCode(r: { ok: boolean; refused: boolean }): 0 | 1 | 4 {
  if (r.refused) return 4;
  return r.ok ? 0 : 1;
}

/** The record `doctor` and `config show` read back. */
export async function recordConnectionTest(ctx: Runtime, r: ConnectionReport): Promise<void> {
  const failed = r.checks.filter((c) => c.status === 'fail');
  const summary = r.ok
    ? `all ${r.checks.filter((c) => c.status === 'pass').length} checks passed${r.identity ? ` (account ${r.identity.account})` : ''}`
    : `failed: ${failed.map((c) => `${c.name}${c.category ? ` (${c.category})` : ''}`).join(', ')}`;
  await ctx.store().update((d) => {
    const w = d.workspaces[r.workspace];
    if (w) w.lastConnectionTest = { at: r.testedAt, ok: r.ok, summary };
  });
}

