// byok route: which model, inference profile and region a task would use, and why.
import type { Command } from 'commander';
import { GEOGRAPHIES, type Geography } from '../../core/config-doc.js';
import { geographyLabel, type ModelKey } from '../../core/geography.js';
import { routeFor } from '../../app/route.js';
import type { Context } from '../context.js';
import { emit, table, type Output } from '../output.js';
import { choiceParser } from './shared.js';

export interface RouteOptions { task?: string; model?: ModelKey; geography?: Geography; region?: string }

export async function runRoute(o: RouteOptions, ctx: Context): Promise<Output> {
  const route = await routeFor(ctx, o);
  return {
    json: {
      workspace: route.workspace,
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
        ['region', `${route.region} (source region; ${geographyLabel(route.geography)} geography)`],
        ['may run in', route.destinations.join(', ')],
        ['why', route.reason],
      ]),
      ...route.notes.map((n) => `note: ${n}`),
    ],
  };
}

export function registerRoute(program: Command, ctx: Context): void {
  program
    .command('route')
    .description('explain which model, inference profile and region a task would use')
    .option('--task <task>', 'the kind of work, e.g. plan, summarize, root-cause-analysis')
    .option('--model <model>', 'force a model: sonnet|opus', choiceParser('model', ['sonnet', 'opus'] as const))
    .option('--geography <geo>', `override the workspace geography: ${GEOGRAPHIES.join('|')}`, choiceParser('geography', GEOGRAPHIES))
    .option('--region <region>', 'override the workspace region')
    .action(async (o: RouteOptions) => emit(ctx, await runRoute(o, ctx)));
}
