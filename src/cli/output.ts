// Rendering: data to stdout, talk to stderr (STYLE §6.3). --json writes exactly one document.
// Everything written goes through the context's streams, which make it terminal-safe and scrub
// secrets (terminal.ts); an error's message and hint are also kept to one line each.
import { isAwsOrNetworkError, localSystemError, networkLead, scrubMessage, toAwsFailure } from '../aws/errors.js';
import { REFUSED_CATEGORIES } from '../core/error-classes.js';
import { ByokError, EXIT, type ExitCode } from '../core/errors.js';
import { problemFor, troubleshoot } from '../core/troubleshooting.js';
import type { Context } from './context.js';
import { oneLine } from './terminal.js';

/** What every command's run function hands back: one JSON view, one human view, an exit code. */
export interface Output {
  json: unknown;
  /** Lines for stdout in human mode (the data). */
  lines?: string[];
  /** Status lines for stderr in human mode ("✓ Saved ..."). */
  status?: string[];
  exitCode?: ExitCode;
}

export function emit(ctx: Context, out: Output): ExitCode {
  if (ctx.flags.json) {
    ctx.io.stdout.write(`${JSON.stringify(out.json, null, 2)}\n`);
  } else {
    // One write per stream: each write is a system call and a pass through the terminal guard.
    if (out.status?.length) ctx.io.stderr.write(out.status.map((l) => `${l}\n`).join(''));
    if (out.lines?.length) ctx.io.stdout.write(out.lines.map((l) => `${l}\n`).join(''));
  }
  return out.exitCode ?? EXIT.ok;
}

export const mark = {
  ok: (ctx: Context, s: string) => `${ctx.chalk.green('✓')} ${s}`,
  warn: (ctx: Context, s: string) => `${ctx.chalk.yellow('!')} ${s}`,
  fail: (ctx: Context, s: string) => `${ctx.chalk.red('✗')} ${s}`,
};

/** Aligned two-column key/value lines. */
export function table(rows: [string, string][], indent = ''): string[] {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`);
}

export function renderError(ctx: Context, e: unknown): ExitCode {
  if (e instanceof ByokError) {
    if (ctx.flags.json) {
      ctx.io.stdout.write(
        `${JSON.stringify({ ok: false, error: { code: e.code, kind: e.kind, message: e.message, hint: e.hint ?? null, exitCode: e.exitCode } }, null, 2)}\n`,
      );
    } else {
      ctx.io.stderr.write(`${ctx.chalk.red('error:')} ${oneLine(e.message)}\n`);
      if (e.hint) ctx.io.stderr.write(`${ctx.chalk.dim('hint:')} ${oneLine(e.hint)}\n`);
    }
    if (ctx.flags.debug && e.stack) ctx.io.stderr.write(`${scrubMessage(e.stack)}\n`); // --debug output is shared in tickets: scrubbed too
    return e.exitCode;
  }
  if (isAwsOrNetworkError(e)) {
    // An AWS or network failure a command did not turn into a report: say what AWS said, scrubbed,
    // with the troubleshooting steps for its category. Not a bug.
    const f = toAwsFailure(e);
    const what = f.network ? `could not reach AWS: ${f.code}${f.message ? ` — ${f.message}` : ''}` : `AWS answered ${f.code ?? `HTTP ${f.status ?? '?'}`}${f.message ? `: ${f.message}` : ''}`;
    const hint = [f.network ? networkLead(f) : undefined, ...troubleshoot(problemFor(f)).steps].filter(Boolean).join(' ');
    const exitCode = REFUSED_CATEGORIES.includes(f.category) ? EXIT.awsRefused : EXIT.checkFailed;
    if (ctx.flags.json) {
      ctx.io.stdout.write(`${JSON.stringify({ ok: false, error: { code: f.code ?? 'aws-error', kind: 'aws', category: f.category, message: what, hint, exitCode } }, null, 2)}\n`);
    } else {
      ctx.io.stderr.write(`${ctx.chalk.red('error:')} ${oneLine(what)} [${f.category}]\n`);
      ctx.io.stderr.write(`${ctx.chalk.dim('hint:')} ${oneLine(hint)}\n`);
    }
    if (ctx.flags.debug && e instanceof Error && e.stack) ctx.io.stderr.write(`${scrubMessage(e.stack)}\n`); // --debug output is shared in tickets: scrubbed too
    return exitCode;
  }
  const local = localSystemError(e);
  if (local) {
    // A file on this machine byok could not use, that no store check turned into a report: said as
    // what it is (the call, the path, the code), not as an AWS answer and not as a bug.
    const what = `${local.syscall} ${local.path ?? ''} failed on this machine: ${local.code}`.replace(/ +/g, ' ');
    const hint = `This is a local file problem, not AWS: check that the path${local.path ? ` ${local.path}` : ''} exists, is yours and has room (ls -ld). Nothing else was tried.`;
    if (ctx.flags.json) {
      ctx.io.stdout.write(`${JSON.stringify({ ok: false, error: { code: local.code, kind: 'local-state', message: scrubMessage(what), hint: scrubMessage(hint), exitCode: EXIT.localState } }, null, 2)}\n`);
    } else {
      ctx.io.stderr.write(`${ctx.chalk.red('error:')} ${oneLine(scrubMessage(what))}\n`);
      ctx.io.stderr.write(`${ctx.chalk.dim('hint:')} ${oneLine(scrubMessage(hint))}\n`);
    }
    if (ctx.flags.debug && e instanceof Error && e.stack) ctx.io.stderr.write(`${scrubMessage(e.stack)}\n`); // --debug output is shared in tickets: scrubbed too
    return EXIT.localState;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (ctx.flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'internal', kind: 'internal', message, hint: 'Re-run with --debug for details.', exitCode: 1 } }, null, 2)}\n`);
  } else {
    ctx.io.stderr.write(`${ctx.chalk.red('error:')} ${oneLine(message)}\n`);
    ctx.io.stderr.write(`${ctx.chalk.dim('hint:')} this is a bug in byok or an unexpected environment; re-run with --debug for details.\n`);
  }
  if (ctx.flags.debug && e instanceof Error && e.stack) ctx.io.stderr.write(`${scrubMessage(e.stack)}\n`); // --debug output is shared in tickets: scrubbed too
  return EXIT.checkFailed;
}
