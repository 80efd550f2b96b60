// byok setup: the wizard an admin meets first, and its CI twin (--non-interactive). Every answer
// comes from a flag or, where a person is at a terminal, a prompt; the same code path serves
// both, because the non-interactive prompter turns a missing answer into "pass --flag" (exit 2).
// Nothing is written until the summary is accepted, so Ctrl-C anywhere leaves the config as it was.
import type { Command } from 'commander';
import { GEOGRAPHIES, PLANS, POLICY_MODES, validateWorkspaceName, workspaceNamed, type Geography, type Plan, type PolicyMode, type StoredCredentials, type Workspace } from '../../core/config-doc.js';
import { mask, parseAccessKeyId, parseSecretAccessKey, validateCredentials, type ValidCredentials } from '../../core/credentials.js';
import { CancelledError, EXIT, UsageError } from '../../core/errors.js';
import { checkRegion, sourceRegions } from '../../core/geography.js';
import { checkPlan, checkPolicyChange, defaultPolicy, PLAN_LABELS } from '../../core/plans.js';
import { resolveRoute } from '../../core/routing.js';
import { problemFor, troubleshoot } from '../../core/troubleshooting.js';
import type { Context } from '../context.js';
import { readAllStdin } from '../io.js';
import { emit, mark, table, type Output } from '../output.js';
import type { ExitSink } from '../program.js';
import { startSpinner } from '../spinner.js';
import { choiceParser, parseRegion, printable } from './shared.js';

export interface SetupOptions {
  name?: string;
  plan?: Plan;
  accessKeyId?: string;
  secretAccessKeyStdin?: boolean;
  sessionTokenStdin?: boolean;
  expiresAt?: string;
  fromEnv?: boolean;
  importProfile?: string;
  geography?: Geography;
  region?: string;
  policy?: PolicyMode;
  skipTest?: boolean;
  /** Create the IAM user, policy and key now (byok iam provision) with this admin profile ("" = the AWS chain / environment). */
  provisionWithProfile?: string;
}

const GEO_LINES: Record<Geography, string> = {
  global: 'Global — routes to any commercial AWS region for maximum throughput (about 10% cheaper)',
  us: 'US — routes within US regions only (US data residency)',
  eu: 'EU — routes within EU regions only (GDPR data residency)',
  apac: 'APAC — routes within APAC regions only; Sonnet 4.5 via jp./au., Opus 4.5 has no APAC profile',
};

const POLICY_TABLE = [
  'Policy  On BYOK failure                                              Typical use',
  'allow   retry on platform credentials in the same region              dev / sandbox tenants',
  'warn    as allow, then the user must re-confirm on the next session  mid-market, mixed workloads',
  'strict  surface the error; never retry on a different credential     banks, FSI, healthcare, BYOC',
];

export interface ConnectionCheck { name: string; ok: boolean; detail: string; category: string | null; hint: string | null; /** Passed, but with something to know (APAC: Opus has no profile). */ warning?: boolean }

/** Test the answers before anything is saved: identity, then both models through the profile. */
export async function testAnswers(ctx: Context, creds: ValidCredentials, geography: Geography, region: string): Promise<ConnectionCheck[]> {
  const { getCallerIdentity } = await import('../../aws/sts.js');
  const { openRuntime, probeConverse } = await import('../../aws/runtime.js');
  const { toAwsFailure } = await import('../../aws/errors.js');
  const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken };
  const clockOffsetMs = ctx.now().getTime() - Date.now();
  const asCheck = (name: string, e: unknown): ConnectionCheck => {
    const f = toAwsFailure(e);
    const t = troubleshoot(problemFor(f));
    // A signature AWS finds too old or too new is the local clock's fault, not the key's.
    const clock = /signature expired|request has expired|signature not yet current|RequestTimeTooSkewed|clock skew/i.test(`${f.code ?? ''} ${f.message ?? ''}`);
    const hint = clock ? "The computer's clock is off from AWS's by more than the 5 minutes a signature is valid for: set it right (enable NTP time sync), then retry. The credentials were not judged." : t.steps.join(' ');
    return { name, ok: false, detail: `${f.code ?? 'error'}${f.message ? `: ${f.message}` : ''}`, category: clock ? 'clock-skew' : f.category, hint };
  };
  // The SDK corrects a skewed clock from AWS's answer and signs again: it needs a retry to do it.
  const identity = getCallerIdentity(ctx.env, region, credentials, { clockOffsetMs }).then(
    (id): ConnectionCheck => ({ name: 'credentials', ok: true, detail: `account ${id.account}, ${id.arn}`, category: null, hint: null }),
    (e) => asCheck('credentials', e),
  );
  const models = (['sonnet', 'opus'] as const).map(async (model): Promise<ConnectionCheck> => {
    const r = resolveRoute({ model, geography, region });
    if (!r.ok) {
      const expected = geography === 'apac' && model === 'opus';
      return { name: `model ${model}`, ok: expected, ...(expected ? { warning: true } : {}), detail: r.error.reason, category: 'region-mismatch', hint: r.error.hint };
    }
    const client = await openRuntime(ctx.env, { region, credentials, clockOffsetMs });
    try {
      await probeConverse(client, r.value.inferenceProfileId);
      return { name: `model ${model}`, ok: true, detail: `${r.value.inferenceProfileId} answered from ${region}`, category: null, hint: null };
    } catch (e) {
      return asCheck(`model ${model}`, e);
    } finally {
      client.destroy();
    }
  });
  return Promise.all([identity, ...models]);
}

/** The choice on the wizard's "What now?" list that acts on a failure of this category. */
function wizardChoice(category: string | null): string {
  if (category === 'credential-invalid' || category === 'session-expired') return 'Then choose: Enter different credentials.';
  if (category === 'region-mismatch') return 'Then choose: Pick a different region.';
  if (category === 'clock-skew') return 'Then choose: Retry the test.';
  return 'Then choose: Retry the test (after fixing it in AWS).';
}

/**
 * The failure screen's fixes: one per distinct problem (three checks failing for one bad secret are
 * one problem), each step a sentence, with advice the wizard can act on instead of a byok command
 * to run afterwards.
 */
export function wizardFixes(checks: readonly ConnectionCheck[]): string[] {
  const fixes: string[] = [];
  for (const c of checks) {
    if (c.ok || !c.hint) continue;
    const steps = c.hint
      .split(/(?<=[.!?])\s+(?=[A-Z])|(?<=get-caller-identity)\s+(?=[A-Z])/)
      .map((x) => x.trim())
      .filter((x) => x !== '' && !/\bbyok credentials set\b/.test(x))
      .map((x) => (/[.!?)]$/.test(x) ? x : `${x}.`));
    const fix = [...steps, wizardChoice(c.category)].join(' ');
    if (!fixes.includes(fix)) fixes.push(fix);
  }
  return fixes;
}

type CredentialMethod = 'type' | 'profile' | 'env' | 'stdin' | 'provision';

async function chooseMethod(o: SetupOptions, ctx: Context): Promise<CredentialMethod> {
  if (o.provisionWithProfile !== undefined) return 'provision';
  if (o.fromEnv) return 'env';
  if (o.importProfile) return 'profile';
  if (o.secretAccessKeyStdin) return 'stdin';
  const p = await ctx.prompter();
  return p.select<CredentialMethod>('How do you want to provide the BYOK credentials?', [
    { value: 'type', name: 'Type an access key ID and secret access key' },
    { value: 'profile', name: 'Import them from a profile in the AWS shared config' },
    { value: 'provision', name: 'Create a new IAM user, least-privilege policy and key now, with an admin profile (byok iam provision)' },
  ], { flag: '--access-key-id with --secret-access-key-stdin, --from-env, --import-profile NAME, or --provision-with-profile PROFILE' });
}

async function askCredentials(o: SetupOptions, ctx: Context, chosen?: CredentialMethod): Promise<{ creds: ValidCredentials; source: StoredCredentials['source'] }> {
  const p = await ctx.prompter();
  let input: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt?: string };
  let source: StoredCredentials['source'];
  const method = chosen ?? (await chooseMethod(o, ctx));
  if (method === 'env') {
    const id = ctx.env.AWS_ACCESS_KEY_ID;
    const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
    if (!id || !secret) throw new UsageError('missing-env-credentials', '--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.', 'Export them, or use --access-key-id with --secret-access-key-stdin.');
    input = { accessKeyId: id, secretAccessKey: secret, sessionToken: ctx.env.AWS_SESSION_TOKEN || undefined, expiresAt: o.expiresAt ?? (ctx.env.AWS_CREDENTIAL_EXPIRATION || undefined) };
    source = 'environment';
  } else if (method === 'profile') {
    const name = o.importProfile ?? (await p.input('AWS profile name:', { default: 'default', flag: '--import-profile NAME' }));
    input = await (await import('../../aws/profile.js')).readProfileCredentials(ctx, name.trim());
    source = 'profile';
  } else if (method === 'stdin') {
    if (!o.accessKeyId) throw new UsageError('missing-input', 'The access key ID is missing.', 'Pass --access-key-id AKIA... (the secret comes on stdin).');
    const lines = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/);
    input = { accessKeyId: o.accessKeyId, secretAccessKey: lines[0] ?? '', sessionToken: o.sessionTokenStdin ? lines[1] : undefined, expiresAt: o.expiresAt };
    source = 'stdin';
  } else {
    const id = o.accessKeyId ?? (await p.input('Access key ID (AKIA… or ASIA…):', { flag: '--access-key-id', validate: (v) => { const r = parseAccessKeyId(v); return r.ok ? true : r.error.message; } }));
    const secret = await p.password('Secret access key:', { flag: '--secret-access-key-stdin', validate: (v) => { const r = parseSecretAccessKey(v); return r.ok ? true : r.error.message; } });
    input = { accessKeyId: id, secretAccessKey: secret };
    if (id.trim().startsWith('ASIA')) {
      input.sessionToken = await p.password('Session token:', { flag: '--session-token-stdin' });
      input.expiresAt = o.expiresAt ?? (await p.input('Session expiry (ISO 8601):', { flag: '--expires-at' }));
    }
    source = 'prompt';
  }
  const v = validateCredentials(input, ctx.now());
  if (!v.ok) throw new UsageError(`invalid-${v.error.field}`, v.error.message, v.error.hint);
  return { creds: v.value, source };
}

async function askRegion(o: SetupOptions, ctx: Context, geography: Geography, saved?: string): Promise<string> {
  const p = await ctx.prompter();
  // The saved region is preselected where it is a source region of the chosen geography.
  const preselect = saved !== undefined && sourceRegions(geography).includes(saved) ? saved : undefined;
  let raw = o.region;
  if (raw === undefined) {
    const regions = sourceRegions(geography);
    const notesOf = new Map(regions.map((r) => { const c = checkRegion(geography, r); return [r, c.ok ? c.value.notes : []] as const; }));
    // A note every region shares (APAC: no Opus profile) is said once, above the list, not on every row.
    const shape = (r: string, n: string) => n.split(r).join('\0');
    const common = (notesOf.get(regions[0]!) ?? []).filter((n) => regions.every((r) => (notesOf.get(r) ?? []).some((m) => shape(r, m) === shape(regions[0]!, n))));
    for (const n of common) ctx.io.stderr.write(`${mark.warn(ctx, n.slice(n.indexOf(': ') + 2) || n)}\n`);
    raw = await p.select(
      `Source region (requests are sent from here; ${geography} profile):`,
      regions.map((r) => {
        const notes = (notesOf.get(r) ?? []).filter((m) => !common.some((n) => shape(regions[0]!, n) === shape(r, m))).join('; ');
        return { value: r, name: notes ? `${r} — ${notes}` : r };
      }),
      { default: preselect, flag: '--region' },
    );
  }
  const region = parseRegion(raw);
  const c = checkRegion(geography, region);
  if (!c.ok) throw new UsageError(c.error.code, c.error.reason, c.error.hint);
  return region;
}

/**
 * Creating a key means holding a secret AWS shows once, so this path writes before the summary:
 * the workspace (with its geography and region) first, then the key the moment IAM returns it
 * (byok iam provision). Ctrl-C after this point keeps what was created; everything else in setup
 * is written only at the end.
 */
async function provisionNow(ctx: Context, a: { name: string; plan: Plan; geography: Geography; region: string; profile?: string; interactive: boolean }): Promise<{ creds: ValidCredentials; source: StoredCredentials['source'] }> {
  if (a.interactive) {
    const ok = await (await ctx.prompter()).confirm(`byok will save workspace ${a.name} now and store the new key the moment AWS returns it (a secret shown once is never held only in memory). Continue?`, { default: true, flag: '--provision-with-profile' });
    if (!ok) throw new CancelledError('Not provisioned; nothing was changed.');
  }
  const def = defaultPolicy(a.plan);
  await ctx.store().update((d, tx) => {
    const ws = workspaceNamed(d, a.name);
    if (ws && ws.owner !== ctx.user) throw new UsageError('owner-only', `Workspace ${a.name} belongs to ${ws.owner}.`, 'Only the owner configures BYOK.');
    if (!ws) {
      d.workspaces[a.name] = { name: a.name, plan: a.plan, owner: ctx.user, members: [], createdAt: ctx.now().toISOString(), byokEnabled: true, policy: def.policy, policyLocked: false, geography: a.geography, region: a.region };
      tx.audit({ type: 'workspace-created', user: ctx.user, workspace: a.name, details: { plan: a.plan, owner: ctx.user, policy: def.policy } });
    } else {
      ws.geography = a.geography;
      ws.region = a.region;
    }
  });
  const { runProvision } = await import('./iam.js');
  const saved = ctx.flags.workspace;
  ctx.flags.workspace = a.name;
  try {
    await runProvision({ profile: a.profile, geography: a.geography, region: a.region }, ctx);
  } finally {
    ctx.flags.workspace = saved;
  }
  const { doc } = await ctx.store().read();
  const c = workspaceNamed(doc, a.name)?.credentials;
  if (!c) throw new UsageError('provision-stored-nothing', 'Provisioning finished without a stored key.', 'Run byok iam provision --workspace NAME and check its output.');
  return { creds: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, kind: 'long-term' }, source: 'iam' };
}

export async function runSetup(o: SetupOptions, ctx: Context): Promise<Output> {
  const p = await ctx.prompter();
  const interactive = ctx.canPrompt();
  const say = (s: string) => { if (!ctx.flags.json) ctx.io.stderr.write(`${s}\n`); };
  const { doc } = await ctx.store().read();

  // 1. Workspace and plan.
  const rawName = o.name ?? ctx.flags.workspace ?? (await p.input('Workspace name:', { default: doc.currentWorkspace, flag: '--workspace NAME', validate: (v) => { const r = validateWorkspaceName(v); return r.ok ? true : r.reason; } }));
  const nameCheck = validateWorkspaceName(rawName);
  if (!nameCheck.ok) throw new UsageError('invalid-workspace-name', `Invalid workspace name "${printable(rawName)}": ${nameCheck.reason}.`, 'Example: --workspace acme-prod');
  const name = nameCheck.value;
  const existing = workspaceNamed(doc, name);
  if (existing && existing.owner !== ctx.user) {
    throw new UsageError('owner-only', `Workspace ${name} belongs to ${existing.owner}; only the owner configures its BYOK.`, "Members inherit the owner's configuration and need no setup.");
  }
  // The list starts on the saved plan, else the first one BYOK is available on; a refused plan is asked again.
  let plan: Plan;
  for (;;) {
    const asked = o.plan === undefined && existing?.plan === undefined;
    plan = o.plan ?? existing?.plan ?? (await p.select('Subscription plan:', PLANS.map((v) => ({ value: v, name: PLAN_LABELS[v] })), { default: PLANS.find((v) => checkPlan(v).ok), flag: '--plan' }));
    const planOk = checkPlan(plan);
    if (planOk.ok) break;
    if (!asked || !interactive) throw new UsageError(planOk.error.code, planOk.error.reason, planOk.error.hint);
    say(`  ${mark.fail(ctx, planOk.error.reason)} Choose Scale or above.`);
  }

  // 2–4. Credentials, geography and region, connection test — retried until it passes or the admin moves on.
  const method = await chooseMethod(o, ctx);
  let creds: ValidCredentials;
  let source: StoredCredentials['source'];
  let geography: Geography;
  let region: string;
  if (method === 'provision') {
    geography = o.geography ?? (await p.select('Inference profile (where inference may run):', GEOGRAPHIES.map((g) => ({ value: g, name: GEO_LINES[g] })), { default: existing?.geography, flag: '--geography' }));
    region = await askRegion(o, ctx, geography, existing?.region);
    ({ creds, source } = await provisionNow(ctx, { name, plan, geography, region, profile: o.provisionWithProfile || undefined, interactive }));
  } else {
    ({ creds, source } = await askCredentials(o, ctx, method));
    geography = o.geography ?? (await p.select('Inference profile (where inference may run):', GEOGRAPHIES.map((g) => ({ value: g, name: GEO_LINES[g] })), { default: existing?.geography, flag: '--geography' }));
    region = await askRegion(o, ctx, geography, existing?.region);
  }
  let checks: ConnectionCheck[] = [];
  let tested = false;
  if (!o.skipTest) {
    for (;;) {
      const spin = startSpinner(ctx, `Testing the connection from ${region}…`);
      checks = await testAnswers(ctx, creds, geography, region);
      const ok = checks.every((c) => c.ok);
      spin.stop(ok ? mark.ok(ctx, 'Connection test passed.') : mark.fail(ctx, 'Connection test failed.'));
      for (const c of checks) say(`  ${c.warning ? mark.warn(ctx, c.name) : c.ok ? mark.ok(ctx, c.name) : mark.fail(ctx, c.name)}: ${c.detail}`);
      tested = true;
      if (ok) break;
      if (interactive) for (const f of wizardFixes(checks)) say(`  ${ctx.chalk.dim('fix:')} ${f}`);
      else for (const c of checks.filter((x) => !x.ok && x.hint)) say(`  ${ctx.chalk.dim('fix:')} ${c.hint}`);
      if (!interactive) {
        // A failed check, not bad input: exit 1, and --json keeps the checks that say why.
        const hint = `Fix the cause above and re-run, or pass --skip-test to save without testing. ${checks.find((c) => !c.ok)?.hint ?? ''}`.trim();
        const message = 'The connection test failed; nothing was saved.';
        return {
          json: { ok: false, workspace: name, saved: false, connectionTest: { ok: false, checks }, error: { code: 'connection-test-failed', message, hint, exitCode: EXIT.checkFailed } },
          status: [mark.fail(ctx, message), `  hint: ${hint}`],
          exitCode: EXIT.checkFailed,
        };
      }
      const next = await p.select('What now?', [
        { value: 'retry', name: 'Retry the test (after fixing it in AWS)' },
        { value: 'credentials', name: 'Enter different credentials' },
        { value: 'region', name: 'Pick a different region' },
        { value: 'abort', name: 'Abort without saving' },
      ], { flag: '--skip-test' });
      if (next === 'abort') throw new CancelledError('Setup aborted; nothing was saved.');
      if (next === 'credentials') ({ creds, source } = await askCredentials({}, ctx, 'type'));
      if (next === 'region') region = await askRegion({}, ctx, geography, region);
    }
  }

  // 5. Fallback policy, with the plan's default preselected.
  const def = defaultPolicy(plan);
  if (interactive && !o.policy) for (const l of POLICY_TABLE) say(`  ${l}`);
  const lockedStrict = existing?.policyLocked === true;
  const policy = lockedStrict ? 'strict' : (o.policy ?? (await p.select(`Fallback policy (default for ${PLAN_LABELS[plan]}: ${def.policy}):`, POLICY_MODES.map((m) => ({ value: m, name: m })), { default: def.policy, flag: '--policy' })));
  if (lockedStrict && o.policy && o.policy !== 'strict') throw new UsageError('policy-locked', `The policy of ${name} is locked at strict.`, 'The owner can unlock it: byok policy set strict --unlock');
  // Enterprise and BYOC owners may pin strict so members cannot change it (as byok policy set strict --lock).
  let lock = lockedStrict;
  if (!lockedStrict && interactive && policy === 'strict' && checkPolicyChange({ plan, owner: ctx.user, actor: ctx.user, current: 'strict', locked: false, next: 'strict', lock: true }).ok) {
    lock = await p.confirm('Lock the policy at strict, so members cannot change it (the owner can unlock it: byok policy set strict --unlock)?', { default: false, flag: 'byok policy set strict --lock' });
  }

  // 6. Summary, then one write.
  const summary = table([
    ['workspace', `${name} (${PLAN_LABELS[plan]}, owner ${existing?.owner ?? ctx.user})`],
    ['credentials', `${mask(creds.accessKeyId)} (${creds.kind}${creds.expiresAt ? `, expires ${creds.expiresAt}` : ''})`],
    ['inference profile', `${geography} from ${region}`],
    ['fallback policy', `${policy}${lock ? ' (locked)' : ''}`],
    ['connection test', tested ? (checks.every((c) => c.ok) ? 'passed' : 'failed') : 'skipped'],
  ]);
  if (interactive) {
    for (const l of summary) say(`  ${l}`);
    if (!(await p.confirm('Save this configuration?', { default: true, flag: '--non-interactive' }))) throw new CancelledError('Not saved; the configuration is unchanged.');
  }
  const at = ctx.now().toISOString();
  const stored: StoredCredentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, source, storedAt: at };
  if (creds.sessionToken) stored.sessionToken = creds.sessionToken;
  if (creds.expiresAt) stored.expiresAt = creds.expiresAt;
  const { doc: after } = await ctx.store().update((d, tx) => {
    let ws: Workspace | undefined = workspaceNamed(d, name);
    if (ws && ws.owner !== ctx.user) throw new UsageError('owner-only', `Workspace ${name} belongs to ${ws.owner}.`, 'Only the owner configures BYOK.');
    if (!ws) {
      ws = { name, plan, owner: ctx.user, members: [], createdAt: at, byokEnabled: true, policy: def.policy, policyLocked: false };
      d.workspaces[name] = ws;
      tx.audit({ type: 'workspace-created', user: ctx.user, workspace: name, details: { plan, owner: ctx.user, policy: def.policy } });
    }
    if (ws.policy !== policy || ws.policyLocked !== lock) tx.audit({ type: 'policy-changed', user: ctx.user, workspace: name, details: { from: ws.policy, to: policy, lockedBefore: ws.policyLocked, locked: lock } });
    ws.policyLocked = lock;
    ws.plan = plan;
    ws.geography = geography;
    ws.region = region;
    ws.policy = policy;
    ws.byokEnabled = true;
    // A provisioned key is already stored (with its IAM user); anything else is stored now.
    if (source !== 'iam' || ws.credentials?.accessKeyId !== stored.accessKeyId) {
      ws.credentials = stored;
      delete ws.session;
    }
    if (tested) ws.lastConnectionTest = { at, ok: checks.every((c) => c.ok), summary: checks.map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAILED'}`).join(', ') };
    else delete ws.lastConnectionTest;
    d.currentWorkspace = name;
    if (source !== 'iam') tx.audit({ type: 'credentials-set', user: ctx.user, workspace: name, details: { accessKeyId: mask(stored.accessKeyId), kind: creds.kind, source, expiresAt: stored.expiresAt ?? null } });
    tx.audit({ type: 'setup-completed', user: ctx.user, workspace: name, details: { geography, region, policy, tested } });
  });
  const ws = after.workspaces[name]!;
  return {
    json: {
      ok: true,
      workspace: name,
      plan,
      owner: ws.owner,
      accessKeyId: mask(creds.accessKeyId),
      kind: creds.kind,
      geography,
      region,
      policy,
      connectionTest: tested ? { ok: checks.every((c) => c.ok), checks } : null,
    },
    status: [mark.ok(ctx, `Saved BYOK for ${name}: ${geography} from ${region}, policy ${policy}.`), ...(interactive ? [] : summary.map((l) => `  ${l}`))],
    exitCode: EXIT.ok,
  };
}

export function registerSetup(program: Command, ctx: Context, sink: ExitSink): void {
  program
    .command('setup')
    .description('guided setup of a workspace (wizard); --non-interactive takes every answer from flags for CI')
    .option('--name <workspace>', 'workspace name (or the global --workspace)')
    .option('--plan <plan>', PLANS.join('|'), choiceParser('plan', PLANS))
    .option('--access-key-id <id>', 'AKIA… or ASIA… access key ID')
    .option('--secret-access-key-stdin', 'read the secret access key from stdin (first line)')
    .option('--session-token-stdin', 'read the session token from stdin (second line)')
    .option('--expires-at <iso8601>', 'expiry of ASIA credentials')
    .option('--from-env', 'take the credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN')
    .option('--import-profile <name>', 'import the credentials from a profile in the AWS shared config')
    .option('--geography <geo>', GEOGRAPHIES.join('|'), choiceParser('geography', GEOGRAPHIES))
    .option('--region <region>', 'source region inside the geography')
    .option('--policy <mode>', POLICY_MODES.join('|'), choiceParser('policy', POLICY_MODES))
    .option('--skip-test', 'save without the connection test')
    .option('--provision-with-profile <profile>', 'create the IAM user, policy and key now with this admin profile ("" for the environment / credential chain)')
    .action(async (o: SetupOptions) => sink.set(emit(ctx, await runSetup(o, ctx))));
}
