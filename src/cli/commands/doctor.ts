// byok doctor: options, one call into app/doctor.ts (test-connection plus the troubleshooting
// checks) or app/exports.ts (--claude-code-settings), and the rendering.
import type { Command } from 'commander';
import type { DoctorReport } from '../../app/doctor.js';
import { UsageError } from '../../core/errors.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { lazySpinner } from '../spinner.js';
import { checkJson, connectionJson, renderChecks } from '../render/checks.js';
import { geographyLabel } from '../../core/geography.js';

export async function runDoctor(ctx: Context): Promise<Output> {
  const { runDoctorChecks } = await import('../../app/doctor.js');
  const spinner = lazySpinner(ctx);
  let r: DoctorReport;
  try {
    r = await runDoctorChecks(ctx, { onProgress: spinner.update });
  } finally {
    spinner.stop();
  }
  const report = r.connection;
  const failed = r.checks.filter((c) => c.status === 'fail');
  const json = {
    ok: r.ok,
    workspace: r.workspace,
    role: r.role,
    owner: r.owner,
    checks: r.checks.map(checkJson),
    connection: report ? connectionJson(report) : null,
  };
  const lines = [...renderChecks(ctx, r.checks)];
  if (report && !report.ok) {
    lines.push('', ctx.chalk.bold('test-connection details:'), ...renderChecks(ctx, report.checks.filter((c) => c.status !== 'pass')).map((l) => `  ${l}`));
  }
  lines.push(r.ok ? mark.ok(ctx, `No problems found in ${r.workspace}.`) : mark.fail(ctx, `${failed.length} problem${failed.length === 1 ? '' : 's'} found in ${r.workspace}: ${failed.map((c) => c.name).join(', ')}.`));
  return { json, lines, exitCode: r.exitCode };
}

export async function runDoctorClaudeCode(ctx: Context, o: { path: string; gateway?: string }): Promise<Output> {
  const { checkSettingsFile } = await import('../../app/exports.js');
  const r = await checkSettingsFile(ctx, { path: o.path, gateway: o.gateway });
  const failed = r.checks.filter((c) => c.status === 'fail');
  const lines = [
    ...renderChecks(ctx, r.checks),
    r.ok
      ? mark.ok(ctx, `${r.file} matches workspace ${r.workspace} (${geographyLabel(r.geography)}, ${r.region}).`)
      : mark.fail(ctx, `${failed.length} mismatch${failed.length === 1 ? '' : 'es'} between ${r.file} and workspace ${r.workspace} (${geographyLabel(r.geography)}, ${r.region}): ${failed.map((c) => c.name).join(', ')}. byok export claude-code prints settings that match.`),
  ];
  return { json: { ok: r.ok, workspace: r.workspace, geography: r.geography, region: r.region, file: r.file, checks: r.checks.map(checkJson) }, lines, exitCode: r.ok ? 0 : 1 };
}

export function registerDoctor(program: Command, ctx: Context): void {
  program
    .command('doctor')
    .description('test-connection plus the workspace checks from the troubleshooting guide, each with its fix')
    .option('--claude-code-settings <file>', "check a Claude Code settings.json against the workspace instead (model profiles, region, endpoint, plaintext keys); no AWS call")
    .option('--gateway <url>', 'with --claude-code-settings: the byok gateway URL the file must name')
    .action(async (o: { claudeCodeSettings?: string; gateway?: string }) => {
      if (o.claudeCodeSettings !== undefined) return emit(ctx, await runDoctorClaudeCode(ctx, { path: o.claudeCodeSettings, gateway: o.gateway }));
      if (o.gateway !== undefined) throw new UsageError('gateway-needs-settings', '--gateway is only used with --claude-code-settings FILE.', 'Run: byok doctor --claude-code-settings ~/.claude/settings.json --gateway URL');
      return emit(ctx, await runDoctor(ctx));
    });
}
