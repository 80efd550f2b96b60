// The setup plan (the product document's setup, DESIGN §1): workspace and plan, credentials,
// geography and region, a connection test, the fallback policy, a summary, then one write. What the
// flags did not fill in is asked through `SetupQuestions` — the wizard's prompts, or, where nobody
// can answer, a "pass --flag" error — so the wizard and CI run this same code. Nothing is written
// until the summary is accepted, except on the provisioning path: a secret AWS shows once is stored
// the moment it exists (app/provision.ts), after saving the workspace it belongs to.
import { maskApiKey, parseApiKey } from '../core/api-keys.js';
import { PLANS, validateWorkspaceName, workspaceNamed, type Geography, type Plan, type PolicyMode, type StoredApiKey, type StoredCredentials, type Workspace } from '../core/config-doc.js';
import { mask, validateCredentials, type ValidCredentials } from '../core/credentials.js';
import { CancelledError, UsageError } from '../core/errors.js';
import { arnOutsideGeography, checkRegion, geographyName, residencyChoices, sourceRegions } from '../core/geography.js';
import { checkPlan, checkPolicyChange, defaultPolicy } from '../core/plans.js';
import { checkRegionName } from '../core/regions.js';
import { resolveRoute } from '../core/routing.js';
import { printable } from '../core/text.js';
import { problemFor, troubleshoot } from '../core/troubleshooting.js';
import { createApiKey, LONG_TERM_WARNING } from './api-keys.js';
import { provision, type ProvisionHooks } from './provision.js';
import type { Runtime } from './runtime.js';

export type CredentialMethod = 'type' | 'profile' | 'env' | 'stdin' | 'provision';

/**
 * How Bedrock calls authenticate (issue 14): IAM credentials (SigV4); short-term Bedrock API keys
 * byok mints from those credentials (AWS's recommendation for production); or a long-term key,
 * pasted or created through IAM now (AWS: for exploration only).
 */
export const SETUP_PROVIDERS = ['iam', 'short-term-api-keys', 'long-term-api-key', 'create-api-key'] as const;
export type SetupProvider = (typeof SETUP_PROVIDERS)[number];

/** Credentials as given (typed, read from a profile, the environment or stdin), before validation. */
export interface CredentialInput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: string;
  source: StoredCredentials['source'];
}

export interface ConnectionCheck { name: string; ok: boolean; detail: string; category: string | null; hint: string | null; /** Passed, but with something to know (APAC: Opus has no profile). */ warning?: boolean }

/** What the flags (or an embedding program) fill in; anything left undefined is asked. */
export interface SetupRequest {
  name?: string;
  plan?: Plan;
  /** How the credentials are given; undefined: asked. 'provision' creates them with an admin identity. */
  method?: CredentialMethod;
  /** For 'provision': the admin profile (undefined: the AWS chain / environment). */
  provisionProfile?: string;
  geography?: Geography;
  region?: string;
  policy?: PolicyMode;
  skipTest?: boolean;
  /** Re-running setup on a configured workspace: allow it to change the plan, geography, region or policy it has (non-interactive). */
  changeWorkspace?: boolean;
  /** Undefined: asked (`SetupQuestions.provider`), or, without that question, IAM credentials with any stored API key left as it is. */
  provider?: SetupProvider;
  /** For 'create-api-key': the admin profile (undefined: the AWS chain / environment) and the IAM user. */
  apiKeyAdminProfile?: string;
  apiKeyUserName?: string;
}

/** A setting of an existing workspace that this run of setup would change (a value it lacked is not a change). */
export interface SetupChange { key: 'plan' | 'geography' | 'region' | 'policy'; from: string; to: string }

export interface SetupSummary {
  workspace: string;
  plan: Plan;
  owner: string;
  /** Masked. */
  accessKeyId: string;
  kind: ValidCredentials['kind'];
  expiresAt: string | null;
  geography: Geography;
  region: string;
  policy: PolicyMode;
  locked: boolean;
  connectionTest: 'passed' | 'failed' | 'skipped';
  /** What this run changes in an existing workspace (shown and confirmed, or allowed by --change-workspace). */
  changes: SetupChange[];
  /** How calls authenticate; `accessKeyId` is then the masked API key for the long-term providers. */
  provider: SetupProvider;
  /** Said when a long-term key is stored (AWS: exploration only). */
  warning: string | null;
}

/**
 * The decisions a person makes, injected. `interactive` false: a refused plan or a failed test ends
 * setup instead of asking again, and nothing is confirmed (the questions for missing values are
 * still called: the non-interactive ones refuse, naming the flag).
 */
export interface SetupQuestions {
  interactive: boolean;
  workspaceName(current: string | undefined): Promise<string>;
  /** Asked again with `refused` when the plan chosen has no BYOK. */
  plan(o: { default: Plan | undefined; refused?: { code: string; reason: string; hint: string } }): Promise<Plan>;
  method(): Promise<CredentialMethod>;
  /** The provider (issue 14), asked before the credentials method; `current`: the workspace's. */
  provider?(current: 'iam' | 'bedrock-api-key'): Promise<SetupProvider>;
  /** A Bedrock API key the admin has (provider 'long-term-api-key'): stdin or a hidden prompt, never argv. */
  apiKey?(o: { retry: boolean }): Promise<{ key: string; source: 'stdin' | 'prompt' }>;
  /** `retry`: asked again after a failed test ("Enter different credentials"): flags do not apply. */
  credentials(method: Exclude<CredentialMethod, 'provision'>, o: { retry: boolean }): Promise<CredentialInput>;
  geography(current: Geography | undefined): Promise<Geography>;
  /** The raw answer; setup checks it. `preselect`: the saved region, if it belongs to the geography. */
  region(geography: Geography, preselect: string | undefined): Promise<string>;
  /** Provisioning writes before the summary: the admin agrees first (interactive only). */
  confirmProvision?(workspace: string): Promise<boolean>;
  /** After a failed test (interactive only). */
  afterFailedTest?(checks: ConnectionCheck[]): Promise<'retry' | 'credentials' | 'region' | 'abort'>;
  /** `saved`: the workspace's current policy on a re-run (preselected: re-running setup keeps what is set). */
  policy(o: { default: PolicyMode; plan: Plan; saved?: PolicyMode }): Promise<PolicyMode>;
  /** Re-running setup changes settings the workspace already has: shown, and agreed to (interactive only). */
  confirmChanges?(workspace: string, changes: SetupChange[]): Promise<boolean>;
  /** Strict on a plan that may lock it (interactive only). */
  lockStrict?(): Promise<boolean>;
  /** The last word before the one write (interactive only). */
  confirmSave?(summary: SetupSummary): Promise<boolean>;
}

/** What setup reports as it goes. */
export interface SetupEvents extends ProvisionHooks {
  testing?(region: string): void;
  tested?(checks: ConnectionCheck[]): void;
}

export type SetupResult =
  | { ok: true; saved: true; summary: SetupSummary; checks: ConnectionCheck[] | null }
  /**
   * `kept`: what was stored before the test because AWS shows it once (a provisioned access key, a
   * created API key, with the workspace they belong to); null when nothing was.
   */
  | { ok: false; saved: false; workspace: string; checks: ConnectionCheck[]; hint: string; kept: string | null };

/** A region answer checked as every region a user types is (exit 2, the closest real region suggested), then against the geography. */
export function checkSetupRegion(geography: Geography, raw: string): string {
  const r = checkRegionName(raw, printable(raw.trim(), 32));
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  const c = checkRegion(geography, r.value);
  if (!c.ok) throw new UsageError(c.error.code, c.error.reason, c.error.hint);
  return r.value;
}

/** Credentials as given, validated (trimmed; an ASIA key needs its token and expiry): exit 2 otherwise. */
export function checkCredentials(rt: Runtime, input: CredentialInput): { creds: ValidCredentials; source: StoredCredentials['source'] } {
  const v = validateCredentials(input, rt.now());
  if (!v.ok) throw new UsageError(`invalid-${v.error.field}`, v.error.message, v.error.hint);
  return { creds: v.value, source: input.source };
}

/** Test the answers before anything is saved: identity, then both models through the profile. */
export async function testAnswers(rt: Runtime, creds: ValidCredentials | null, geography: Geography, region: string, o: { bearerToken?: string } = {}): Promise<ConnectionCheck[]> {
  const { getCallerIdentity } = await import('../aws/sts.js');
  const { openRuntime, probeConverse } = await import('../aws/runtime.js');
  const { toAwsFailure } = await import('../aws/errors.js');
  const credentials = creds ? { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } : undefined;
  const clockOffsetMs = rt.now().getTime() - Date.now();
  const asCheck = (name: string, e: unknown): ConnectionCheck => {
    const f = toAwsFailure(e);
    const t = troubleshoot(problemFor(f));
    // A signature AWS finds too old or too new is the local clock's fault, not the key's.
    const clock = /signature expired|request has expired|signature not yet current|RequestTimeTooSkewed|clock skew/i.test(`${f.code ?? ''} ${f.message ?? ''}`);
    const hint = clock ? "The computer's clock is off from AWS's by more than the 5 minutes a signature is valid for: set it right (enable NTP time sync), then retry. The credentials were not judged." : t.steps.join(' ');
    return { name, ok: false, detail: `${f.code ?? 'error'}${f.message ? `: ${f.message}` : ''}`, category: clock ? 'clock-skew' : f.category, hint };
  };
  // The SDK corrects a skewed clock from AWS's answer and signs again: it needs a retry to do it.
  const identity = credentials ? getCallerIdentity(rt.env, region, credentials, { clockOffsetMs }).then(
    (id): ConnectionCheck => ({ name: 'credentials', ok: true, detail: `account ${id.account}, ${id.arn}`, category: null, hint: null }),
    (e) => asCheck('credentials', e),
  ) : null;
  const models = (['sonnet', 'opus'] as const).map(async (model): Promise<ConnectionCheck> => {
    const r = resolveRoute({ model, geography, region });
    if (!r.ok) {
      const expected = geography === 'apac' && model === 'opus';
      return { name: `model ${model}`, ok: expected, ...(expected ? { warning: true } : {}), detail: r.error.reason, category: 'region-mismatch', hint: r.error.hint };
    }
    // Residency first (as models check): where AWS now routes the profile outside the geography, no
    // prompt goes through it, and nothing printed names the regions outside. Needs the read-only
    // bedrock:GetInferenceProfile (in byok's default policy); without it the probe still runs, and a
    // least-privilege policy is what makes AWS refuse a request it would route outside.
    if (geography !== 'global') {
      const { openBedrock, getInferenceProfile } = await import('../aws/bedrock.js');
      const control = await openBedrock(rt.env, o.bearerToken ? { region, bearerToken: o.bearerToken, clockOffsetMs } : { region, credentials: credentials!, clockOffsetMs });
      try {
        const live = await getInferenceProfile(control, r.value.inferenceProfileId);
        const outside = live.modelArns.map((a) => arnOutsideGeography(geography, a)).filter((x): x is string => x !== null);
        if (outside.length > 0) {
          return { name: `model ${model}`, ok: false, detail: `AWS routes ${r.value.inferenceProfileId} from ${region} to ${new Set(outside).size === 1 ? 'a region' : `${new Set(outside).size} regions`} outside ${geographyName(geography)}; byok sent no prompt through it and will not.`, category: 'region-mismatch', hint: residencyChoices(geography) };
        }
      } catch {
        // Not allowed to look (or not answered): the probe below decides, under the workspace's policy.
      } finally {
        control.destroy();
      }
    }
    // With a Bedrock API key, the model calls carry it (bearer), as every later call will.
    const client = await openRuntime(rt.env, o.bearerToken ? { region, bearerToken: o.bearerToken, clockOffsetMs } : { region, credentials: credentials!, clockOffsetMs });
    try {
      await probeConverse(client, r.value.inferenceProfileId);
      return { name: `model ${model}`, ok: true, detail: `${r.value.inferenceProfileId} answered from ${region}`, category: null, hint: null };
    } catch (e) {
      return asCheck(`model ${model}`, e);
    } finally {
      client.destroy();
    }
  });
  if (identity) return Promise.all([identity, ...models]);
  // A bearer key cannot call STS GetCallerIdentity (SigV4 only): Bedrock's answer to the model calls is the check.
  const probes = await Promise.all(models);
  const refused = probes.find((c) => !c.ok && c.category !== 'region-mismatch');
  const key: ConnectionCheck = refused
    ? { name: 'credentials', ok: false, detail: `Bedrock refused the API key: ${refused.detail}`, category: refused.category, hint: refused.hint }
    : { name: 'credentials', ok: true, detail: 'Bedrock accepted the API key (a bearer key cannot call STS; the model calls below checked it)', category: null, hint: null };
  return [key, ...probes];
}

/**
 * Re-running setup on a configured workspace must not change it silently (issue 10): like a
 * CloudFormation change set or a Terraform plan, what differs from the workspace's current plan,
 * geography, region or policy is shown as "from → to" and applied only when agreed to — in the
 * wizard a confirmation that defaults to No, in CI an explicit --change-workspace — and each applied
 * change is audited. Values the workspace lacked are filled without asking; identical values are no-ops.
 */
function changesTo(existing: Workspace | undefined, next: Partial<Record<SetupChange['key'], string>>): SetupChange[] {
  if (!existing) return [];
  const out: SetupChange[] = [];
  for (const key of ['plan', 'geography', 'region', 'policy'] as const) {
    const from = existing[key];
    const to = next[key];
    if (from !== undefined && from !== null && to !== undefined && from !== to) out.push({ key, from, to });
  }
  return out;
}

async function agreeToChanges(name: string, changes: SetupChange[], agreed: SetupChange[], req: SetupRequest, ask: SetupQuestions): Promise<void> {
  const fresh = changes.filter((c) => !agreed.some((a) => a.key === c.key && a.to === c.to));
  if (fresh.length === 0) return;
  const list = fresh.map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ');
  if (!ask.interactive || !ask.confirmChanges) {
    if (req.changeWorkspace) {
      agreed.push(...fresh);
      return;
    }
    throw new UsageError(
      'setup-would-change-workspace',
      `Workspace ${name} is already configured, and this setup would change it: ${list}. byok does not change a configured workspace's plan, geography, region or policy without being told to.`,
      `To keep the workspace as it is, drop those flags (or pass its current values). To change it, add --change-workspace (each change is audited).`,
    );
  }
  if (!(await ask.confirmChanges(name, fresh))) throw new CancelledError(`Not saved; workspace ${name} is unchanged.`);
  agreed.push(...fresh);
}

/**
 * Creating a key means holding a secret AWS shows once, so this path writes before the summary:
 * the workspace (with its geography and region) first, then the key the moment IAM returns it.
 * Everything else in setup is written only at the end.
 */
async function provisionNow(rt: Runtime, a: { name: string; plan: Plan; geography: Geography; region: string; profile?: string }, ask: SetupQuestions, events: SetupEvents): Promise<{ creds: ValidCredentials; source: StoredCredentials['source'] }> {
  if (ask.interactive && ask.confirmProvision && !(await ask.confirmProvision(a.name))) throw new CancelledError('Not provisioned; nothing was changed.');
  const def = defaultPolicy(a.plan);
  await rt.store().update((d, tx) => {
    const ws = workspaceNamed(d, a.name);
    if (ws && ws.owner !== rt.user) throw new UsageError('owner-only', `Workspace ${a.name} belongs to ${ws.owner}.`, 'Only the owner configures BYOK.');
    if (!ws) {
      d.workspaces[a.name] = { name: a.name, plan: a.plan, owner: rt.user, members: [], createdAt: rt.now().toISOString(), byokEnabled: true, policy: def.policy, policyLocked: false, geography: a.geography, region: a.region };
      tx.audit({ type: 'workspace-created', user: rt.user, workspace: a.name, details: { plan: a.plan, owner: rt.user, policy: def.policy } });
    } else {
      // Agreed to before this point (agreeToChanges); audited here, where it is written.
      for (const key of ['geography', 'region'] as const) {
        if (ws[key] !== a[key]) tx.audit({ type: 'config-changed', user: rt.user, workspace: a.name, details: { key, from: ws[key] ?? null, to: a[key], via: 'setup' } });
      }
      ws.geography = a.geography;
      ws.region = a.region;
    }
  });
  await provision(rt, { workspace: a.name, profile: a.profile, geography: a.geography, region: a.region }, events);
  const { doc } = await rt.store().read();
  const c = workspaceNamed(doc, a.name)?.credentials;
  if (!c) throw new UsageError('provision-stored-nothing', 'Provisioning finished without a stored key.', 'Run byok iam provision --workspace NAME and check its output.');
  return { creds: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, kind: 'long-term' }, source: 'iam' };
}

/**
 * A long-term key created through IAM is a secret shown once, so (as provisioning) the workspace is
 * saved first and the key stored the moment IAM returns it (app/api-keys.ts createApiKey).
 */
async function createKeyNow(rt: Runtime, a: { name: string; plan: Plan; geography: Geography; region: string; profile?: string; userName?: string }, ask: SetupQuestions): Promise<string> {
  if (ask.interactive && ask.confirmProvision && !(await ask.confirmProvision(a.name))) throw new CancelledError('No key created; nothing was changed.');
  const def = defaultPolicy(a.plan);
  await rt.store().update((d, tx) => {
    const ws = workspaceNamed(d, a.name);
    if (ws && ws.owner !== rt.user) throw new UsageError('owner-only', `Workspace ${a.name} belongs to ${ws.owner}.`, 'Only the owner configures BYOK.');
    if (!ws) {
      d.workspaces[a.name] = { name: a.name, plan: a.plan, owner: rt.user, members: [], createdAt: rt.now().toISOString(), byokEnabled: true, policy: def.policy, policyLocked: false, geography: a.geography, region: a.region };
      tx.audit({ type: 'workspace-created', user: rt.user, workspace: a.name, details: { plan: a.plan, owner: rt.user, policy: def.policy } });
    } else {
      ws.geography = a.geography;
      ws.region = a.region;
    }
  });
  await createApiKey(rt, { workspace: a.name, profile: a.profile, userName: a.userName });
  const { doc } = await rt.store().read();
  const k = workspaceNamed(doc, a.name)?.apiKey;
  if (!k || 'minted' in k) throw new UsageError('create-api-key-stored-nothing', 'Creating the Bedrock API key finished without a stored key.', 'Run byok iam create-api-key and check its output.');
  return k.key;
}

export async function runSetup(rt: Runtime, req: SetupRequest, ask: SetupQuestions, events: SetupEvents = {}): Promise<SetupResult> {
  const { doc } = await rt.store().read();

  // 1. Workspace and plan.
  const rawName = req.name ?? rt.flags.workspace ?? (await ask.workspaceName(doc.currentWorkspace));
  const nameCheck = validateWorkspaceName(rawName);
  if (!nameCheck.ok) throw new UsageError('invalid-workspace-name', `Invalid workspace name "${printable(rawName)}": ${nameCheck.reason}.`, 'Example: --workspace acme-prod');
  const name = nameCheck.value;
  const existing = workspaceNamed(doc, name);
  if (existing && existing.owner !== rt.user) {
    throw new UsageError('owner-only', `Workspace ${name} belongs to ${existing.owner}; only the owner configures its BYOK.`, "Members inherit the owner's configuration and need no setup.");
  }
  // The list starts on the saved plan, else the first one BYOK is available on; a refused plan is asked again.
  let plan: Plan;
  let refused: { code: string; reason: string; hint: string } | undefined;
  for (;;) {
    const asked = req.plan === undefined && existing?.plan === undefined;
    plan = req.plan ?? existing?.plan ?? (await ask.plan({ default: PLANS.find((v) => checkPlan(v).ok), refused }));
    const planOk = checkPlan(plan);
    if (planOk.ok) break;
    if (!asked || !ask.interactive) throw new UsageError(planOk.error.code, planOk.error.reason, planOk.error.hint);
    refused = planOk.error;
  }

  // 2–4. Provider, credentials, geography and region, connection test — retried until it passes or the admin moves on.
  const provider: SetupProvider | undefined = req.provider ?? (ask.provider ? await ask.provider(existing?.apiKey ? 'bedrock-api-key' : 'iam') : undefined);
  const keyOnly = provider === 'long-term-api-key' || provider === 'create-api-key';
  const method = keyOnly ? undefined : (req.method ?? (await ask.method()));
  const askRegion = async (geography: Geography, saved: string | undefined, flag: string | undefined) => {
    const preselect = saved !== undefined && sourceRegions(geography).includes(saved) ? saved : undefined;
    return checkSetupRegion(geography, flag ?? (await ask.region(geography, preselect)));
  };
  const agreed: SetupChange[] = [];
  // Without a person to ask, every change the flags ask for is named at once, before anything runs.
  await agreeToChanges(name, changesTo(existing, ask.interactive ? { plan } : { plan, geography: req.geography, region: req.region?.trim().toLowerCase(), policy: existing?.policyLocked ? undefined : req.policy }), agreed, req, ask);
  let creds: ValidCredentials | null;
  let source: StoredCredentials['source'] | null;
  let geography: Geography;
  let region: string;
  // A Bedrock API key: pasted (stored at the end), created through IAM (stored the moment it exists).
  // What is stored before the test (a secret AWS shows once), to be named if the setup then fails.
  let kept: string | null = null;
  let pasted: Exclude<StoredApiKey, { minted: true }> | undefined;
  let keyToken: string | undefined;
  const askKey = async (retry: boolean) => {
    if (!ask.apiKey) throw new UsageError('missing-input', 'The Bedrock API key is missing.', 'Pass --bedrock-api-key-stdin and send the key on stdin.');
    const given = await ask.apiKey({ retry });
    const parsed = parseApiKey(given.key, rt.now());
    if (!parsed.ok) throw new UsageError(`invalid-api-key-${parsed.error.code}`, parsed.error.message, parsed.error.hint);
    const k = parsed.value;
    if (k.kind === 'short-term' && k.region !== region) throw new UsageError('api-key-region-mismatch', `This short-term key was made for ${k.region}; the workspace calls Bedrock in ${region}, where AWS refuses it.`, 'Short-term keys work only in their region and last at most 12 hours: choose the short-term provider, and byok mints and renews them itself.');
    const at = rt.now().toISOString();
    pasted = k.kind === 'long-term' ? { kind: 'long-term', key: k.key, source: given.source, storedAt: at } : { kind: 'short-term', key: k.key, region: k.region!, expiresAt: k.expiresAt!, source: given.source, storedAt: at };
    keyToken = k.key;
  };
  if (provider === 'long-term-api-key' || provider === 'create-api-key') {
    creds = null;
    source = null;
    geography = req.geography ?? (await ask.geography(existing?.geography));
    region = await askRegion(geography, existing?.region, req.region);
    // Creating a key writes the route first: a change to it is agreed to before.
    await agreeToChanges(name, changesTo(existing, { plan, geography, region }), agreed, req, ask);
    if (provider === 'long-term-api-key') await askKey(false);
    else {
      keyToken = await createKeyNow(rt, { name, plan, geography, region, profile: req.apiKeyAdminProfile, userName: req.apiKeyUserName }, ask);
      kept = `workspace ${name} (${geography}, ${region}) and the long-term Bedrock API key IAM just created, sealed in the config (byok credentials show; byok iam list-api-keys / revoke-api-key to remove it)`;
    }
  } else if (method === 'provision') {
    geography = req.geography ?? (await ask.geography(existing?.geography));
    region = await askRegion(geography, existing?.region, req.region);
    // Provisioning writes the route before the summary: a change to it is agreed to first.
    await agreeToChanges(name, changesTo(existing, { plan, geography, region }), agreed, req, ask);
    ({ creds, source } = await provisionNow(rt, { name, plan, geography, region, profile: req.provisionProfile }, ask, events));
    kept = `workspace ${name} (${geography}, ${region}) and the access key IAM just created, sealed in the config (byok credentials show)`;
  } else {
    ({ creds, source } = checkCredentials(rt, await ask.credentials(method!, { retry: false })));
    geography = req.geography ?? (await ask.geography(existing?.geography));
    region = await askRegion(geography, existing?.region, req.region);
    // Before the connection test, so that a refused change sends no request to the new region.
    await agreeToChanges(name, changesTo(existing, { plan, geography, region }), agreed, req, ask);
  }
  let checks: ConnectionCheck[] = [];
  let tested = false;
  if (!req.skipTest) {
    for (;;) {
      events.testing?.(region);
      if (provider === 'short-term-api-keys' && creds) {
        // Minted as every later call's will be: from these credentials, for this region.
        const { mintShortTermKey } = await import('../aws/api-keys.js');
        keyToken = (await mintShortTermKey({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken }, region, { now: rt.now() })).token;
      }
      checks = await testAnswers(rt, creds, geography, region, { bearerToken: keyToken });
      events.tested?.(checks);
      tested = true;
      if (checks.every((c) => c.ok)) break;
      if (!ask.interactive || !ask.afterFailedTest) {
        // A failed check, not bad input: nothing is saved, and the checks say why.
        const hint = `Fix the cause above and re-run, or pass --skip-test to save without testing. ${checks.find((c) => !c.ok)?.hint ?? ''}`.trim();
        return { ok: false, saved: false, workspace: name, checks, hint, kept };
      }
      const next = await ask.afterFailedTest(checks);
      if (next === 'abort') throw new CancelledError(kept ? `Setup aborted. Kept, because AWS shows a new secret once: ${kept}.` : 'Setup aborted; nothing was saved.');
      if (next === 'credentials' && provider === 'long-term-api-key') await askKey(true);
      else if (next === 'credentials' && creds) ({ creds, source } = checkCredentials(rt, await ask.credentials('type', { retry: true })));
      if (next === 'region') {
        region = await askRegion(geography, region, undefined);
        await agreeToChanges(name, changesTo(existing, { plan, geography, region }), agreed, req, ask);
      }
    }
  }

  // 5. Fallback policy, with the plan's default preselected.
  const def = defaultPolicy(plan);
  const lockedStrict = existing?.policyLocked === true;
  // On a re-run the saved policy is preselected: running setup again never flips it by pressing Enter.
  const policy = lockedStrict ? 'strict' : (req.policy ?? (await ask.policy({ default: existing?.policy ?? def.policy, plan, ...(existing ? { saved: existing.policy } : {}) })));
  const changes = changesTo(existing, { plan, geography, region, policy });
  await agreeToChanges(name, changes, agreed, req, ask);
  if (lockedStrict && req.policy && req.policy !== 'strict') throw new UsageError('policy-locked', `The policy of ${name} is locked at strict.`, 'The owner can unlock it: byok policy set strict --unlock');
  // Enterprise and BYOC owners may pin strict so members cannot change it (as byok policy set strict --lock).
  let lock = lockedStrict;
  if (!lockedStrict && ask.interactive && ask.lockStrict && policy === 'strict' && checkPolicyChange({ plan, owner: rt.user, actor: rt.user, current: 'strict', locked: false, next: 'strict', lock: true }).ok) {
    lock = await ask.lockStrict();
  }

  // 6. Summary, then one write.
  const summary: SetupSummary = {
    workspace: name,
    plan,
    owner: existing?.owner ?? rt.user,
    accessKeyId: creds ? mask(creds.accessKeyId) : maskApiKey(keyToken ?? ''),
    kind: creds ? creds.kind : pasted?.kind === 'short-term' ? 'temporary' : 'long-term',
    expiresAt: creds ? (creds.expiresAt ?? null) : pasted && 'expiresAt' in pasted ? (pasted.expiresAt ?? null) : null,
    geography,
    region,
    policy,
    locked: lock,
    connectionTest: tested ? (checks.every((c) => c.ok) ? 'passed' : 'failed') : 'skipped',
    changes,
    provider: provider ?? 'iam',
    warning: keyOnly && (provider === 'create-api-key' || pasted?.kind === 'long-term') ? LONG_TERM_WARNING : null,
  };
  if (ask.interactive && ask.confirmSave && !(await ask.confirmSave(summary))) throw new CancelledError('Not saved; the configuration is unchanged.');
  const at = rt.now().toISOString();
  const stored: StoredCredentials | null = creds && source ? { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, source, storedAt: at } : null;
  if (stored && creds?.sessionToken) stored.sessionToken = creds.sessionToken;
  if (stored && creds?.expiresAt) stored.expiresAt = creds.expiresAt;
  await rt.store().update((d, tx) => {
    let ws: Workspace | undefined = workspaceNamed(d, name);
    if (ws && ws.owner !== rt.user) throw new UsageError('owner-only', `Workspace ${name} belongs to ${ws.owner}.`, 'Only the owner configures BYOK.');
    if (!ws) {
      ws = { name, plan, owner: rt.user, members: [], createdAt: at, byokEnabled: true, policy: def.policy, policyLocked: false };
      d.workspaces[name] = ws;
      tx.audit({ type: 'workspace-created', user: rt.user, workspace: name, details: { plan, owner: rt.user, policy: def.policy } });
    }
    if (ws.policy !== policy || ws.policyLocked !== lock) tx.audit({ type: 'policy-changed', user: rt.user, workspace: name, details: { from: ws.policy, to: policy, lockedBefore: ws.policyLocked, locked: lock } });
    for (const key of ['plan', 'geography', 'region'] as const) {
      const from = ws[key] ?? null;
      if (from !== null && from !== (key === 'plan' ? plan : key === 'geography' ? geography : region)) tx.audit({ type: 'config-changed', user: rt.user, workspace: name, details: { key, from, to: key === 'plan' ? plan : key === 'geography' ? geography : region, via: 'setup' } });
    }
    ws.policyLocked = lock;
    ws.plan = plan;
    ws.geography = geography;
    ws.region = region;
    ws.policy = policy;
    ws.byokEnabled = true;
    // A provisioned key is already stored (with its IAM user); anything else is stored now.
    if (stored && (source !== 'iam' || ws.credentials?.accessKeyId !== stored.accessKeyId)) {
      ws.credentials = stored;
      delete ws.session;
    }
    // The provider chosen (an unasked one leaves a stored API key as it is); a created key is stored already.
    if (provider === 'iam' && ws.apiKey) tx.audit({ type: 'credentials-removed', user: rt.user, workspace: name, details: { provider: 'bedrock-api-key', kind: ws.apiKey.kind } });
    if (provider === 'iam') delete ws.apiKey;
    if (provider === 'short-term-api-keys') ws.apiKey = { kind: 'short-term', minted: true, storedAt: at };
    if (pasted) ws.apiKey = pasted;
    if (provider !== undefined && provider !== 'create-api-key') delete ws.apiKeyCache;
    if (provider === 'short-term-api-keys' || pasted) tx.audit({ type: 'credentials-set', user: rt.user, workspace: name, details: { provider: 'bedrock-api-key', kind: pasted?.kind ?? 'short-term', source: pasted?.source ?? 'minted', region: pasted && 'region' in pasted ? pasted.region : provider === 'short-term-api-keys' ? region : null, expiresAt: (pasted && 'expiresAt' in pasted ? pasted.expiresAt : undefined) ?? null } });
    if (tested) ws.lastConnectionTest = { at, ok: checks.every((c) => c.ok), summary: checks.map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAILED'}`).join(', ') };
    else delete ws.lastConnectionTest;
    d.currentWorkspace = name;
    if (stored && creds && source !== 'iam') tx.audit({ type: 'credentials-set', user: rt.user, workspace: name, details: { accessKeyId: mask(stored.accessKeyId), kind: creds.kind, source, expiresAt: stored.expiresAt ?? null } });
    tx.audit({ type: 'setup-completed', user: rt.user, workspace: name, details: { geography, region, policy, tested } });
  });
  return { ok: true, saved: true, summary, checks: tested ? checks : null };
}
