// byok test-connection: the product document's "Test Connection" — credentials valid, both models
// accessible through the selected profile (Converse and ConverseStream), permissions right.
// Exit 0 all pass, 1 any fails, 4 AWS refused the credentials outright.
import type { Command } from 'commander';
import type { CheckResult, ConnectionReport } from '../../app/checks.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { connectionJson, renderChecks } from '../render/checks.js';
import { startSpinner } from '../spinner.js';
import { geographyLabel } from '../../core/geography.js';

export interface TestConnectionOptions { workspace?: string }




export async function runTestConnection(o: TestConnectionOptions, ctx: Context): Promise<Output> {
  const { runConnectionChecks, recordConnectionTest, reportExitCode } = await import('../../app/checks.js');
  const spinner = startSpinner(ctx, 'Testing the BYOK connection…');
  let report: ConnectionReport;
  try {
    report = await runConnectionChecks(ctx, { workspace: o.workspace, stream: true, onProgress: (t) => spinner.update(t) });
  } finally {
    spinner.stop();
  }
  await recordConnectionTest(ctx, report);
  const code = reportExitCode(report);
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const summary = report.ok
    ? mark.ok(ctx, `Connection test passed for ${report.workspace} (${report.geography === null ? 'no geography' : geographyLabel(report.geography)} from ${report.region}) in ${report.durationMs} ms.`)
    : code === 4
      ? mark.fail(ctx, report.noCallMade ? `The credentials of ${report.workspace} cannot be used (above); no call was made to AWS, so nothing else could be checked.` : `AWS refused the credentials of ${report.workspace}; nothing else could be checked.`)
      : mark.fail(ctx, `Connection test failed for ${report.workspace}: ${failed} of ${report.checks.length} checks failed. byok doctor checks the rest of the setup.`);
  return { json: connectionJson(report), lines: [...renderChecks(ctx, report.checks), summary], exitCode: code };
}

export function registerTestConnection(program: Command, ctx: Context): void {
  program
    .command('test-connection')
    .description('check the credentials, both models through the selected profile, and the permissions (exit 0 pass, 1 fail, 4 refused)')
    .action(async () => emit(ctx, await runTestConnection({}, ctx)));
}
