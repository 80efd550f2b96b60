// byok models check | request-access: options, one call into app/models.ts, and the rendering.
// The control-plane view of model access (reference aws.md §4) lives in the workflow layer.
import type { Command } from 'commander';
import type { ModelsCheckReport, UseCaseForm, UseCaseFormCredentials, UseCaseFormSubmission } from '../../app/models.js';
import { UsageError, CancelledError } from '../../core/errors.js';
import { geographyLabel, isValidRegionName } from '../../core/geography.js';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import { lazySpinner } from '../spinner.js';
import { choiceParser, pickWorkspace, printable, requireAccess } from './shared.js';
import { checkJson, renderChecks } from '../render/checks.js';

export interface ModelsCheckOptions { refreshCatalog?: boolean }

export async function runModelsCheck(o: ModelsCheckOptions, ctx: Context): Promise<Output> {
  const { checkModels } = await import('../../app/models.js');
  const spinner = lazySpinner(ctx);
  let r: ModelsCheckReport;
  try {
    r = await checkModels(ctx, { refreshCatalog: o.refreshCatalog, onProgress: spinner.update });
  } finally {
    spinner.stop();
  }
  const json = {
    ok: r.ok,
    workspace: r.workspace,
    geography: r.geography,
    region: r.region,
    catalog: r.catalog,
    useCaseForm: r.useCaseForm,
    models: r.models.map((mv) => ({ ...mv, checks: mv.checks.map(checkJson) })),
    checks: r.checks.map(checkJson),
  };
  if (r.catalog === null) return { json, lines: renderChecks(ctx, r.checks), exitCode: r.exitCode };
  const lines: string[] = [];
  for (const mv of r.models) {
    lines.push(ctx.chalk.bold(`${mv.name} (${mv.modelId})${mv.inferenceProfileId ? ` via ${mv.inferenceProfileId} from ${r.region}` : ''}`));
    lines.push(...renderChecks(ctx, mv.checks).map((l) => `  ${l}`));
  }
  lines.push(...renderChecks(ctx, r.general));
  const reachable = r.models.filter((mv) => mv.accessible).map((mv) => mv.name);
  const unrouted = r.models.filter((mv) => mv.inferenceProfileId === null).map((mv) => mv.name);
  const served = `${reachable.join(' and ')} ${reachable.length === 1 ? 'is' : 'are'} accessible from ${r.region}${unrouted.length ? `; ${unrouted.join(' and ')} has no inference profile from ${r.region} in ${r.geography === null ? "no geography" : geographyLabel(r.geography)}` : ''}.`;
  lines.push(r.ok ? mark.ok(ctx, served) : mark.fail(ctx, `Model access is not complete: ${r.checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}.`));
  return { json, lines, exitCode: r.exitCode };
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

  const { submitUseCaseForm } = await import('../../app/models.js');
  const from: UseCaseFormCredentials = o.profile !== undefined ? { profile: o.profile } : o.fromEnv ? { fromEnv: true } : wsName !== null ? { workspace: wsName } : noCredentials();
  const spinner = lazySpinner(ctx);
  let r: UseCaseFormSubmission;
  try {
    r = await submitUseCaseForm(ctx, { region, form, workspace: wsName, from, onProgress: spinner.update });
  } finally {
    spinner.stop();
  }
  const formJson = { companyName: form.companyName, companyWebsite: form.companyWebsite, intendedUsers: form.intendedUsers, industryOption: form.industryOption, otherIndustryOption: form.otherIndustryOption, useCases: form.useCases };
  const json = { ok: r.ok, submitted: r.submitted, workspace: r.workspace, region: r.region, account: r.account, credentialsFrom: r.credentialsFrom, form: formJson, checks: r.check ? [checkJson(r.check)] : [] };
  if (r.check) return { json, lines: renderChecks(ctx, [r.check]), exitCode: r.exitCode };
  return {
    json,
    lines: table([['account', r.account ?? '(unknown)'], ['region', region], ['company', form.companyName], ['intended users', form.intendedUsers === '0' ? 'internal' : form.intendedUsers === '1' ? 'external' : 'both']]),
    status: [mark.ok(ctx, `Submitted the Anthropic use-case form${r.account ? ` for account ${r.account}` : ''}. AWS grants access immediately; allow a few minutes to propagate, then: byok models check`)],
  };
}

function noCredentials(): never {
  throw new UsageError('no-credentials', 'No workspace credentials to submit the form with.', 'Pass --profile NAME or --from-env to use an admin identity.');
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
