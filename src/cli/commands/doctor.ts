// byok doctor: test-connection plus the product document's Troubleshooting checks, each failure
// mapped to the document's steps (core/troubleshooting.ts). Nothing here prints a secret: AWS
// messages pass through src/aws/errors.ts scrubbing, keys through mask().
import type { Command } from 'commander';
import { pass, problemCheck, skip, workspaceChecks, type CheckResult, type ConnectionReport } from '../../app/checks.js';
import { workspaceCatalog, type Workspace } from '../../core/config-doc.js';
import { expiryStatus, mask } from '../../core/credentials.js';
import { checkRegion } from '../../core/geography.js';
import { UsageError } from '../../core/errors.js';
import { MODELS } from '../../core/models.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { startSpinner } from '../spinner.js';
import { pickWorkspace, requireAccess } from './shared.js';
import { checkJson, connectionJson, renderChecks } from '../render/checks.js';

/** ASIA keys closer than this to expiry are a warning: reconfigure before they stop working. */
const EXPIRY_WARNING_MS = 60 * 60_000;

function regionCheck(ws: Workspace, report: ConnectionReport | null): CheckResult {
  if (!ws.geography || !ws.region) {
    return problemCheck('region', 'region-outside-geography', `no ${ws.geography ? 'region' : 'geography'} is set`, ws.geography ? 'Run: byok config set region REGION' : 'Run: byok config set geography global|us|eu|apac, then byok config set region REGION', 'fail', 'region-mismatch');
  }
  const r = checkRegion(ws.geography, ws.region, workspaceCatalog(ws));
  if (!r.ok) return problemCheck('region', 'region-outside-geography', r.error.reason, r.error.hint, 'fail', 'region-mismatch');
  const mismatched = report?.checks.filter((c) => c.category === 'region-mismatch' && c.status === 'fail') ?? [];
  if (mismatched.length > 0) {
    return problemCheck('region', 'region-mismatch', mismatched.map((c) => `${c.name}: ${c.detail}`).join('; '));
  }
  const warned = report?.checks.filter((c) => c.category === 'region-mismatch' && c.status === 'warn') ?? [];
  const served = (['sonnet', 'opus'] as const).filter((m) => r.value.models[m] !== null).map((m) => `${MODELS[m].name} via ${r.value.models[m]!.profileId}`);
  if (warned.length > 0 || r.value.notes.length > 0) {
    const w = problemCheck('region', ws.geography === 'apac' ? 'apac-opus-unavailable' : 'region-mismatch', `${ws.region} in ${ws.geography}: ${served.join(', ') || 'no model'}; ${[...r.value.notes, ...warned.map((c) => c.detail)][0]}`, undefined, 'warn', 'region-mismatch');
    return w;
  }
  return pass('region', `${ws.region} is a source region of the ${ws.geography} profiles: ${served.join(', ')}`);
}

function sessionCheck(ctx: Context, ws: Workspace, report: ConnectionReport | null): CheckResult {
  const c = ws.credentials;
  if (!c) return skip('session-token-expiry', 'no credentials configured');
  const now = ctx.now();
  if (c.accessKeyId.startsWith('ASIA')) {
    const st = expiryStatus(c.expiresAt, now, EXPIRY_WARNING_MS);
    if (st === 'expired' || st === 'none') {
      return problemCheck('session-token-expiry', 'session-expired', `temporary key ${mask(c.accessKeyId)}: session_token_expires_at ${c.expiresAt ?? '(missing)'} has passed`, 'Temporary (ASIA) credentials cannot be refreshed: reconfigure with new ones.');
    }
    const mins = Math.round((new Date(c.expiresAt!).getTime() - now.getTime()) / 60_000);
    if (st === 'expiring') {
      return problemCheck('session-token-expiry', 'session-expired', `temporary key ${mask(c.accessKeyId)} expires at ${c.expiresAt} (in ${mins} min) and cannot be refreshed`, 'Reconfigure with new credentials before then.', 'warn');
    }
    return pass('session-token-expiry', `temporary key ${mask(c.accessKeyId)}: session_token_expires_at ${c.expiresAt} (in ${Math.floor(mins / 60)} h ${mins % 60} min); it cannot be refreshed, reconfigure before then`);
  }
  if (report && report.credentials) {
    return pass('session-token-expiry', `long-term key ${mask(c.accessKeyId)}: STS sessions are refreshed automatically (${report.credentials.source === 'new-session' ? 'a new session was obtained' : 'cached session'}, valid until ${report.credentials.session_token_expires_at})`);
  }
  const cred = report?.checks.find((x) => x.name === 'credentials' && x.status === 'fail');
  if (cred) {
    return problemCheck('session-token-expiry', 'session-expired', `automatic refresh of the session for ${mask(c.accessKeyId)} failed: ${cred.detail}`, 'Reconfigure if automatic refresh fails.', 'fail', cred.category ?? 'session-expired');
  }
  return ws.session
    ? pass('session-token-expiry', `long-term key ${mask(c.accessKeyId)}: cached session valid until ${ws.session.expiresAt}; refreshed automatically`)
    : pass('session-token-expiry', `long-term key ${mask(c.accessKeyId)}: STS sessions are obtained and refreshed automatically`);
}

/** A check test-connection ran, under doctor's name for it (or skipped, saying why). */
function fromReport(report: ConnectionReport | null, from: string, name: string, why: string): CheckResult {
  const c = report?.checks.find((x) => x.name === from);
  return c ? { ...c, name } : skip(name, `not checked: ${why}`);
}

function modelAccessCheck(report: ConnectionReport | null, why: string): CheckResult {
  if (!report) return skip('model-access', `not checked: ${why}`);
  const probes = report.checks.filter((c) => /\.converse(-stream)?$/.test(c.name));
  const denied = probes.filter((c) => c.category === 'model-access-denied' || c.category === 'inference-profile-required');
  if (denied.length > 0) {
    const first = denied[0]!;
    return { ...first, name: 'model-access', detail: denied.map((c) => `${c.name}: ${c.detail}`).join('; ') };
  }
  if (probes.length > 0 && probes.every((c) => c.ok)) {
    return pass('model-access', `${[...new Set(report.routes.map((r) => MODELS[r.model].name))].join(' and ')} answered a one-token request`);
  }
  const skipped = probes.filter((c) => !c.ok);
  return skip('model-access', probes.length === 0 ? 'not checked: no model could be invoked' : `not determined: ${skipped.map((c) => c.name).join(', ')} failed for another reason`);
}

/** Whatever the connection test found that no troubleshooting check above already names. */
function connectionCheck(report: ConnectionReport | null, why: string): CheckResult {
  if (!report) return skip('connection', `not run: ${why}`);
  if (report.ok) return pass('connection', `test-connection passed (${report.checks.length} checks, ${report.durationMs} ms)`);
  const covered = new Set(['credential-invalid', 'session-expired', 'model-access-denied', 'inference-profile-required', 'iam-permission', 'region-mismatch']);
  const other = report.checks.filter((c) => c.status === 'fail' && !covered.has(c.category ?? ''));
  if (other.length === 0) {
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
    return { name: 'connection', ok: false, status: 'fail', detail: `test-connection failed: ${failed.join(', ') || 'see above'}`, category: report.checks.find((c) => c.status === 'fail')?.category ?? 'other', hint: 'See the checks above for the cause and its steps.' };
  }
  const first = other[0]!;
  return { ...first, name: 'connection', detail: other.map((c) => `${c.name}: ${c.detail}`).join('; ') };
}

export async function runDoctor(ctx: Context): Promise<Output> {
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc);
  const role = requireAccess(ctx, ws);
  const pre = workspaceChecks(ws, role);
  const blocked = pre.filter((c) => c.name !== 'plan-eligible' && !c.ok);
  const regionSet = ws.geography !== undefined && ws.region !== undefined;
  let report: ConnectionReport | null = null;
  const why = blocked.length > 0 ? blocked.map((c) => c.detail).join('; ') : 'no geography and region set';
  if (blocked.length === 0 && regionSet) {
    const { runConnectionChecks, recordConnectionTest } = await import('../../app/checks.js');
    const spinner = startSpinner(ctx, 'Running the connection test…');
    try {
      report = await runConnectionChecks(ctx, { workspace: ws.name, stream: true, onProgress: (t) => spinner.update(t) });
    } finally {
      spinner.stop();
    }
    await recordConnectionTest(ctx, report);
  }
  const checks: CheckResult[] = [
    ...pre,
    fromReport(report, 'credentials', 'owner-credentials', why),
    sessionCheck(ctx, ws, report),
    modelAccessCheck(report, why),
    fromReport(report, 'permissions', 'iam-permissions', why),
    regionCheck(ws, report),
    connectionCheck(report, why),
  ];
  const failed = checks.filter((c) => c.status === 'fail');
  const ok = checks.every((c) => c.ok);
  const exitCode = report?.refused ? 4 : ok ? 0 : 1;
  const json = {
    ok,
    workspace: ws.name,
    role,
    owner: ws.owner,
    checks: checks.map(checkJson),
    connection: report ? connectionJson(report) : null,
  };
  const lines = [...renderChecks(ctx, checks)];
  if (report && !report.ok) {
    lines.push('', ctx.chalk.bold('test-connection details:'), ...renderChecks(ctx, report.checks.filter((c) => c.status !== 'pass')).map((l) => `  ${l}`));
  }
  lines.push(ok ? mark.ok(ctx, `No problems found in ${ws.name}.`) : mark.fail(ctx, `${failed.length} problem${failed.length === 1 ? '' : 's'} found in ${ws.name}: ${failed.map((c) => c.name).join(', ')}.`));
  return { json, lines, exitCode };
}

/**
 * doctor --claude-code-settings FILE: the file against the workspace (geography, region, endpoint,
 * keys), one check per mismatch. Local only: no AWS call (run byok doctor for the connection).
 */
export async function runDoctorClaudeCode(ctx: Context, o: { path: string; gateway?: string }): Promise<Output> {
  const { checkSettingsFile } = await import('../../app/exports.js');
  const r = await checkSettingsFile(ctx, { path: o.path, gateway: o.gateway });
  const failed = r.checks.filter((c) => c.status === 'fail');
  const lines = [
    ...renderChecks(ctx, r.checks),
    r.ok
      ? mark.ok(ctx, `${r.file} matches workspace ${r.workspace} (${r.geography}, ${r.region}).`)
      : mark.fail(ctx, `${failed.length} mismatch${failed.length === 1 ? '' : 'es'} between ${r.file} and workspace ${r.workspace} (${r.geography}, ${r.region}): ${failed.map((c) => c.name).join(', ')}. byok export claude-code prints settings that match.`),
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
