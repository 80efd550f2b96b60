// byok setup: the wizard an admin meets first, and its CI twin (--non-interactive). The plan (what
// is asked, in which order, what is written when) is app/setup.ts; this file answers its questions
// from the flags or, where a person is at a terminal, with prompts — the non-interactive prompter
// turns a missing answer into "pass --flag" (exit 2) — and renders the progress and the result.
import type { Command } from 'commander';
import { GEOGRAPHIES, PLANS, POLICY_MODES, validateWorkspaceName, type Geography, type Plan, type PolicyMode } from '../../core/config-doc.js';
import { parseAccessKeyId, parseSecretAccessKey } from '../../core/credentials.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { checkRegion, geographyLabel, sourceRegions } from '../../core/geography.js';
import { defaultPolicy, PLAN_LABELS } from '../../core/plans.js';
import type { ConnectionCheck, CredentialInput, CredentialMethod, SetupProvider, SetupQuestions, SetupSummary } from '../../app/setup.js';
import type { Context } from '../context.js';
import { readAllStdin } from '../io.js';
import { emit, mark, table, type Output } from '../output.js';
import { stepPrinter } from '../render/steps.js';
import { startSpinner } from '../spinner.js';
import { choiceParser } from './shared.js';

export interface SetupOptions {
  name?: string;
  plan?: Plan;
  changeWorkspace?: boolean;
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
  /** How Bedrock calls authenticate (issue 14). */
  provider?: SetupProvider;
  /** A Bedrock API key on stdin (provider long-term-api-key). */
  bedrockApiKeyStdin?: boolean;
  /** For --provider create-api-key: the admin profile ("" = the AWS chain / environment) and the IAM user. */
  apiKeyAdminProfile?: string;
  apiKeyUserName?: string;
}

// Kept here, not imported from app/setup.js at load time (commands load their workflows lazily).
const PROVIDERS = ['iam', 'short-term-api-keys', 'long-term-api-key', 'create-api-key'] as const satisfies readonly SetupProvider[];
const LONG_TERM_NOTE = 'AWS recommends long-term Bedrock API keys for exploring Bedrock only; for production, choose short-term keys, which byok mints from IAM credentials and renews itself.';

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

/** The provider the flags choose, if any (a key on stdin is a long-term key pasted). */
function providerFromFlags(o: SetupOptions): SetupProvider | undefined {
  if (o.bedrockApiKeyStdin && o.secretAccessKeyStdin) throw new UsageError('conflicting-flags', '--bedrock-api-key-stdin and --secret-access-key-stdin both read stdin.', 'A short-term key provider takes IAM credentials (--provider short-term-api-keys with --secret-access-key-stdin); a pasted key takes --bedrock-api-key-stdin alone.');
  if (o.bedrockApiKeyStdin && o.provider !== undefined && o.provider !== 'long-term-api-key') throw new UsageError('conflicting-flags', `--bedrock-api-key-stdin gives a key to store; --provider ${o.provider} does not store one.`, 'Drop --bedrock-api-key-stdin, or pass --provider long-term-api-key.');
  const p = o.provider ?? (o.bedrockApiKeyStdin ? 'long-term-api-key' : undefined);
  if ((p === 'long-term-api-key' || p === 'create-api-key') && (methodFromFlags(o) !== undefined || o.accessKeyId !== undefined)) throw new UsageError('conflicting-flags', `--provider ${p} stores a Bedrock API key and no IAM credentials, so the IAM credential flags would be ignored.`, 'Drop --access-key-id / --from-env / --import-profile / --provision-with-profile, or choose --provider iam or short-term-api-keys.');
  return p;
}

/** The credentials method the flags choose, if any. */
function methodFromFlags(o: SetupOptions): CredentialMethod | undefined {
  if (o.provisionWithProfile !== undefined) return 'provision';
  if (o.fromEnv) return 'env';
  if (o.importProfile) return 'profile';
  if (o.secretAccessKeyStdin) return 'stdin';
  return undefined;
}

/** The credentials as the flags, the environment, a profile, stdin or the prompts give them (checked by app/setup.ts). */
async function askCredentials(o: SetupOptions, ctx: Context, method: Exclude<CredentialMethod, 'provision'>): Promise<CredentialInput> {
  const p = await ctx.prompter();
  if (method === 'env') {
    const id = ctx.env.AWS_ACCESS_KEY_ID;
    const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
    if (!id || !secret) throw new UsageError('missing-env-credentials', '--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.', 'Export them, or use --access-key-id with --secret-access-key-stdin.');
    return { accessKeyId: id, secretAccessKey: secret, sessionToken: ctx.env.AWS_SESSION_TOKEN || undefined, expiresAt: o.expiresAt ?? (ctx.env.AWS_CREDENTIAL_EXPIRATION || undefined), source: 'environment' };
  }
  if (method === 'profile') {
    const name = o.importProfile ?? (await p.input('AWS profile name:', { default: 'default', flag: '--import-profile NAME' }));
    return { ...(await (await import('../../app/credentials.js')).profileCredentials(ctx, name.trim())), source: 'profile' };
  }
  if (method === 'stdin') {
    if (!o.accessKeyId) throw new UsageError('missing-input', 'The access key ID is missing.', 'Pass --access-key-id AKIA... (the secret comes on stdin).');
    const lines = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/);
    return { accessKeyId: o.accessKeyId, secretAccessKey: lines[0] ?? '', sessionToken: o.sessionTokenStdin ? lines[1] : undefined, expiresAt: o.expiresAt, source: 'stdin' };
  }
  const id = o.accessKeyId ?? (await p.input('Access key ID (AKIA… or ASIA…):', { flag: '--access-key-id', validate: (v) => { const r = parseAccessKeyId(v); return r.ok ? true : r.error.message; } }));
  const secret = await p.password('Secret access key:', { flag: '--secret-access-key-stdin', validate: (v) => { const r = parseSecretAccessKey(v); return r.ok ? true : r.error.message; } });
  const input: CredentialInput = { accessKeyId: id, secretAccessKey: secret, source: 'prompt' };
  if (id.trim().startsWith('ASIA')) {
    input.sessionToken = await p.password('Session token:', { flag: '--session-token-stdin' });
    input.expiresAt = o.expiresAt ?? (await p.input('Session expiry (ISO 8601):', { flag: '--expires-at' }));
  }
  return input;
}

/** The wizard's questions (or, where nobody can answer, the "pass --flag" refusals). */
async function questions(o: SetupOptions, ctx: Context): Promise<SetupQuestions> {
  const p = await ctx.prompter();
  const interactive = ctx.canPrompt();
  const say = (s: string) => { if (!ctx.flags.json) ctx.io.stderr.write(`${s}\n`); };
  // The wizard asks provider and method in one list (the IAM methods first, as before); the method is kept for method().
  let chosenMethod: CredentialMethod | undefined;
  return {
    interactive,
    async provider(current) {
      if (!interactive) {
        // Never flip a workspace off its API key silently.
        if (current === 'bedrock-api-key') throw new UsageError('missing-provider', 'This workspace calls Bedrock with a Bedrock API key; setup will not switch it back to IAM credentials unasked.', `Pass --provider ${PROVIDERS.join('|')}.`);
        return 'iam';
      }
      const fixed = methodFromFlags(o) !== undefined;
      const choice = await p.select('How do you want to provide the BYOK credentials?', [
        ...(fixed ? [{ value: 'iam', name: 'IAM credentials: byok signs each call with them (SigV4)' }] : [
          { value: 'type', name: 'Type an access key ID and secret access key' },
          { value: 'profile', name: 'Import them from a profile in the AWS shared config' },
          { value: 'provision', name: 'Create a new IAM user, least-privilege policy and key now, with an admin profile (byok iam provision)' },
        ]),
        { value: 'short-term', name: `Short-term Bedrock API keys byok mints from ${fixed ? 'those IAM credentials' : 'an access key you type'} and renews (AWS's recommendation for production)` },
        { value: 'paste-key', name: 'Paste a long-term Bedrock API key (AWS: for exploration only)' },
        { value: 'create-key', name: 'Create a long-term Bedrock API key through IAM now, with an admin profile (AWS: for exploration only)' },
      ] as const, { flag: '--provider' });
      if (choice === 'paste-key' || choice === 'create-key') say(`  ${mark.warn(ctx, LONG_TERM_NOTE)}`);
      if (choice === 'paste-key') return 'long-term-api-key';
      if (choice === 'create-key') return 'create-api-key';
      if (choice === 'short-term') {
        chosenMethod = fixed ? undefined : 'type';
        return 'short-term-api-keys';
      }
      if (choice !== 'iam') chosenMethod = choice as CredentialMethod;
      return 'iam';
    },
    async apiKey({ retry }) {
      if (!retry && o.bedrockApiKeyStdin) {
        const lines = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/).filter((l) => l.trim() !== '');
        if (lines.length > 1) throw new UsageError('unexpected-stdin', 'stdin has more than one line; --bedrock-api-key-stdin reads one key on one line.', 'Send the key alone on stdin.');
        return { key: lines[0] ?? '', source: 'stdin' };
      }
      return { key: await p.password('Bedrock API key (ABSK… or bedrock-api-key-…):', { flag: '--bedrock-api-key-stdin' }), source: 'prompt' };
    },
    workspaceName: (current) => p.input('Workspace name:', { default: current, flag: '--workspace NAME', validate: (v) => { const r = validateWorkspaceName(v); return r.ok ? true : r.reason; } }),
    plan({ default: def, refused }) {
      if (refused) say(`  ${mark.fail(ctx, refused.reason)} Choose Scale or above.`);
      return p.select('Subscription plan:', PLANS.map((v) => ({ value: v, name: PLAN_LABELS[v] })), { default: def, flag: '--plan' });
    },
    method: () => chosenMethod !== undefined ? Promise.resolve(chosenMethod) : p.select<CredentialMethod>('How do you want to provide the BYOK credentials?', [
      { value: 'type', name: 'Type an access key ID and secret access key' },
      { value: 'profile', name: 'Import them from a profile in the AWS shared config' },
      { value: 'provision', name: 'Create a new IAM user, least-privilege policy and key now, with an admin profile (byok iam provision)' },
    ], { flag: '--access-key-id with --secret-access-key-stdin, --from-env, --import-profile NAME, or --provision-with-profile PROFILE' }),
    credentials: (method, { retry }) => askCredentials(retry ? {} : o, ctx, method),
    geography: (current) => p.select('Inference profile (where inference may run):', GEOGRAPHIES.map((g) => ({ value: g, name: GEO_LINES[g] })), { default: current, flag: '--geography' }),
    region(geography, preselect) {
      const regions = sourceRegions(geography);
      const notesOf = new Map(regions.map((r) => { const c = checkRegion(geography, r); return [r, c.ok ? c.value.notes : []] as const; }));
      // A note every region shares (APAC: no Opus profile) is said once, above the list, not on every row.
      const shape = (r: string, n: string) => n.split(r).join('\0');
      const common = (notesOf.get(regions[0]!) ?? []).filter((n) => regions.every((r) => (notesOf.get(r) ?? []).some((m) => shape(r, m) === shape(regions[0]!, n))));
      for (const n of common) ctx.io.stderr.write(`${mark.warn(ctx, n.slice(n.indexOf(': ') + 2) || n)}\n`);
      return p.select(
        `Source region (requests are sent from here; ${geographyLabel(geography)} profile):`,
        regions.map((r) => {
          const notes = (notesOf.get(r) ?? []).filter((m) => !common.some((n) => shape(regions[0]!, n) === shape(r, m))).join('; ');
          return { value: r, name: notes ? `${r} — ${notes}` : r };
        }),
        { default: preselect, flag: '--region' },
      );
    },
    confirmProvision: (name) => p.confirm(`byok will save workspace ${name} now and store the new key the moment AWS returns it (a secret shown once is never held only in memory). Continue?`, { default: true, flag: '--provision-with-profile' }),
    afterFailedTest: () => p.select('What now?', [
      { value: 'retry', name: 'Retry the test (after fixing it in AWS)' },
      { value: 'credentials', name: 'Enter different credentials' },
      { value: 'region', name: 'Pick a different region' },
      { value: 'abort', name: 'Abort without saving' },
    ] as const, { flag: '--skip-test' }),
    policy({ default: def, plan, saved }) {
      if (interactive) for (const l of POLICY_TABLE) say(`  ${l}`);
      const label = saved !== undefined ? `Fallback policy (now: ${saved}; default for ${PLAN_LABELS[plan]}: ${defaultPolicy(plan).policy}):` : `Fallback policy (default for ${PLAN_LABELS[plan]}: ${def}):`;
      return p.select(label, POLICY_MODES.map((m) => ({ value: m, name: m })), { default: def, flag: '--policy' });
    },
    lockStrict: () => p.confirm('Lock the policy at strict, so members cannot change it (the owner can unlock it: byok policy set strict --unlock)?', { default: false, flag: 'byok policy set strict --lock' }),
    async confirmChanges(name, changes) {
      say(`  ${mark.warn(ctx, `Workspace ${name} is already configured; this changes it:`)}`);
      for (const c of changes) say(`    ${c.key}: ${c.from} → ${c.to}`);
      return p.confirm(`Change ${changes.map((c) => c.key).join(', ')} of workspace ${name}? (audited)`, { default: false, flag: '--change-workspace' });
    },
    async confirmSave(summary) {
      for (const l of summaryTable(summary)) say(`  ${l}`);
      return p.confirm('Save this configuration?', { default: true, flag: '--non-interactive' });
    },
  };
}

function summaryTable(s: SetupSummary): string[] {
  return table([
    ['workspace', `${s.workspace} (${PLAN_LABELS[s.plan]}, owner ${s.owner})`],
    ...(s.provider === 'iam' ? [] : [['provider', s.provider === 'short-term-api-keys' ? 'Bedrock API keys, short-term, minted by byok from the IAM credentials below' : 'Bedrock API key, long-term'] as [string, string]]),
    ['credentials', `${s.accessKeyId} (${s.kind}${s.expiresAt ? `, expires ${s.expiresAt}` : ''})`],
    ['inference profile', `${geographyLabel(s.geography)} from ${s.region}`],
    ['fallback policy', `${s.policy}${s.locked ? ' (locked)' : ''}`],
    ['connection test', s.connectionTest],
    ...s.changes.map((c) => [`changed ${c.key}`, `${c.from} → ${c.to}`] as [string, string]),
  ]);
}

export async function runSetupCommand(o: SetupOptions, ctx: Context): Promise<Output> {
  const { runSetup } = await import('../../app/setup.js');
  const interactive = ctx.canPrompt();
  const say = (s: string) => { if (!ctx.flags.json) ctx.io.stderr.write(`${s}\n`); };
  let spin: ReturnType<typeof startSpinner> | undefined;
  const r = await runSetup(
    ctx,
    { name: o.name, plan: o.plan, method: methodFromFlags(o), provisionProfile: o.provisionWithProfile || undefined, geography: o.geography, region: o.region, policy: o.policy, skipTest: o.skipTest, changeWorkspace: o.changeWorkspace, provider: providerFromFlags(o), apiKeyAdminProfile: o.apiKeyAdminProfile || undefined, apiKeyUserName: o.apiKeyUserName },
    await questions(o, ctx),
    {
      ...stepPrinter(ctx),
      testing: (region) => { spin = startSpinner(ctx, `Testing the connection from ${region}…`); },
      tested(checks) {
        const ok = checks.every((c) => c.ok);
        spin?.stop(ok ? mark.ok(ctx, 'Connection test passed.') : mark.fail(ctx, 'Connection test failed.'));
        for (const c of checks) say(`  ${c.warning ? mark.warn(ctx, c.name) : c.ok ? mark.ok(ctx, c.name) : mark.fail(ctx, c.name)}: ${c.detail}`);
        if (ok) return;
        if (interactive) for (const f of wizardFixes(checks)) say(`  ${ctx.chalk.dim('fix:')} ${f}`);
        else for (const c of checks.filter((x) => !x.ok && x.hint)) say(`  ${ctx.chalk.dim('fix:')} ${c.hint}`);
      },
    },
  );
  if (!r.ok) {
    // A failed check, not bad input: exit 1, and --json keeps the checks that say why.
    // Nothing is saved after a failed test, except what AWS showed once and byok stored the moment it existed.
    const message = r.kept ? `The connection test failed. Kept, because AWS shows a new secret once: ${r.kept}.` : 'The connection test failed; nothing was saved.';
    return {
      json: { ok: false, workspace: r.workspace, saved: false, kept: r.kept, connectionTest: { ok: false, checks: r.checks }, error: { code: 'connection-test-failed', message, hint: r.hint, exitCode: EXIT.checkFailed } },
      status: [mark.fail(ctx, message), `  hint: ${r.hint}`],
      exitCode: EXIT.checkFailed,
    };
  }
  const s = r.summary;
  return {
    json: {
      ok: true,
      workspace: s.workspace,
      plan: s.plan,
      owner: s.owner,
      accessKeyId: s.accessKeyId,
      kind: s.kind,
      geography: s.geography,
      region: s.region,
      policy: s.policy,
      changes: s.changes,
      connectionTest: r.checks ? { ok: r.checks.every((c) => c.ok), checks: r.checks } : null,
      provider: s.provider,
      warning: s.warning,
    },
    status: [mark.ok(ctx, `Saved BYOK for ${s.workspace}: ${geographyLabel(s.geography)} from ${s.region}, policy ${s.policy}.`), ...(interactive ? [] : summaryTable(s).map((l) => `  ${l}`)), ...(s.warning ? [mark.warn(ctx, s.warning)] : [])],
    exitCode: EXIT.ok,
  };
}

export function registerSetup(program: Command, ctx: Context): void {
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
    .option('--change-workspace', "let this run change a configured workspace's plan, geography, region or policy (without it, setup refuses such a change; each change is audited)")
    .option('--provision-with-profile <profile>', 'create the IAM user, policy and key now with this admin profile ("" for the environment / credential chain)')
    .option('--provider <provider>', `how calls authenticate: ${PROVIDERS.join('|')} (IAM credentials; short-term Bedrock API keys byok mints from them, AWS's recommendation for production; a long-term key pasted or created through IAM, for exploration only)`, choiceParser('provider', PROVIDERS))
    .option('--bedrock-api-key-stdin', 'read a Bedrock API key from stdin (one line; implies --provider long-term-api-key)')
    .option('--api-key-admin-profile <profile>', 'with --provider create-api-key: the admin profile that creates the key ("" or absent: the environment / credential chain)')
    .option('--api-key-user-name <name>', 'with --provider create-api-key: the IAM user the key belongs to (default byok-bedrock)')
    .action(async (o: SetupOptions) => emit(ctx, await runSetupCommand(o, ctx)));
}
