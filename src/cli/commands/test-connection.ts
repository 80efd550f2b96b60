// byok test-connection: the product document's "Test Connection" — credentials valid, both models
// accessible through the selected profile (Converse and ConverseStream), permissions right.
// Exit 0 all pass, 1 any fails, 4 AWS refused the credentials outright.
import { oneLine } from '../terminal.js';
import type { Command } from 'commander';
import type { CheckResult, ConnectionReport } from '../../aws/checks.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import type { ExitSink } from '../program.js';
import { startSpinner } from '../spinner.js';

export interface TestConnectionOptions { workspace?: string }

/** The stable JSON view of a check (README documents these fields). */
export function checkJson(c: CheckResult) {
  return {
    name: c.name,
    ok: c.ok,
    status: c.status,
    detail: c.detail,
    category: c.category,
    hint: c.hint,
    steps: c.steps ?? [],
    permission: c.permission ?? null,
    residency: c.residency ?? null,
    deniedBy: c.deniedBy ?? null,
  };
}

export function connectionJson(r: ConnectionReport) {
  return {
    ok: r.ok,
    workspace: r.workspace,
    geography: r.geography,
    region: r.region,
    identity: r.identity,
    credentials: r.credentials,
    sessionRenewed: r.sessionRenewed,
    routes: r.routes,
    checks: r.checks.map(checkJson),
    testedAt: r.testedAt,
    durationMs: r.durationMs,
  };
}

/** ✓/!/✗/- lines, the name in a column, the hint indented under a failure. */
export function renderChecks(ctx: Context, checks: CheckResult[]): string[] {
  const width = Math.max(0, ...checks.map((c) => c.name.length));
  const out: string[] = [];
  const shown = new Map<string, string>(); // hint text → the check it was first printed under
  for (const c of checks) {
    // A detail or hint may quote AWS's message: one line each, whatever it holds.
    const text = `${c.name.padEnd(width)}  ${oneLine(c.detail)}`;
    if (c.status === 'pass') out.push(mark.ok(ctx, text));
    else if (c.status === 'warn') out.push(mark.warn(ctx, text));
    else if (c.status === 'skip') out.push(`${ctx.chalk.dim('-')} ${ctx.chalk.dim(text)}`);
    else out.push(mark.fail(ctx, `${text}${c.category ? ctx.chalk.dim(` [${c.category}]`) : ''}`));
    if (c.status !== 'pass' && c.status !== 'skip' && c.hint) {
      const first = shown.get(c.hint);
      out.push(`  ${' '.repeat(width)}  ${ctx.chalk.dim('hint:')} ${first ? `as for ${first} above` : oneLine(c.hint)}`);
      if (!first) shown.set(c.hint, c.name);
    }
  }
  return out;
}

export async function runTestConnection(o: TestConnectionOptions, ctx: Context): Promise<Output> {
  const { runConnectionChecks, recordConnectionTest, reportExitCode } = await import('../../aws/checks.js');
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
    ? mark.ok(ctx, `Connection test passed for ${report.workspace} (${report.geography} from ${report.region}) in ${report.durationMs} ms.`)
    : code === 4
      ? mark.fail(ctx, `AWS refused the credentials of ${report.workspace}; nothing else could be checked.`)
      : mark.fail(ctx, `Connection test failed for ${report.workspace}: ${failed} of ${report.checks.length} checks failed. byok doctor checks the rest of the setup.`);
  return { json: connectionJson(report), lines: [...renderChecks(ctx, report.checks), summary], exitCode: code };
}

export function registerTestConnection(program: Command, ctx: Context, sink: ExitSink): void {
  program
    .command('test-connection')
    .description('check the credentials, both models through the selected profile, and the permissions (exit 0 pass, 1 fail, 4 refused)')
    .action(async () => sink.set(emit(ctx, await runTestConnection({}, ctx))));
}
