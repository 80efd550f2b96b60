// The two Claude models byok routes to (reference aws.md §1) and automatic model selection:
// a small rule table, each rule with the explanation `byok route` prints (DESIGN §4.2).

import { err, ok, type Result } from './errors.js';
import { didYouMean } from './suggest.js';
import { printable } from './text.js';

export type ModelKey = 'sonnet' | 'opus';

export const MODELS = {
  sonnet: { key: 'sonnet', modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', name: 'Claude Sonnet 4.5' },
  opus: { key: 'opus', modelId: 'anthropic.claude-opus-4-5-20251101-v1:0', name: 'Claude Opus 4.5' },
} as const satisfies Record<ModelKey, { key: ModelKey; modelId: string; name: string }>;

interface TaskRule { tasks: readonly string[]; model: ModelKey; rule: string; reason: string }

/** Deep multi-step reasoning and planning go to Opus; everything else to Sonnet. */
export const TASK_RULES: readonly TaskRule[] = [
  {
    tasks: ['plan', 'planning', 'architecture', 'design', 'root-cause-analysis', 'rca', 'multi-step-reasoning', 'reasoning', 'incident-analysis', 'migration-plan', 'security-review'],
    model: 'opus',
    rule: 'deep-reasoning',
    reason: 'deep multi-step reasoning and planning go to Opus 4.5, the stronger reasoner',
  },
  {
    tasks: ['chat', 'summarize', 'summarise', 'classify', 'extract', 'code-review', 'code', 'runbook', 'query', 'translate', 'answer', 'triage'],
    model: 'sonnet',
    rule: 'everyday',
    reason: 'everyday work goes to Sonnet 4.5: fast, and cheaper per token',
  },
];

export const TASKS: readonly string[] = TASK_RULES.flatMap((r) => r.tasks);

export function normalizeTask(task: string): string {
  return task.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

/**
 * Tasks are the rule table's own vocabulary (DESIGN §4.2: "a small, documented rule table"), not
 * free text: a task the table does not name (a typo such as "plna") would silently get the default
 * model, so it is refused with the closest task and the list.
 */
export function checkTask(task: string): Result<string, { reason: string; hint: string }> {
  const t = normalizeTask(task);
  if (TASKS.includes(t)) return ok(t);
  const shown = printable(task.trim(), 64);
  return err({
    reason: `"${shown}" is not a task byok knows, so it cannot say which rule would pick the model.${didYouMean(t, TASKS)}`,
    hint: `Tasks for Opus 4.5 (deep multi-step reasoning and planning): ${TASK_RULES[0]!.tasks.join(', ')}. Tasks for Sonnet 4.5 (everything else): ${TASK_RULES[1]!.tasks.join(', ')}. Or leave out --task (Sonnet 4.5) or choose the model with --model sonnet|opus.`,
  });
}

export interface ModelChoice { model: ModelKey; modelId: string; rule: string; reason: string }

export function selectModel(input: { task?: string; model?: ModelKey }): ModelChoice {
  if (input.model) {
    return { model: input.model, modelId: MODELS[input.model].modelId, rule: 'override', reason: `${MODELS[input.model].name} was chosen explicitly (--model ${input.model})` };
  }
  if (input.task !== undefined) {
    const t = normalizeTask(input.task);
    const rule = TASK_RULES.find((r) => r.tasks.includes(t));
    if (rule) return { model: rule.model, modelId: MODELS[rule.model].modelId, rule: rule.rule, reason: `task "${t}": ${rule.reason}` };
    return { model: 'sonnet', modelId: MODELS.sonnet.modelId, rule: 'default', reason: `task "${t}" matches no rule; the default is Sonnet 4.5` };
  }
  return { model: 'sonnet', modelId: MODELS.sonnet.modelId, rule: 'default', reason: 'no task given; the default is Sonnet 4.5' };
}
