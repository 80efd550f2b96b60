// The one region check every command uses (issue 10 §5): a region is a name AWS has and byok's
// inference-profile table knows, as a source or a destination. A well-formed name that is not one
// (eu-west-9) is refused the same way in policy evaluate, config, route, setup and the platform's
// regions, with the closest real one suggested. Pure.
import { err, ok, type Result } from './errors.js';
import { INFERENCE_PROFILES, isValidRegionName } from './geography.js';
import { didYouMean } from './suggest.js';

function knownRegions(): readonly string[] {
  const set = new Set<string>();
  for (const f of INFERENCE_PROFILES) {
    for (const [src, dests] of Object.entries(f.routes)) {
      set.add(src);
      for (const d of dests) if (d !== '*') set.add(d);
    }
  }
  return [...set].sort();
}

// Made on first use: every command loads this module, few check a region name (a start-up profile
// showed the table built at load on every run).
let known: readonly string[] | undefined;
const knownRegionsOnce = (): readonly string[] => (known ??= knownRegions());

export interface RegionProblem { code: 'invalid-region' | 'unknown-region'; reason: string; hint: string }

/** Trims and lower-cases; refuses what is not a region name, and a name AWS does not have. */
export function checkRegionName(raw: string, shown: string = raw): Result<string, RegionProblem> {
  const r = raw.trim().toLowerCase();
  const KNOWN_REGIONS = knownRegionsOnce();
  if (!isValidRegionName(r)) {
    return err({ code: 'invalid-region', reason: `${shown} is not an AWS region name.${didYouMean(r, KNOWN_REGIONS)}`, hint: 'Use a name like eu-west-1 or us-east-1.' });
  }
  if (!KNOWN_REGIONS.includes(r)) {
    return err({ code: 'unknown-region', reason: `${shown} is not an AWS region that serves Claude on Bedrock.${didYouMean(r, KNOWN_REGIONS)}`, hint: `Regions byok knows: ${KNOWN_REGIONS.join(', ')}.` });
  }
  return ok(r);
}
