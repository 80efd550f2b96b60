// Which model, inference profile and region a task would use, and why (DESIGN §4.2): the
// workspace's geography and region unless the request overrides them, and the live profiles
// `models check` stored where they were read from that very region.
import { pickWorkspace, requireAccess, roleOf } from '../core/access.js';
import { workspaceCatalog, type Geography } from '../core/config-doc.js';
import { UsageError } from '../core/errors.js';
import { geographyLabel, type LiveProfile, type ModelKey } from '../core/geography.js';
import { checkRegionName } from '../core/regions.js';
import { checkTask } from '../core/models.js';
import { resolveRoute, type Route } from '../core/routing.js';
import { printable } from '../core/text.js';
import type { Runtime } from './runtime.js';

export interface RouteQuery {
  /** The kind of work (plan, summarize, root-cause-analysis, ...): chooses the model. */
  task?: string;
  /** Forces the model. */
  model?: ModelKey;
  /** Overrides the workspace's geography / region (both given: no config is read). */
  geography?: Geography;
  region?: string;
  /** The workspace (else the runtime's, else the current one). */
  workspace?: string;
}

export interface RouteResult extends Route {
  /** The workspace whose settings were used; null when the query gave geography and region. */
  workspace: string | null;
}

/** A region name as the user typed it, checked (exit 2, with the closest real region suggested). */
export function checkedRegion(raw: string): string {
  // A Node caller may pass anything: a region is a string first.
  if (typeof raw !== 'string') throw new UsageError('invalid-region', `${printable(String(raw), 32)} is not an AWS region name.`, 'Use a name like eu-west-1 or us-east-1.');
  const r = checkRegionName(raw, printable(raw.trim(), 32));
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  return r.value;
}

// A task name: letters and digits of any script, space, _ . -. The ASCII test answers the usual
// case without building V8's Unicode tables for \p{…} (~0.25 ms of every `route`, measured).
const isTaskName = (s: string): boolean => /^[A-Za-z0-9 _.-]{1,64}$/.test(s) || /^[\p{L}\p{N} _.-]{1,64}$/u.test(s);

export async function routeFor(rt: Runtime, q: RouteQuery): Promise<RouteResult> {
  if (q.task !== undefined && !isTaskName(q.task)) {
    throw new UsageError('invalid-task', `"${printable(q.task)}" is not a task name.`, 'Tasks are short names like plan, summarize, chat, root-cause-analysis.');
  }
  if (q.task !== undefined) {
    // Before the workspace is read: a mistyped task is the thing to fix, whatever the config holds.
    const t = checkTask(q.task);
    if (!t.ok) throw new UsageError('unknown-task', t.error.reason, t.error.hint);
  }
  let geography = q.geography;
  let region = q.region !== undefined ? checkedRegion(q.region) : undefined;
  let workspace: string | null = null;
  let catalog: readonly LiveProfile[] | undefined;
  // Where a workspace's own setting stands in for what the query left out, or where the query names
  // a workspace whose geography it overrides, the answer says so (new-user review).
  let regionFromWorkspace = false;
  let otherGeography: { workspace: string; geography: Geography } | undefined;
  const named = q.workspace ?? rt.flags.workspace;
  if (geography === undefined || region === undefined || named !== undefined) {
    const { doc } = await rt.store().read();
    const ws = pickWorkspace(rt, doc, q.workspace);
    requireAccess(rt, ws);
    workspace = ws.name;
    if (geography !== undefined && ws.geography !== undefined && geography !== ws.geography) otherGeography = { workspace: ws.name, geography: ws.geography };
    regionFromWorkspace = region === undefined && ws.region !== undefined;
    geography ??= ws.geography;
    region ??= ws.region;
    // The live profiles models check stored, where they were read from this very region.
    if (geography === ws.geography && region === ws.region) catalog = workspaceCatalog(ws);
  } else {
    // Both given, no workspace named: a what-if. The current workspace, if the user is one of its
    // people and it is in another geography, is still named in a note: its calls never take this route.
    const { doc } = await rt.store().read();
    const cur = doc.currentWorkspace !== undefined ? doc.workspaces[doc.currentWorkspace] : undefined;
    if (cur && roleOf(cur, rt.user) !== 'none' && cur.geography !== undefined && cur.geography !== geography) otherGeography = { workspace: cur.name, geography: cur.geography };
  }
  const r = resolveRoute({ task: q.task, model: q.model, geography, region, catalog });
  if (!r.ok) {
    const fix = regionFromWorkspace && r.error.code === 'region-outside-geography' && geography !== undefined ? ` ${region} is workspace ${workspace}'s region: give --region for one in ${geographyLabel(geography)}.` : '';
    // A "byok config set ..." hint names the workspace it is about: run as written, it would
    // otherwise change the current workspace, which may be another one (new-user review).
    const hint = workspace !== null && r.error.hint !== undefined ? r.error.hint.replace(/(byok config set (?:geography|region) \S+)/g, `$1 --workspace ${workspace}`) : r.error.hint;
    throw new UsageError(r.error.code, `${r.error.reason}${fix}`, hint);
  }
  const notes = otherGeography ? [...r.value.notes, `a what-if: workspace ${otherGeography.workspace} is in ${geographyLabel(otherGeography.geography)}, and its calls (invoke, the gateway) never take this ${geographyLabel(r.value.geography)} route`] : r.value.notes;
  return { workspace, ...r.value, notes };
}
