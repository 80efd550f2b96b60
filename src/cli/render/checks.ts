// How check results look: JSON fields and ✓/!/✗ lines, shared by test-connection, doctor and models.
import type { CheckResult, ConnectionReport } from '../../app/checks.js';
import { oneLine } from '../../core/text.js';
import type { Context } from '../context.js';
import { mark } from '../output.js';

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
    /** AWS refused the credentials (exit 4); noCallMade: byok refused them itself (an expired key) and sent nothing. */
    refused: r.refused,
    noCallMade: r.noCallMade === true,
    workspace: r.workspace,
    geography: r.geography,
    region: r.region,
    identity: r.identity,
    credentials: r.credentials,
    /** iam, or bedrock-api-key with the key's kind (masked), expiry and what byok knows of its identity. */
    provider: r.apiKey ? 'bedrock-api-key' : 'iam',
    apiKey: r.apiKey ?? null,
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
  const shownSteps = new Map<string, string>(); // the troubleshooting steps a hint ends with → the check they were first printed under
  for (const c of checks) {
    // A detail or hint may quote AWS's message: one line each, whatever it holds.
    const text = `${c.name.padEnd(width)}  ${oneLine(c.detail)}`;
    if (c.status === 'pass') out.push(mark.ok(ctx, text));
    else if (c.status === 'warn') out.push(mark.warn(ctx, text));
    else if (c.status === 'skip') out.push(`${ctx.chalk.dim('-')} ${ctx.chalk.dim(text)}`);
    else out.push(mark.fail(ctx, `${text}${c.category ? ctx.chalk.dim(` [${c.category}]`) : ''}`));
    if (c.status !== 'pass' && c.status !== 'skip' && c.hint) {
      const first = shown.get(c.hint);
      // Checks that fail alike (four probes refused the same permission) differ in their first
      // sentence, not in the document's steps after it: those are printed once (new-user review).
      const steps = c.steps?.join(' ') ?? '';
      const stepsFirst = steps !== '' && c.hint.endsWith(steps) && c.hint !== steps ? shownSteps.get(steps) : undefined;
      const text = first ? `as for ${first} above` : stepsFirst ? `${oneLine(c.hint.slice(0, -steps.length).trim())} Then the steps given for ${stepsFirst} above.` : oneLine(c.hint);
      out.push(`  ${' '.repeat(width)}  ${ctx.chalk.dim('hint:')} ${text}`);
      if (!first) shown.set(c.hint, c.name);
      if (steps !== '' && c.hint.endsWith(steps) && !shownSteps.has(steps)) shownSteps.set(steps, c.name);
    }
  }
  return out;
}
