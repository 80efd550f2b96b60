// byok iam policy-document|create-user|put-policy|create-access-key|rotate-key|provision:
// the product document's "IAM Credentials Setup", steps 1–5. The workflows are app/provision.ts
// (a new secret access key is stored before anything else can fail, or deleted again); this file
// parses the flags, prints each step on stderr as it happens, and renders the result.
import type { Command } from 'commander';
import { GEOGRAPHIES } from '../../core/config-doc.js';
import * as iam from '../../app/provision.js';
import { DEFAULT_USER_NAME, type IamCommonOptions, type ProvisionCommands, type ProvisionHooks, type ProvisionOptions } from '../../app/provision.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { stepPrinter } from '../render/steps.js';
import { choiceParser } from './shared.js';
import { geographyLabel } from '../../core/geography.js';

async function runPolicyDocument(o: IamCommonOptions, ctx: Context): Promise<Output> {
  const r = await iam.policyDocument(ctx, o);
  return {
    json: r,
    lines: [JSON.stringify(r.document, null, 2)],
    status: [`${r.placement} policy, ${r.size} characters without whitespace: ${r.reason}.`, ...r.notes.map((n) => mark.warn(ctx, n))],
  };
}

function commandsOutput(r: ProvisionCommands): Output {
  const lines = [
    `# byok iam provision for workspace ${r.workspace}: ${geographyLabel(r.geography)} from ${r.region}, account ${r.accountId}`,
    `# Policy: ${r.placement}, ${r.policySize} characters — ${r.policyReason}.`,
    ...r.notes.map((n) => `# ${n}`),
    ...r.commands.slice(0, -1),
    '# The secret is shown once: it is piped straight into byok (never a file); if byok cannot store it, the key is deleted again.',
    r.commands.at(-1)!,
  ];
  return { json: { accountId: r.accountId, workspace: r.workspace, userName: r.userName, placement: r.placement, policySize: r.policySize, commands: r.commands }, lines };
}

async function runCreateAccessKey(o: IamCommonOptions, ctx: Context): Promise<Output> {
  const r = await iam.createAccessKey(ctx, o, stepPrinter(ctx));
  // The step line said what was stored; this says what still holds a key, and what to do next.
  return { json: r, status: [...r.notes.map((n) => mark.warn(ctx, n)), ...r.next.map((n) => `  Next: ${n}`)] };
}

async function runProvision(o: ProvisionOptions & { printCommands?: boolean }, ctx: Context): Promise<Output> {
  if (o.printCommands) return commandsOutput(await iam.provisionCommands(ctx, o));
  const r = await iam.provision(ctx, o, stepPrinter(ctx));
  return { json: r, status: r.notes.map((n) => mark.warn(ctx, n)) };
}

export function registerIam(program: Command, ctx: Context): void {
  const cmd = program.command('iam').description('the Bedrock IAM user, its least-privilege policy and access keys (admin credentials from the AWS chain)');
  const common = (c: Command) =>
    c
      .option('--user-name <name>', `IAM user name (default: the workspace's IAM user, else ${DEFAULT_USER_NAME})`)
      .option('--profile <name>', 'AWS profile with IAM admin permissions (default: the AWS credential chain)')
      .option('--geography <geo>', GEOGRAPHIES.join('|'), choiceParser('geography', GEOGRAPHIES))
      .option('--region <region>', 'source region (default: the workspace region)')
      .option('--models <list>', 'sonnet,opus (default: both)')
      .option('--with-discovery', 'include the read-only discovery actions (the default; kept for scripts)')
      .option('--no-discovery', 'leave out the read-only discovery actions (bedrock:GetInferenceProfile, ...): byok then cannot see where AWS routes a profile before it sends a prompt');
  const run = <O>(f: (o: O, c: Context) => Promise<Output>) => async (o: O) => emit(ctx, await f(o, ctx));
  /** A workflow whose whole result is the --json document; the steps went to stderr as they happened. */
  const steps = <O>(f: (rt: Context, o: O, hooks: ProvisionHooks) => Promise<unknown>) => run<O>(async (o, c) => ({ json: await f(c, o, stepPrinter(c)) }));
  cmd
    .command('policy-document')
    .description('print the least-privilege policy and whether it fits inline or needs a managed policy')
    .option('--geography <geo>', `${GEOGRAPHIES.join('|')} (default: the workspace's)`, choiceParser('geography', GEOGRAPHIES))
    .option('--region <region>', "source region (default: the workspace's)")
    .option('--account <id>', '12-digit account ID (default: read with sts:GetCallerIdentity)')
    .option('--models <list>', 'sonnet,opus (default: both)')
    .option('--with-discovery', 'include the read-only discovery actions (the default; kept for scripts)')
    .option('--no-discovery', 'leave out the read-only discovery actions (bedrock:GetInferenceProfile, ...): byok then cannot see where AWS routes a profile before it sends a prompt')
    .option('--profile <name>', 'AWS profile to read the account ID with')
    .action(run(runPolicyDocument));
  const adopt = ['--adopt-existing-user', 'use an existing IAM user byok did not create for this workspace (byok tags it and adds its policy)'] as const;
  common(cmd.command('create-user').description('create (or reuse) the IAM user').option('--tag <k=v...>', 'extra tags').option(...adopt)).action(steps(iam.createUser));
  common(cmd.command('put-policy').description('create or update the least-privilege policy on the user').option(...adopt)).action(steps(iam.putPolicy));
  common(cmd.command('create-access-key').description("create an access key and store it encrypted in the workspace at once (the workspace's previous key is left in IAM; rotate-key replaces it)").option('--store', 'store it in the workspace (always on: byok never prints a secret)').option(...adopt)).action(run(runCreateAccessKey));
  common(cmd.command('rotate-key').description('create, store and test a new key, then deactivate and delete the old one')).action(steps(iam.rotateKey));
  common(cmd.command('provision').description('user → policy → key → store → test, idempotently; saves --geography/--region the workspace lacks').option('--tag <k=v...>', 'extra tags').option(...adopt).option('--change-workspace-route', "move the workspace to --geography/--region when they differ from its own (audited)").option('--account <id>', 'account ID (for --print-commands without credentials)').option('--print-commands', 'print the equivalent AWS CLI commands instead of running them')).action(run(runProvision));
}
