// byok export claude-code|env: settings pinned to the workspace for Claude Code and plain SDK users
// (issue 13). stdout carries only what goes into the other tool (a settings object, or shell lines
// that `eval` accepts); what the admin must know goes to stderr, or into shell comments. No secret
// is ever printed: the gateway token is a placeholder, the direct path a credential_process profile.
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { geographyLabel } from '../../core/geography.js';

interface ExportOptions { gateway?: string }

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export async function runExportClaudeCode(o: ExportOptions, ctx: Context): Promise<Output> {
  const { exportSettings } = await import('../../app/exports.js');
  const x = await exportSettings(ctx, { gateway: o.gateway });
  const status = [
    mark.ok(ctx, `Claude Code settings for workspace ${x.workspace} (${geographyLabel(x.geography)}, ${x.region}): merge the "env" block into ~/.claude/settings.json, or a project's .claude/settings.json.`),
    ...x.notes.map((n) => `  ${n}`),
    ...(x.awsProfile ? ['  ~/.aws/config:', ...x.awsProfile.configSection.split('\n').map((l) => `    ${l}`)] : []),
    `  Check a settings file against the workspace with: byok doctor --claude-code-settings FILE${x.gateway ? ` --gateway ${x.gateway}` : ''}`,
  ];
  return { json: x.settings, lines: JSON.stringify(x.settings, null, 2).split('\n'), status };
}

export async function runExportEnv(o: ExportOptions, ctx: Context): Promise<Output> {
  const { exportSettings } = await import('../../app/exports.js');
  const x = await exportSettings(ctx, { gateway: o.gateway });
  const lines = [
    `# byok: workspace ${x.workspace}, ${geographyLabel(x.geography)} geography, source region ${x.region}. Model IDs are the geography's inference profiles byok routes.`,
    ...Object.entries(x.shellEnv).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
  ];
  if (x.gateway) {
    lines.push('# The gateway token (a secret; byok gateway token create --user NAME shows it once):', '# export AWS_BEARER_TOKEN_BEDROCK=...');
  } else if (x.awsProfile) {
    // Keys or a bearer token already in the shell win over AWS_PROFILE in the AWS CLI and SDKs: the
    // profile pins nothing unless they go (new-user review, stop 18).
    lines.splice(1, 0, 'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_BEARER_TOKEN_BEDROCK  # they would win over AWS_PROFILE');
    lines.push(`# AWS_PROFILE ${x.awsProfile.name} takes short-lived credentials from byok; add to ~/.aws/config:`, ...x.awsProfile.configSection.split('\n').map((l) => `#   ${l}`));
  } else if (x.settings.env.AWS_BEARER_TOKEN_BEDROCK !== undefined) {
    lines.push('# The Bedrock API key (a secret; byok never prints it; see the Credentials note below):', '# export AWS_BEARER_TOKEN_BEDROCK=...');
  }
  lines.push(...x.notes.map((n) => `# ${n}`));
  return { json: { env: x.shellEnv }, lines };
}

export function registerExport(program: Command, ctx: Context): void {
  const cmd = program.command('export').description('settings pinned to the workspace for other tools: claude-code | env');
  cmd
    .command('claude-code')
    .description("print Claude Code's settings.json env block pinned to the workspace: Bedrock on, the region, the geography's profile IDs, and the gateway or byok credential-process")
    .option('--gateway <url>', 'route through the byok gateway at this URL (token placeholder); default: the direct path through byok credential-process')
    .action(async (o: ExportOptions) => emit(ctx, await runExportClaudeCode(o, ctx)));
  cmd
    .command('env')
    .description('print the same as shell export lines for SDK users (AWS_REGION, the profile IDs, the gateway endpoint or AWS_PROFILE)')
    .option('--gateway <url>', 'route through the byok gateway at this URL; default: the direct path through byok credential-process')
    .action(async (o: ExportOptions) => emit(ctx, await runExportEnv(o, ctx)));
}
