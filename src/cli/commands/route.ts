// byok route: which model, inference profile and region a task would use, and why.
import type { Command } from 'commander';
import { GEOGRAPHIES, workspaceCatalog, type Geography } from '../../core/config-doc.js';
import { UsageError } from '../../core/errors.js';
import type { LiveProfile, ModelKey } from '../../core/geography.js';
import { checkTask } from '../../core/models.js';
import { resolveRoute } from '../../core/routing.js';
import type { Context } from '../context.js';
import { emit, table, type Output } from '../output.js';
import type { ExitSink } from '../program.js';
import { choiceParser, parseRegion, pickWorkspace, requireAccess } from './shared.js';

export interface RouteOptions { task?: string; model?: ModelKey; geography?: Geography; region?: string }

export async function runRoute(o: RouteOptions, ctx: Context): Promise<Output> {
  if (o.task !== undefined) {
    // Before the workspace is read: a mistyped task is the thing to fix, whatever the config holds.
    const t = checkTask(o.task);
    if (!t.ok) throw new UsageError('unknown-task', t.error.reason, t.error.hint);
  }
  let geography = o.geography;
  let region = o.region !== undefined ? parseRegion(o.region) : undefined;
  let workspace: string | null = null;
  let catalog: readonly LiveProfile[] | undefined;
  if (geography === undefined || region === undefined) {
    const { doc } = await ctx.store().read();
    const ws = pickWorkspace(ctx, doc);
    requireAccess(ctx, ws);
    workspace = ws.name;
    geography ??= ws.geography;
    region ??= ws.region;
    // The live profiles models check stored, where they were read from this very region.
    if (geography === ws.geography && region === ws.region) catalog = workspaceCatalog(ws);
  }
  const r = resolveRoute({ task: o.task, model: o.model, geography, region, catalog });
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  const route = r.value;
  return {
    json: {
      workspace,
      model: route.model,
      modelId: route.modelId,
      modelName: route.modelName,
      inferenceProfileId: route.inferenceProfileId,
      geography: route.geography,
      region: route.region,
      destinations: route.destinations,
      reason: route.reason,
      notes: route.notes,
    },
    lines: [
      ...table([
        ['model', `${route.modelName} (${route.modelId})`],
        ['inference profile', route.inferenceProfileId],
        ['region', `${route.region} (source region; ${route.geography} geography)`],
        ['may run in', route.destinations.join(', ')],
        ['why', route.reason],
      ]),
      ...route.notes.map((n) => `note: ${n}`),
    ],
  };
}

export function registerRoute(program: Command, ctx: Context, sink: ExitSink): void {
  program
    .command('route')
    .description('explain which model, inference profile and region a task would use')
    .option('--task <task>', 'the kind of work, e.g. plan, summarize, root-cause-analysis')
    .option('--model <model>', 'force a model: sonnet|opus', choiceParser('model', ['sonnet', 'opus'] as const))
    .option('--geography <geo>', `override the workspace geography: ${GEOGRAPHIES.join('|')}`, choiceParser('geography', GEOGRAPHIES))
    .option('--region <region>', 'override the workspace region')
    .action(async (o: RouteOptions) => sink.set(emit(ctx, await runRoute(o, ctx))));
}
