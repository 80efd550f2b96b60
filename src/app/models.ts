// models check (reference aws.md §4): the control-plane view of model access per model —
// availability fields, the live inference profile against byok's table, the Anthropic use-case
// form — and a one-token invocation, since only a real call is conclusive (§4.2). Also the
// use-case form's submission (models request-access). Returns typed reports; never prints.
import type { Runtime } from './runtime.js';
import { pass, failedCall, problemCheck, residencyRefusal, routesFor, reportExitCode, MODEL_KEYS, CHECK_TIMEOUT_MS, type CheckResult } from './checks.js';
import { credentialsInUse, clockOffsetMs, CredentialsRefusedError } from './credentials.js';
import { availabilityLooksGranted, getInferenceProfile, getModelAvailability, getUseCaseForm, listInferenceProfiles, openBedrock, putUseCaseForm, type LiveInferenceProfile, type ModelAvailability, type UseCaseForm } from '../aws/bedrock.js';
import { openRuntime, probeConverse } from '../aws/runtime.js';
import { getCallerIdentity } from '../aws/sts.js';
import { toAwsFailure } from '../aws/errors.js';
import { pickWorkspace, requireAccess } from '../core/access.js';
import type { Geography } from '../core/config-doc.js';
import { EXIT, UsageError } from '../core/errors.js';
import { arnOutsideGeography, type LiveProfile } from '../core/geography.js';
import { MODELS, type ModelKey } from '../core/models.js';
import { resolveRoute, type Route } from '../core/routing.js';

export type { LiveInferenceProfile, ModelAvailability, UseCaseForm } from '../aws/bedrock.js';

export interface ModelsCheckOptions {
  /** The workspace to check (default: the runtime's, else the config's current one). */
  workspace?: string;
  /** Re-read the inference profiles with ListInferenceProfiles (picks up profiles AWS added). */
  refreshCatalog?: boolean;
  onProgress?: (text: string) => void;
}

export interface ProfileView {
  id: string;
  status: string;
  destinations: string[];
  tableDestinations: string[];
  difference: { added: string[]; removed: string[] } | null;
}

export interface ModelView {
  model: ModelKey;
  name: string;
  modelId: string;
  inferenceProfileId: string | null;
  accessible: boolean;
  availability: ModelAvailability | null;
  profile: ProfileView | null;
  checks: CheckResult[];
}

export interface CatalogView { source: 'built-in' | 'live'; profiles: number | null }

export interface ModelsCheckReport {
  ok: boolean;
  /** AWS refused the credentials outright: exit 4. */
  refused: boolean;
  exitCode: 0 | 1 | 4;
  workspace: string;
  geography: string | null;
  region: string | null;
  /** null when the check stopped at the credentials (then `models` is empty). */
  catalog: CatalogView | null;
  useCaseForm: { submitted: boolean | null } | null;
  models: ModelView[];
  /** The checks that belong to no model: catalog, catalog-stored, use-case-form. */
  general: CheckResult[];
  /** Every check, general ones first. */
  checks: CheckResult[];
}

/** byok's table vs the live profile. '*' in the table means "any commercial region" (global). */
export function compareDestinations(table: string[], live: string[]): { added: string[]; removed: string[] } | null {
  if (table.includes('*')) return null;
  const t = new Set(table);
  const l = new Set(live);
  const added = [...l].filter((r) => !t.has(r)).sort();
  const removed = [...t].filter((r) => !l.has(r)).sort();
  return added.length === 0 && removed.length === 0 ? null : { added, removed };
}

/**
 * Checks model access for the workspace. Never throws for an AWS failure (a failure is a check);
 * throws UsageError for a workspace that cannot be checked (no access, no region).
 */
export async function checkModels(ctx: Runtime, o: ModelsCheckOptions = {}): Promise<ModelsCheckReport> {
  const progress = (t: string): void => o.onProgress?.(t);
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc, o.workspace);
  requireAccess(ctx, ws);
  progress('Getting credentials…');
  const base = { workspace: ws.name, geography: ws.geography ?? null, region: ws.region ?? null };
  let creds: { region: string };
  let auth: { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } | { bearerToken: string };
  try {
    // A Bedrock API key workspace checks with its key (Bedrock and Bedrock Runtime take it; issue 14).
    const { apiKeyInUse } = await import('./api-keys.js');
    const key = await apiKeyInUse(ctx, { workspace: ws.name, requestTimeoutMs: CHECK_TIMEOUT_MS });
    if (key) {
      creds = key;
      auth = { bearerToken: key.token };
    } else {
      const c = await credentialsInUse(ctx, { workspace: ws.name, requestTimeoutMs: CHECK_TIMEOUT_MS });
      creds = c;
      auth = { credentials: { accessKeyId: c.credentials.accessKeyId, secretAccessKey: c.credentials.secretAccessKey, sessionToken: c.credentials.sessionToken } };
    }
  } catch (e) {
    if (e instanceof CredentialsRefusedError) {
      const c = problemCheck('credentials', e.category, e.message, e.hint);
      return { ok: false, refused: true, exitCode: EXIT.awsRefused, ...base, catalog: null, useCaseForm: null, models: [], general: [], checks: [c] };
    }
    if (e instanceof UsageError) throw e;
    const c = failedCall('credentials', e, { operation: 'GetSessionToken', region: ws.region ?? '', account: null, profileId: null });
    return { ok: false, refused: false, exitCode: EXIT.checkFailed, ...base, catalog: null, useCaseForm: null, models: [], general: [], checks: [c] };
  }
  const region = creds.region;
  const clock = clockOffsetMs(ctx);
  const client = await openBedrock(ctx.env, { region, ...auth, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  const runtime = await openRuntime(ctx.env, { region, ...auth, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  const general: CheckResult[] = [];
  try {
    // --refresh-catalog: the live profile list decides the routes (a profile AWS added later is used).
    let catalog: LiveProfile[] | undefined;
    let catalogView: CatalogView = { source: 'built-in', profiles: null };
    if (o.refreshCatalog) {
      progress('Reading the live inference-profile list…');
      try {
        const live = await listInferenceProfiles(client);
        catalog = live.map((p) => ({ profileId: p.id, sourceRegion: region, destinations: p.destinationRegions, status: p.status }));
        catalogView = { source: 'live', profiles: live.length };
        general.push(pass('catalog', `ListInferenceProfiles in ${region}: ${live.length} system-defined profiles`));
      } catch (e) {
        const c = failedCall('catalog', e, { operation: 'ListInferenceProfiles', region, account: null, profileId: null, fallbackResource: `arn:aws:bedrock:${region}:*:inference-profile/*` });
        c.status = 'warn';
        c.ok = true;
        c.detail = `could not re-read the profile list (${c.detail}); using byok's built-in table`;
        general.push(c);
      }
    }
    const routes: Partial<Record<ModelKey, Route>> = {};
    const refusals: Partial<Record<ModelKey, CheckResult>> = {};
    const liveLeaks: Partial<Record<ModelKey, CheckResult>> = {};
    if (catalog) {
      for (const m of MODEL_KEYS) {
        const r = resolveRoute({ model: m, geography: ws.geography, region, catalog });
        if (r.ok) routes[m] = r.value;
        else if (r.error.code === 'profile-leaves-geography' && ws.geography) {
          // The live list says this profile leaves the geography: byok's older table does not bring it back.
          liveLeaks[m] = residencyRefusal(`${m}.profile`, ws.geography, { profileId: r.error.profileId ?? null, sourceRegion: region, outsideRegions: r.error.outsideRegions ?? [] }, 'ListInferenceProfiles lists these destinations; no request was sent through the profile');
        }
      }
    }
    const fromTable = routesFor(ws);
    for (const m of MODEL_KEYS) {
      if (liveLeaks[m]) continue;
      if (!routes[m] && fromTable.routes[m]) routes[m] = fromTable.routes[m];
      if (!routes[m]) refusals[m] = fromTable.refusals.find((c) => c.name === `${m}.route`);
    }

    progress('Checking availability, profiles, the use-case form and invoking both models…');
    const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));
    const formP = settle(getUseCaseForm(client));
    const perModel = MODEL_KEYS.map(async (m): Promise<ModelView> => {
      const route = routes[m];
      const modelId = MODELS[m].modelId;
      // The destinations first (DESIGN §4.2): no prompt goes through a profile before byok knows
      // where AWS routes it, and none at all through one that leaves the geography.
      const [avail, profile] = await Promise.all([
        settle(getModelAvailability(client, modelId)),
        route ? settle(getInferenceProfile(client, route.inferenceProfileId)) : Promise.resolve(null),
      ]);
      const leaves = route && profile?.ok && ws.geography ? outsideOf(ws.geography, profile.v) : [];
      const invoke = route && leaves.length === 0 ? await settle(probeConverse(runtime, route.inferenceProfileId)) : null;
      const checks: CheckResult[] = [];
      let availability: ModelAvailability | null = null;
      if (avail.ok) {
        availability = avail.v;
        const fields = `agreement ${avail.v.agreementStatus}, authorization ${avail.v.authorizationStatus}, entitlement ${avail.v.entitlementAvailability}, region ${avail.v.regionAvailability}`;
        checks.push(availabilityLooksGranted(avail.v)
          ? pass(`${m}.availability`, fields)
          : { name: `${m}.availability`, ok: true, status: 'warn', detail: `${fields}${avail.v.agreementErrorMessage ? ` (${avail.v.agreementErrorMessage})` : ''}; the invocation below is the conclusive check`, category: 'model-access-denied', hint: null });
      } else {
        checks.push(discoveryFailure(`${m}.availability`, avail.e, 'GetFoundationModelAvailability', region, `arn:aws:bedrock:${region}::foundation-model/${modelId}`));
      }
      let profileView: ProfileView | null = null;
      if (route && profile) {
        if (profile.ok) {
          const live: LiveInferenceProfile = profile.v;
          const diff = compareDestinations(route.destinations, live.destinationRegions);
          profileView = { id: live.id || route.inferenceProfileId, status: live.status, destinations: live.destinationRegions.length > 0 ? live.destinationRegions : route.destinations, tableDestinations: route.destinations, difference: diff };
          if (leaves.length > 0 && ws.geography) {
            // Fail closed: byok stores this list, and routing then refuses the profile (core/geography.ts).
            checks.push(residencyRefusal(`${m}.profile`, ws.geography, { profileId: route.inferenceProfileId, sourceRegion: region, outsideRegions: leaves }, 'GetInferenceProfile lists these destinations; no request was sent through the profile'));
          } else if (live.status !== 'ACTIVE') {
            checks.push({ name: `${m}.profile`, ok: false, status: 'fail', detail: `${route.inferenceProfileId} is ${live.status} in ${region}`, category: 'region-mismatch', hint: 'Pick another source region or geography (byok route shows the options).' });
          } else if (diff) {
            checks.push({ name: `${m}.profile`, ok: true, status: 'warn', detail: `${route.inferenceProfileId} ACTIVE; AWS's destinations differ from byok's table (${diff.added.length ? `AWS adds ${diff.added.join(', ')}` : ''}${diff.added.length && diff.removed.length ? '; ' : ''}${diff.removed.length ? `AWS no longer lists ${diff.removed.join(', ')}` : ''}): the live list is used`, category: null, hint: 'Update the IAM policy so it covers every live destination region: byok iam put-policy (it uses the live list byok keeps), or apply byok iam provision --print-commands yourself.' });
          } else {
            checks.push(pass(`${m}.profile`, `${route.inferenceProfileId} ACTIVE, destinations ${live.destinationRegions.length === 0 || live.destinationRegions.includes('*') ? 'any commercial region' : live.destinationRegions.join(', ')} (as byok routes it${route.notes.some((n) => n.includes('live inference-profile list')) ? ', from the live list it keeps' : ''})`));
          }
        } else {
          const f = toAwsFailure(profile.e);
          if (f.code === 'ResourceNotFoundException') {
            checks.push(problemCheck(`${m}.profile`, 'region-mismatch', `AWS has no profile ${route.inferenceProfileId} in ${region}`, 'byok routes by its table; re-read the live list with --refresh-catalog.'));
          } else {
            checks.push(discoveryFailure(`${m}.profile`, profile.e, 'GetInferenceProfile', region, `arn:aws:bedrock:${region}:*:inference-profile/${route.inferenceProfileId}`));
          }
        }
      } else if (liveLeaks[m]) {
        checks.push(liveLeaks[m]!);
      } else if (refusals[m]) {
        checks.push(refusals[m]!);
      }
      let accessible = false;
      if (route && invoke) {
        if (invoke.ok) {
          accessible = true;
          checks.push(pass(`${m}.invoke`, `one-token Converse through ${route.inferenceProfileId} from ${region} answered (stop reason ${invoke.v.stopReason ?? 'n/a'})`));
        } else {
          checks.push(failedCall(`${m}.invoke`, invoke.e, { operation: 'Converse', region, account: null, profileId: route.inferenceProfileId, geography: ws.geography }));
        }
      }
      return { model: m, name: MODELS[m].name, modelId, inferenceProfileId: route?.inferenceProfileId ?? null, accessible, availability, profile: profileView, checks };
    });
    const [form, models] = await Promise.all([formP, Promise.all(perModel)]);
    const stored = await storeCatalog(catalog, models);
    if (stored) general.push(stored);

    const invokeFailedOnAccess = models.some((mv) => mv.checks.some((c) => c.name.endsWith('.invoke') && c.category === 'model-access-denied'));
    let formCheck: CheckResult;
    let submitted: boolean | null = null;
    if (form.ok) {
      submitted = form.v.submitted;
      formCheck = form.v.submitted
        ? pass('use-case-form', 'the Anthropic use-case form has been submitted for this account')
        : problemCheck('use-case-form', 'model-access-denied', 'the Anthropic use-case form has not been submitted for this account', 'Submit it: byok models request-access (or in the Bedrock console). An organization management account\'s submission also covers member accounts.', invokeFailedOnAccess ? 'fail' : 'warn');
    } else {
      formCheck = discoveryFailure('use-case-form', form.e, 'GetUseCaseForModelAccess', region, '*');
    }
    const checks = [...general, formCheck, ...models.flatMap((mv) => mv.checks)];
    const ok = checks.every((c) => c.ok);
    const refused = checks.some((c) => c.name.endsWith('.invoke') && (c.category === 'credential-invalid' || c.category === 'session-expired'));
    const exitCode = reportExitCode({ ok, refused });
    return { ok, refused, exitCode, ...base, region, catalog: catalogView, useCaseForm: { submitted }, models, general: [...general, formCheck], checks };
  } finally {
    client.destroy();
    runtime.destroy();
  }

  /**
   * "The live one wins" (DESIGN §4.2): the profile list AWS gave, or the routed profiles whose
   * destinations differ from byok's table, are kept for this workspace and region, so route,
   * invoke, test-connection and iam put-policy use them (only where they stay in the geography:
   * core/geography.ts checks every destination). The change is written to the audit log.
   */
  async function storeCatalog(listed: LiveProfile[] | undefined, mv: ModelView[]): Promise<CheckResult | null> {
    const learned: LiveProfile[] = mv.flatMap((m) => (m.profile && m.profile.status === 'ACTIVE' && m.profile.difference ? [{ profileId: m.profile.id, sourceRegion: region, destinations: m.profile.destinations, status: m.profile.status }] : []));
    if (!listed && learned.length === 0) return null;
    const fetchedAt = ctx.now().toISOString();
    const summary = (ps: readonly LiveProfile[]) => ps.map((x) => `${x.profileId}=${[...x.destinations].sort().join('+')}`).sort().join(' ');
    const { result } = await ctx.store().update((d, tx) => {
      const w = d.workspaces[ws.name];
      if (!w || w.region !== region) return null; // the region changed meanwhile: this list is not for it
      const before = w.catalog?.region === region ? w.catalog.profiles : [];
      const profiles = listed ?? [...before.filter((x) => !learned.some((l) => l.profileId === x.profileId)), ...learned];
      const changed = summary(before) !== summary(profiles);
      w.catalog = { region, fetchedAt, source: listed ? 'ListInferenceProfiles' : 'GetInferenceProfile', profiles };
      if (changed) tx.audit({ type: 'catalog-updated', user: ctx.user, workspace: w.name, details: { region, source: w.catalog.source, profiles: profiles.length, routed: learned.map((l) => l.profileId).join(',') || null } });
      return { changed, count: profiles.length };
    });
    if (!result) return null;
    return pass('catalog-stored', `${result.count} live profile${result.count === 1 ? '' : 's'} from ${region} kept for routing${result.changed ? ' (changed: recorded in the audit log)' : ''}; byok iam put-policy brings the IAM policy in line with them`);
  }

  /** Destinations of a live profile outside the geography ('' = the region-less global model). */
  function outsideOf(geography: Geography, live: LiveInferenceProfile): string[] {
    return [...new Set(live.modelArns.map((a) => arnOutsideGeography(geography, a)).filter((r): r is string => r !== null))].sort();
  }

  /** A read-only discovery call that failed: a missing permission is named, and is a warning (the invocation decides). */
  function discoveryFailure(name: string, e: unknown, operation: string, r: string, resource: string): CheckResult {
    const c = failedCall(name, e, { operation, region: r, account: null, profileId: null, fallbackResource: resource });
    if (c.category === 'iam-permission' && c.permission) {
      c.status = 'warn';
      c.ok = true;
      c.detail = `missing discovery permission ${c.permission.action}: ${c.detail}`;
      c.hint = `Add ${JSON.stringify(c.permission.statement)} to see this (byok iam put-policy includes the read-only discovery actions by default). The invocation still runs.`;
    }
    return c;
  }
}

export type UseCaseFormCredentials = { profile: string } | { fromEnv: true } | { workspace: string };

export interface UseCaseFormSubmission {
  ok: boolean;
  submitted: boolean;
  workspace: string | null;
  region: string;
  account: string | null;
  credentialsFrom: 'workspace' | 'profile' | 'environment';
  form: UseCaseForm;
  /** Why AWS did not take the form (null when it did). */
  check: CheckResult | null;
  exitCode: 0 | 1 | 4;
}

/**
 * Submits the Anthropic use-case form (PutUseCaseForModelAccess) in `region`, as an admin profile,
 * the environment's keys or the workspace's credentials. The caller has confirmed the submission.
 * Throws UsageError for unusable admin credentials; an AWS refusal is returned as a check.
 */
export async function submitUseCaseForm(
  ctx: Runtime,
  o: { region: string; form: UseCaseForm; workspace: string | null; from: UseCaseFormCredentials; onProgress?: (text: string) => void },
): Promise<UseCaseFormSubmission> {
  const { region, form } = o;
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  let credentialsFrom: 'workspace' | 'profile' | 'environment';
  if ('profile' in o.from) {
    const profile = o.from.profile;
    const { fromIni } = await import('@aws-sdk/credential-provider-ini');
    try {
      const c = await fromIni({ profile, filepath: ctx.env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: ctx.env.AWS_CONFIG_FILE })();
      credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
    } catch (e) {
      throw new UsageError('profile-unreadable', `Could not read credentials from AWS profile "${profile}": ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`, 'Check ~/.aws/credentials and ~/.aws/config (or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE).');
    }
    credentialsFrom = 'profile';
  } else if ('fromEnv' in o.from) {
    const id = ctx.env.AWS_ACCESS_KEY_ID;
    const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
    if (!id || !secret) throw new UsageError('missing-env-credentials', '--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.', 'Export them (and AWS_SESSION_TOKEN for temporary keys), or use --profile NAME.');
    credentials = { accessKeyId: id, secretAccessKey: secret, sessionToken: ctx.env.AWS_SESSION_TOKEN || undefined };
    credentialsFrom = 'environment';
  } else {
    const c = await credentialsInUse(ctx, { workspace: o.from.workspace, requestTimeoutMs: CHECK_TIMEOUT_MS });
    credentials = { accessKeyId: c.credentials.accessKeyId, secretAccessKey: c.credentials.secretAccessKey, sessionToken: c.credentials.sessionToken };
    credentialsFrom = 'workspace';
  }
  const clock = clockOffsetMs(ctx);
  const client = await openBedrock(ctx.env, { region, credentials, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  o.onProgress?.('Submitting the use-case form…');
  try {
    const [put, who] = await Promise.allSettled([
      putUseCaseForm(client, form),
      getCallerIdentity(ctx.env, region, credentials, { clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS }),
    ]);
    const account = who.status === 'fulfilled' ? who.value.account : null;
    const base = { workspace: o.workspace, region, account, credentialsFrom, form };
    if (put.status === 'rejected') {
      const c = failedCall('use-case-form', put.reason, { operation: 'PutUseCaseForModelAccess', region, account, profileId: null, fallbackResource: '*' });
      if (c.category === 'iam-permission' && credentialsFrom === 'workspace') {
        c.hint = `${c.hint ?? ''} The BYOK identity is least-privilege; submit as an admin instead: byok models request-access --profile ADMIN_PROFILE (or --from-env).`.trim();
      }
      const refused = c.category === 'credential-invalid' || c.category === 'session-expired';
      return { ok: false, submitted: false, ...base, check: c, exitCode: refused ? EXIT.awsRefused : c.category === 'iam-permission' ? EXIT.awsRefused : EXIT.checkFailed };
    }
    return { ok: true, submitted: true, ...base, check: null, exitCode: 0 };
  } finally {
    client.destroy();
  }
}
