// byok models check | request-access. The control-plane view of model access (reference aws.md
// §4): availability fields, the live inference profile against byok's table, the Anthropic
// use-case form — and a one-token invocation, since only a real call is conclusive (§4.2).
import type { Command } from 'commander';
import type { CheckResult } from '../../app/checks.js';
import type { LiveInferenceProfile, ModelAvailability, UseCaseForm } from '../../aws/bedrock.js';
import type { Geography } from '../../core/config-doc.js';
import { UsageError, EXIT, CancelledError } from '../../core/errors.js';
import { arnOutsideGeography, isValidRegionName, type LiveProfile } from '../../core/geography.js';
import { MODELS, type ModelKey } from '../../core/models.js';
import type { Route } from '../../core/routing.js';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import { startSpinner } from '../spinner.js';
import { choiceParser, pickWorkspace, printable, requireAccess } from './shared.js';
import { checkJson, renderChecks } from '../render/checks.js';

export interface ModelsCheckOptions { refreshCatalog?: boolean }

interface ProfileView {
  id: string;
  status: string;
  destinations: string[];
  tableDestinations: string[];
  difference: { added: string[]; removed: string[] } | null;
}

interface ModelView {
  model: ModelKey;
  name: string;
  modelId: string;
  inferenceProfileId: string | null;
  accessible: boolean;
  availability: ModelAvailability | null;
  profile: ProfileView | null;
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

export async function runModelsCheck(o: ModelsCheckOptions, ctx: Context): Promise<Output> {
  const checksMod = await import('../../app/checks.js');
  const { pass, failedCall, problemCheck, residencyRefusal, routesFor, reportExitCode, MODEL_KEYS, CHECK_TIMEOUT_MS } = checksMod;
  const { credentialsInUse, clockOffsetMs, CredentialsRefusedError } = await import('../../app/credentials.js');
  const bedrock = await import('../../aws/bedrock.js');
  const { openRuntime, probeConverse } = await import('../../aws/runtime.js');
  const { resolveRoute } = await import('../../core/routing.js');
  const { toAwsFailure } = await import('../../aws/errors.js');

  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc);
  requireAccess(ctx, ws);
  const spinner = startSpinner(ctx, 'Getting credentials…');
  const base = { workspace: ws.name, geography: ws.geography ?? null, region: ws.region ?? null };
  let creds: { region: string };
  let auth: { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } | { bearerToken: string };
  try {
    // A Bedrock API key workspace checks with its key (Bedrock and Bedrock Runtime take it; issue 14).
    const { apiKeyInUse } = await import('../../app/api-keys.js');
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
    spinner.stop();
    if (e instanceof CredentialsRefusedError) {
      const c = problemCheck('credentials', e.category, e.message, e.hint);
      return { json: { ok: false, ...base, catalog: null, useCaseForm: null, models: [], checks: [checkJson(c)] }, lines: renderChecks(ctx, [c]), exitCode: EXIT.awsRefused };
    }
    if (e instanceof UsageError) throw e;
    const c = failedCall('credentials', e, { operation: 'GetSessionToken', region: ws.region ?? '', account: null, profileId: null });
    return { json: { ok: false, ...base, catalog: null, useCaseForm: null, models: [], checks: [checkJson(c)] }, lines: renderChecks(ctx, [c]), exitCode: EXIT.checkFailed };
  }
  const region = creds.region;
  const clock = clockOffsetMs(ctx);
  const client = await bedrock.openBedrock(ctx.env, { region, ...auth, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  const runtime = await openRuntime(ctx.env, { region, ...auth, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  const general: CheckResult[] = [];
  try {
    // --refresh-catalog: the live profile list decides the routes (a profile AWS added later is used).
    let catalog: LiveProfile[] | undefined;
    let catalogView: { source: 'built-in' | 'live'; profiles: number | null } = { source: 'built-in', profiles: null };
    if (o.refreshCatalog) {
      spinner.update('Reading the live inference-profile list…');
      try {
        const live = await bedrock.listInferenceProfiles(client);
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

    spinner.update('Checking availability, profiles, the use-case form and invoking both models…');
    const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));
    const formP = settle(bedrock.getUseCaseForm(client));
    const perModel = MODEL_KEYS.map(async (m): Promise<ModelView> => {
      const route = routes[m];
      const modelId = MODELS[m].modelId;
      // The destinations first (DESIGN §4.2): no prompt goes through a profile before byok knows
      // where AWS routes it, and none at all through one that leaves the geography.
      const [avail, profile] = await Promise.all([
        settle(bedrock.getModelAvailability(client, modelId)),
        route ? settle(bedrock.getInferenceProfile(client, route.inferenceProfileId)) : Promise.resolve(null),
      ]);
      const leaves = route && profile?.ok && ws.geography ? outsideOf(ws.geography, profile.v) : [];
      const invoke = route && leaves.length === 0 ? await settle(probeConverse(runtime, route.inferenceProfileId)) : null;
      const checks: CheckResult[] = [];
      let availability: ModelAvailability | null = null;
      if (avail.ok) {
        availability = avail.v;
        const fields = `agreement ${avail.v.agreementStatus}, authorization ${avail.v.authorizationStatus}, entitlement ${avail.v.entitlementAvailability}, region ${avail.v.regionAvailability}`;
        checks.push(bedrock.availabilityLooksGranted(avail.v)
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
    spinner.stop();
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
    const lines: string[] = [];
    for (const mv of models) {
      lines.push(ctx.chalk.bold(`${mv.name} (${mv.modelId})${mv.inferenceProfileId ? ` via ${mv.inferenceProfileId} from ${region}` : ''}`));
      lines.push(...renderChecks(ctx, mv.checks).map((l) => `  ${l}`));
    }
    lines.push(...renderChecks(ctx, [...general, formCheck]));
    const reachable = models.filter((mv) => mv.accessible).map((mv) => mv.name);
    const unrouted = models.filter((mv) => mv.inferenceProfileId === null).map((mv) => mv.name);
    const served = `${reachable.join(' and ')} ${reachable.length === 1 ? 'is' : 'are'} accessible from ${region}${unrouted.length ? `; ${unrouted.join(' and ')} has no inference profile from ${region} in ${ws.geography}` : ''}.`;
    lines.push(ok ? mark.ok(ctx, served) : mark.fail(ctx, `Model access is not complete: ${checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}.`));
    return {
      json: {
        ok,
        ...base,
        region,
        catalog: catalogView,
        useCaseForm: { submitted },
        models: models.map((mv) => ({ ...mv, checks: mv.checks.map(checkJson) })),
        checks: checks.map(checkJson),
      },
      lines,
      exitCode,
    };
  } finally {
    spinner.stop();
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

export interface RequestAccessOptions {
  companyName?: string;
  companyWebsite?: string;
  intendedUsers?: 'internal' | 'external' | 'both';
  industry?: string;
  otherIndustry?: string;
  useCases?: string;
  profile?: string;
  fromEnv?: boolean;
  region?: string;
  yes?: boolean;
}

const INTENDED: Record<'internal' | 'external' | 'both', UseCaseForm['intendedUsers']> = { internal: '0', external: '1', both: '2' };

function textRule(label: string, max: number, required = true): (v: string) => true | string {
  return (v: string) => {
    const t = v.trim();
    if (required && t === '') return `${label} is required.`;
    if (t.length > max) return `${label} is at most ${max} characters (AWS's limit); it has ${t.length}.`;
    return true;
  };
}

/** Gathers the form from flags, prompting for what is missing (reference §4.3 limits). */
export async function gatherUseCaseForm(o: RequestAccessOptions, ctx: Context): Promise<UseCaseForm> {
  const p = await ctx.prompter();
  const field = async (value: string | undefined, label: string, flag: string, max: number, required = true): Promise<string> => {
    const rule = textRule(label, max, required);
    if (value !== undefined) {
      const r = rule(value);
      if (r !== true) throw new UsageError('invalid-form-field', r, `Fix ${flag}.`);
      return value.trim();
    }
    return (await p.input(`${label}:`, { flag, validate: rule })).trim();
  };
  const companyName = await field(o.companyName, 'Company name', '--company-name NAME', 128);
  const companyWebsite = await field(o.companyWebsite, 'Company website', '--company-website URL', 128);
  const intended = o.intendedUsers ?? (await p.select('Who will use the models?', [
    { value: 'internal' as const, name: 'Internal users (employees)' },
    { value: 'external' as const, name: 'External users (customers)' },
    { value: 'both' as const, name: 'Both' },
  ], { flag: '--intended-users internal|external|both' }));
  const industryOption = await field(o.industry, 'Industry', '--industry TEXT', 128);
  const otherIndustryOption = /^other$/i.test(industryOption)
    ? await field(o.otherIndustry, 'Industry (other)', '--other-industry TEXT', 128)
    : (o.otherIndustry ?? '').trim();
  if (otherIndustryOption.length > 128) throw new UsageError('invalid-form-field', 'Other industry is at most 128 characters.', 'Fix --other-industry.');
  const useCases = await field(o.useCases, 'Use cases (what you will use Claude for)', '--use-cases TEXT', 8192);
  return { companyName, companyWebsite, intendedUsers: INTENDED[intended], industryOption, otherIndustryOption, useCases };
}

export async function runRequestAccess(o: RequestAccessOptions, ctx: Context): Promise<Output> {
  if (o.profile !== undefined && o.fromEnv) throw new UsageError('conflicting-flags', '--profile and --from-env cannot be used together.', 'Pick one source for the admin credentials.');
  if (o.profile !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(o.profile)) throw new UsageError('invalid-profile', `"${printable(o.profile)}" is not an AWS profile name.`, 'Profile names are letters, digits and . _ -');
  const { doc } = await ctx.store().read();
  let region = o.region?.trim().toLowerCase();
  if (region !== undefined && !isValidRegionName(region)) throw new UsageError('invalid-region', `"${printable(o.region ?? '')}" is not an AWS region name.`, 'Use a name like eu-west-1 (or leave --region out to use the workspace region).');
  let wsName: string | null = null;
  if (doc.currentWorkspace !== undefined || ctx.flags.workspace !== undefined) {
    const ws = pickWorkspace(ctx, doc);
    requireAccess(ctx, ws);
    wsName = ws.name;
    region ??= ws.region;
  }
  if (!region) throw new UsageError('missing-region', 'No region to submit the form in.', 'Pass --region REGION (or set the workspace region: byok config set region REGION).');
  const form = await gatherUseCaseForm(o, ctx);
  if (!o.yes) {
    // A submission to AWS is never made unasked: where no one can answer, --yes is the answer.
    if (!ctx.canPrompt()) throw new UsageError('confirmation-required', `Submitting the Anthropic use-case form for ${form.companyName} to AWS (${region}) needs a confirmation, and byok cannot ask here (stdin is not a terminal, CI is set, or --non-interactive).`, 'Nothing was submitted. Re-run with --yes to submit it.');
    const p = await ctx.prompter();
    const go = await p.confirm(`Submit the Anthropic use-case form for ${form.companyName} to AWS (${region})?`, { default: true, flag: '--yes' });
    if (!go) throw new CancelledError('Not submitted.');
  }

  const { CHECK_TIMEOUT_MS, failedCall } = await import('../../app/checks.js');
  const { clockOffsetMs, credentialsInUse } = await import('../../app/credentials.js');
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  let credentialsFrom: 'workspace' | 'profile' | 'environment';
  if (o.profile !== undefined) {
    const { fromIni } = await import('@aws-sdk/credential-provider-ini');
    try {
      const c = await fromIni({ profile: o.profile, filepath: ctx.env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: ctx.env.AWS_CONFIG_FILE })();
      credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
    } catch (e) {
      throw new UsageError('profile-unreadable', `Could not read credentials from AWS profile "${o.profile}": ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`, 'Check ~/.aws/credentials and ~/.aws/config (or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE).');
    }
    credentialsFrom = 'profile';
  } else if (o.fromEnv) {
    const id = ctx.env.AWS_ACCESS_KEY_ID;
    const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
    if (!id || !secret) throw new UsageError('missing-env-credentials', '--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.', 'Export them (and AWS_SESSION_TOKEN for temporary keys), or use --profile NAME.');
    credentials = { accessKeyId: id, secretAccessKey: secret, sessionToken: ctx.env.AWS_SESSION_TOKEN || undefined };
    credentialsFrom = 'environment';
  } else {
    if (wsName === null) throw new UsageError('no-credentials', 'No workspace credentials to submit the form with.', 'Pass --profile NAME or --from-env to use an admin identity.');
    const c = await credentialsInUse(ctx, { workspace: wsName, requestTimeoutMs: CHECK_TIMEOUT_MS });
    credentials = { accessKeyId: c.credentials.accessKeyId, secretAccessKey: c.credentials.secretAccessKey, sessionToken: c.credentials.sessionToken };
    credentialsFrom = 'workspace';
  }
  const bedrock = await import('../../aws/bedrock.js');
  const { getCallerIdentity } = await import('../../aws/sts.js');
  const clock = clockOffsetMs(ctx);
  const client = await bedrock.openBedrock(ctx.env, { region, credentials, clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS });
  const spinner = startSpinner(ctx, 'Submitting the use-case form…');
  try {
    const [put, who] = await Promise.allSettled([
      bedrock.putUseCaseForm(client, form),
      getCallerIdentity(ctx.env, region, credentials, { clockOffsetMs: clock, requestTimeoutMs: CHECK_TIMEOUT_MS }),
    ]);
    spinner.stop();
    const account = who.status === 'fulfilled' ? who.value.account : null;
    const formJson = { companyName: form.companyName, companyWebsite: form.companyWebsite, intendedUsers: form.intendedUsers, industryOption: form.industryOption, otherIndustryOption: form.otherIndustryOption, useCases: form.useCases };
    if (put.status === 'rejected') {
      const c = failedCall('use-case-form', put.reason, { operation: 'PutUseCaseForModelAccess', region, account, profileId: null, fallbackResource: '*' });
      if (c.category === 'iam-permission' && credentialsFrom === 'workspace') {
        c.hint = `${c.hint ?? ''} The BYOK identity is least-privilege; submit as an admin instead: byok models request-access --profile ADMIN_PROFILE (or --from-env).`.trim();
      }
      const refused = c.category === 'credential-invalid' || c.category === 'session-expired';
      return {
        json: { ok: false, submitted: false, workspace: wsName, region, account, credentialsFrom, form: formJson, checks: [checkJson(c)] },
        lines: renderChecks(ctx, [c]),
        exitCode: refused ? EXIT.awsRefused : c.category === 'iam-permission' ? EXIT.awsRefused : EXIT.checkFailed,
      };
    }
    return {
      json: { ok: true, submitted: true, workspace: wsName, region, account, credentialsFrom, form: formJson, checks: [] },
      lines: table([['account', account ?? '(unknown)'], ['region', region], ['company', form.companyName], ['intended users', form.intendedUsers === '0' ? 'internal' : form.intendedUsers === '1' ? 'external' : 'both']]),
      status: [mark.ok(ctx, `Submitted the Anthropic use-case form${account ? ` for account ${account}` : ''}. AWS grants access immediately; allow a few minutes to propagate, then: byok models check`)],
    };
  } finally {
    spinner.stop();
    client.destroy();
  }
}

export function registerModels(program: Command, ctx: Context): void {
  const cmd = program.command('models').description('model access: check it per model, or submit the Anthropic use-case form');
  cmd
    .command('check')
    .description('availability, inference profile, use-case form and a one-token invocation for Sonnet 4.5 and Opus 4.5 (exit 0 accessible, 1 not, 4 refused)')
    .option('--refresh-catalog', 're-read the inference profiles with ListInferenceProfiles (picks up profiles AWS added)')
    .action(async (o: ModelsCheckOptions) => emit(ctx, await runModelsCheck(o, ctx)));
  cmd
    .command('request-access')
    .description('submit the Anthropic use-case form (PutUseCaseForModelAccess) from flags or prompts')
    .option('--company-name <name>', 'company name (at most 128 characters)')
    .option('--company-website <url>', 'company website (at most 128 characters)')
    .option('--intended-users <who>', 'internal|external|both', choiceParser('intended users', ['internal', 'external', 'both'] as const))
    .option('--industry <text>', 'industry (at most 128 characters; "Other" asks for --other-industry)')
    .option('--other-industry <text>', 'industry when --industry is Other')
    .option('--use-cases <text>', 'what the models will be used for (at most 8192 characters)')
    .option('--profile <name>', 'submit as this AWS shared-config profile (an admin) instead of the workspace credentials')
    .option('--from-env', 'submit as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (an admin)')
    .option('--region <region>', 'region to call Bedrock in (default: the workspace region)')
    .option('--yes', 'do not ask for confirmation before submitting')
    .action(async (o: RequestAccessOptions) => emit(ctx, await runRequestAccess(o, ctx)));
}
