// doctor (product document "Troubleshooting"): test-connection plus the workspace checks, each
// failure mapped to the document's steps (core/troubleshooting.ts). Returns a typed report; never
// prints. Nothing here carries a secret: AWS messages pass through src/aws/errors.ts scrubbing,
// keys through mask().
import type { Runtime } from './runtime.js';
import { pass, problemCheck, recordConnectionTest, runConnectionChecks, skip, workspaceChecks, type CheckResult, type ConnectionReport } from './checks.js';
import { pickWorkspace, requireAccess, type Role } from '../core/access.js';
import { workspaceCatalog, type Workspace } from '../core/config-doc.js';
import { expiryStatus, mask } from '../core/credentials.js';
import { checkRegion, geographyLabel } from '../core/geography.js';
import { MODELS } from '../core/models.js';

export interface DoctorReport {
  ok: boolean;
  exitCode: 0 | 1 | 4;
  workspace: string;
  role: Role;
  owner: string;
  /** The troubleshooting checks, in the document's order. */
  checks: CheckResult[];
  /** The connection test doctor ran (null when the workspace checks kept it from running). */
  connection: ConnectionReport | null;
}

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
    const w = problemCheck('region', ws.geography === 'apac' ? 'apac-opus-unavailable' : 'region-mismatch', `${ws.region} in ${geographyLabel(ws.geography)}: ${served.join(', ') || 'no model'}; ${[...r.value.notes, ...warned.map((c) => c.detail)][0]}`, undefined, 'warn', 'region-mismatch');
    return w;
  }
  return pass('region', `${ws.region} is a source region of the ${geographyLabel(ws.geography)} profiles: ${served.join(', ')}`);
}

function sessionCheck(ctx: Runtime, ws: Workspace, report: ConnectionReport | null): CheckResult {
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
  // A key AWS refused outright is owner-credentials' problem, said there once; only an expired
  // session is this check's own.
  if (cred && cred.category === 'credential-invalid') return skip('session-token-expiry', 'not checked: the key itself was refused (owner-credentials)');
  if (cred && cred.category !== 'session-expired') return skip('session-token-expiry', `not checked: getting a session failed (${cred.category ?? 'error'}; owner-credentials says why)`);
  if (cred) {
    return problemCheck('session-token-expiry', 'session-expired', `automatic refresh of the session for ${mask(c.accessKeyId)} failed: ${cred.detail}`, undefined, 'fail', cred.category ?? 'session-expired');
  }
  return ws.session
    ? pass('session-token-expiry', `long-term key ${mask(c.accessKeyId)}: cached session valid until ${ws.session.expiresAt}; refreshed automatically`)
    : pass('session-token-expiry', `long-term key ${mask(c.accessKeyId)}: STS sessions are obtained and refreshed automatically`);
}

/** A check test-connection ran, under doctor's name for it (or skipped, saying why). */
function fromReport(report: ConnectionReport | null, from: string, name: string, why: string): CheckResult {
  const c = report?.checks.find((x) => x.name === from);
  return c ? { ...c, name } : skip(name, `not checked: ${report ? notRunBecause(report) : why}`);
}

/** Why the connection test ran no further, in its own terms. */
function notRunBecause(report: ConnectionReport): string {
  if (report.noCallMade) return 'the credentials cannot be used, so no call was made (owner-credentials)';
  if (report.refused) return 'AWS refused the credentials (owner-credentials)';
  return 'the connection test did not get that far';
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
  if (report.refused || (skipped.length > 0 && skipped.every((c) => c.status === 'skip'))) return skip('model-access', `not checked: ${report.refused ? notRunBecause(report) : 'no model was invoked'}`);
  // Named with what each failure was (throttled, iam-permission, ...): those checks, and their steps, are in test-connection's details.
  return skip('model-access', probes.length === 0 ? 'not checked: no model could be invoked' : `not determined: ${skipped.map((c) => `${c.name} ${c.status === 'skip' ? 'did not run' : `failed (${c.category ?? 'error'})`}`).join(', ')}, which says nothing about model access`);
}

/** Whatever the connection test found that no troubleshooting check above already names. */
function connectionCheck(report: ConnectionReport | null, why: string): CheckResult {
  if (!report) return skip('connection', `not run: ${why}`);
  if (report.ok) return pass('connection', `test-connection passed (${report.checks.length} checks, ${report.durationMs} ms)`);
  const covered = new Set(['credential-invalid', 'session-expired', 'model-access-denied', 'inference-profile-required', 'iam-permission', 'region-mismatch']);
  const other = report.checks.filter((c) => c.status === 'fail' && !covered.has(c.category ?? ''));
  if (other.length === 0) {
    // Every failure is one a check above names, with its steps: not a problem of its own.
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
    return skip('connection', `test-connection failed on what the checks above name (${failed.join(', ') || 'see above'})`);
  }
  const first = other[0]!;
  return { ...first, name: 'connection', detail: other.map((c) => `${c.name}: ${c.detail}`).join('; ') };
}

/**
 * Runs the workspace checks, then (when they allow it) the connection test, recorded like
 * test-connection's, and maps both onto the troubleshooting checks.
 */
export async function runDoctorChecks(ctx: Runtime, o: { workspace?: string; onProgress?: (text: string) => void } = {}): Promise<DoctorReport> {
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc, o.workspace);
  const role = requireAccess(ctx, ws);
  const pre = workspaceChecks(ws, role);
  const blocked = pre.filter((c) => c.name !== 'plan-eligible' && !c.ok);
  const regionSet = ws.geography !== undefined && ws.region !== undefined;
  let report: ConnectionReport | null = null;
  const why = blocked.length > 0 ? blocked.map((c) => c.detail).join('; ') : 'no geography and region set';
  if (blocked.length === 0 && regionSet) {
    o.onProgress?.('Running the connection test…');
    report = await runConnectionChecks(ctx, { workspace: ws.name, stream: true, onProgress: o.onProgress });
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
  const ok = checks.every((c) => c.ok);
  return { ok, exitCode: report?.refused ? 4 : ok ? 0 : 1, workspace: ws.name, role, owner: ws.owner, checks, connection: report };
}
