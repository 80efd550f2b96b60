// resolveRoute: task → model → inference profile → source region, or a refusal with its reason.
// Never routes outside the workspace's geography: APAC work that needs Opus goes nowhere.
import type { Geography } from './config-doc.js';
import { err, ok, type Result } from './errors.js';
import { checkRegion, geographyLabel, profileFor, type LiveProfile, type RouteRefusal } from './geography.js';
import { checkTask, MODELS, selectModel, type ModelKey } from './models.js';

export interface Route {
  model: ModelKey;
  modelId: string;
  modelName: string;
  inferenceProfileId: string;
  geography: Geography;
  region: string;
  destinations: string[];
  reason: string;
  notes: string[];
}

export function resolveRoute(input: { task?: string; model?: ModelKey; geography?: Geography; region?: string; catalog?: readonly LiveProfile[] }): Result<Route, RouteRefusal> {
  if (input.task !== undefined) {
    const t = checkTask(input.task);
    if (!t.ok) return err({ code: 'unknown-task', reason: t.error.reason, hint: t.error.hint, allowedRegions: [] });
  }
  if (!input.geography) return err({ code: 'geography-not-set', reason: 'No geography is set, so byok cannot tell where inference may run.', hint: 'Run: byok config set geography global|us|eu|apac', allowedRegions: [] });
  if (!input.region) return err({ code: 'region-not-set', reason: 'No source region is set.', hint: 'Run: byok config set region REGION', allowedRegions: [] });
  const geography = input.geography;
  const region = input.region;
  const region_ = checkRegion(geography, region, input.catalog);
  if (!region_.ok) return region_;
  let choice = selectModel({ task: input.task, model: input.model });
  let notes = [...region_.value.notes];
  let p = profileFor(geography, choice.model, region, input.catalog);
  // Stryker disable next-line ConditionalExpression: equivalent, if the auto-selected model is already Sonnet, asking again for Sonnet's profile from the same region gives the same refusal
  if (!p.ok && !input.model && choice.model === 'opus') {
    // Auto-selected Opus with no profile here (APAC): stay inside the geography on Sonnet, and say so.
    const sonnet = profileFor(geography, 'sonnet', region, input.catalog);
    if (sonnet.ok) {
      // A reason starting with a capitalised word ("No APAC …") continues the sentence in lower case;
      // one starting with an acronym ("AWS's live profile list …") keeps it.
      // Stryker disable next-line Regex: equivalent, no refusal text has a capital followed by a lower-case letter after its start
      const reason = /^[A-Z][a-z]/.test(p.error.reason) ? `${p.error.reason.charAt(0).toLowerCase()}${p.error.reason.slice(1)}` : p.error.reason;
      const why = `${choice.reason}, but ${reason} Using Sonnet 4.5 inside ${geographyLabel(geography)} instead.`;
      // Stryker disable next-line StringLiteral: equivalent, Route carries no rule (only model, modelId and reason), so the rule's name is never seen
      choice = { model: 'sonnet', modelId: MODELS.sonnet.modelId, rule: 'geography-substitute', reason: why };
      p = sonnet;
      // The reason says why Opus is not here; checkRegion's note on it would say it again.
      // Stryker disable next-line StringLiteral,ArrowFunction: equivalent, Sonnet is served here (sonnet.ok), so the region check's only note is Opus's
      const opusNote = `${MODELS.opus.name} is not available from `;
      // Stryker disable next-line ArrowFunction: equivalent, as above
      notes = notes.filter((n) => !n.startsWith(opusNote));
    }
  }
  if (!p.ok) return p;
  if (p.value.fromLiveCatalog) notes.push(`destinations from the live inference-profile list (AWS), not byok's built-in table`);
  return ok({
    model: choice.model,
    modelId: choice.modelId,
    modelName: MODELS[choice.model].name,
    inferenceProfileId: p.value.profileId,
    geography,
    region,
    destinations: p.value.destinations,
    reason: choice.reason,
    notes,
  });
}
