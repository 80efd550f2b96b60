// Cross-region inference profiles (reference aws.md §2): profile IDs per model, source regions
// and the destinations each source routes to. A region outside the geography is refused at
// configuration time. AWS adds profiles over time, so every lookup can take a live catalog
// (ListInferenceProfiles / GetInferenceProfile) that wins over this table where it has an entry,
// but only if its destinations stay inside the geography.
import type { Geography, LiveProfile } from './config-doc.js';
import { err, ok, type Result } from './errors.js';
import { MODELS, type ModelKey } from './models.js';

export type { ModelKey } from './models.js';

export interface RouteRefusal {
  code: string;
  reason: string;
  hint: string;
  allowedRegions: string[];
  /** Regions AWS routes to (or accepts from) that lie outside the geography: for the record, never advice. */
  outsideRegions?: string[];
  /** The profile refused, for profile-leaves-geography. */
  profileId?: string;
}

export type { LiveProfile } from './config-doc.js';

/** A profile family: prefix, models it serves, and source → destinations. '*' = any commercial region. */
interface ProfileFamily {
  prefix: string;
  geography: Geography | 'us-gov';
  models: readonly ModelKey[];
  routes: Record<string, readonly string[]>;
}

const GLOBAL_ANY = ['*'] as const;
// §2.2 Global Sonnet 4.5 source regions (27).
const GLOBAL_SONNET_SOURCES = [
  'af-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2',
  'ap-southeast-3', 'ap-southeast-4', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'me-central-1', 'il-central-1',
] as const;
// §2.2 Global Opus 4.5: me-south-1 included, ca-west-1 not.
const GLOBAL_OPUS_SOURCES = [...GLOBAL_SONNET_SOURCES.filter((r) => r !== 'ca-west-1'), 'me-south-1'] as const;

const EU6 = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'] as const;

const fromSources = (sources: readonly string[], dest: readonly string[]) => Object.fromEntries(sources.map((s) => [s, dest]));

export const INFERENCE_PROFILES: readonly ProfileFamily[] = [
  { prefix: 'global', geography: 'global', models: ['sonnet'], routes: fromSources(GLOBAL_SONNET_SOURCES, GLOBAL_ANY) },
  { prefix: 'global', geography: 'global', models: ['opus'], routes: fromSources(GLOBAL_OPUS_SOURCES, GLOBAL_ANY) },
  // §2.2 US: identical for Sonnet 4.5 and Opus 4.5.
  {
    prefix: 'us', geography: 'us', models: ['sonnet', 'opus'],
    routes: {
      'ca-central-1': ['ca-central-1', 'us-east-1', 'us-east-2', 'us-west-2'],
      'us-east-1': ['us-east-1', 'us-east-2', 'us-west-2'],
      'us-east-2': ['us-east-1', 'us-east-2', 'us-west-2'],
      'us-west-1': ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
      'us-west-2': ['us-east-1', 'us-east-2', 'us-west-2'],
    },
  },
  // §2.2 EU: identical for both models.
  {
    prefix: 'eu', geography: 'eu', models: ['sonnet', 'opus'],
    routes: { ...fromSources(EU6, EU6), 'eu-central-2': [...EU6, 'eu-central-2'], 'eu-west-2': [...EU6, 'eu-west-2'] },
  },
  // §2.1/§2.2 JP and AU serve Sonnet 4.5 only; there is no apac. profile for either model.
  { prefix: 'jp', geography: 'apac', models: ['sonnet'], routes: { 'ap-northeast-1': ['ap-northeast-1', 'ap-northeast-3'], 'ap-northeast-3': ['ap-northeast-1', 'ap-northeast-3'] } },
  { prefix: 'au', geography: 'apac', models: ['sonnet'], routes: { 'ap-southeast-2': ['ap-southeast-2', 'ap-southeast-4'], 'ap-southeast-4': ['ap-southeast-2', 'ap-southeast-4'] } },
  { prefix: 'us-gov', geography: 'us-gov', models: ['sonnet'], routes: { 'us-gov-east-1': ['us-gov-west-1'], 'us-gov-west-1': ['us-gov-west-1'] } },
];

/** Prefixes whose profiles may serve a geography (a live apac. profile would be picked up). */
const GEO_PREFIXES: Record<Geography, readonly string[]> = { global: ['global'], us: ['us'], eu: ['eu'], apac: ['apac', 'jp', 'au'] };

const REGION_NAME = /^(?:[a-z]{2}(?:-gov|-iso[a-z]?)?)-[a-z]+-\d{1,2}$/;
export function isValidRegionName(region: string): boolean {
  return REGION_NAME.test(region);
}

function isCommercial(region: string): boolean {
  return isValidRegionName(region) && !/^(us-gov|cn|us-iso)/.test(region) && !region.includes('-iso');
}

/**
 * Residency (DESIGN §4.2): the regions where inference for each geography may run, in ONE table.
 * Config, route, the checks, invoke and the IAM policy builder all ask this table, never AWS's
 * profile prefixes: those are not the same thing (reference aws.md §2.2): AWS's `us.` profile from
 * ca-central-1 routes to Canada, and its `eu.` profile from eu-west-2 (London) or eu-central-2
 * (Zurich) adds that non-EU region. A region outside the set is refused as a source region and as
 * a destination, and no hint, fix or policy names it.
 */
export const RESIDENCY: Readonly<Record<Geography, { label: string; regions: readonly string[] | 'ap-*' | 'commercial' }>> = {
  global: { label: 'any commercial AWS region', regions: 'commercial' },
  us: { label: 'regions in the United States', regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'] },
  eu: { label: 'regions in EU member states', regions: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'] },
  apac: { label: 'the Asia Pacific (ap-*) regions', regions: 'ap-*' },
};

/** Where the regions AWS's prefix profiles reach outside byok's residency sets are (aws.md §2.2). */
const OUTSIDE_PLACE: Readonly<Record<string, string>> = { 'ca-central-1': 'Canada', 'ca-west-1': 'Canada', 'eu-west-2': 'the United Kingdom', 'eu-central-2': 'Switzerland' };

/** The jurisdiction rule: may inference for this geography run in this region? */
export function isRegionInGeography(geography: Geography, region: string): boolean {
  // Stryker disable next-line ConditionalExpression: equivalent, every branch below checks the name again (isCommercial, or membership in a list of valid names)
  if (!isValidRegionName(region)) return false;
  const set = RESIDENCY[geography].regions;
  if (set === 'commercial') return isCommercial(region);
  if (set === 'ap-*') return region.startsWith('ap-') && isCommercial(region);
  return set.includes(region);
}

/** The region of a Bedrock ARN: '' for the region-less global FM ARN, null when it is not a Bedrock ARN. */
export function arnRegion(arn: string): string | null {
  const m = /^arn:aws[a-z-]*:bedrock:([^:]*):/.exec(arn);
  return m ? m[1]! : null;
}

/**
 * The region of a Bedrock ARN when it lies outside the geography ('' = the region-less global
 * model, outside every geography but global); null when it is inside, or not a Bedrock ARN.
 */
export function arnOutsideGeography(geography: Geography, arn: string): string | null {
  const r = arnRegion(arn);
  if (r === null) return null;
  if (r === '') return geography === 'global' ? null : '';
  return isRegionInGeography(geography, r) ? null : r;
}

/** "the US geography (regions in the United States)". */
/** The geography as a word in a sentence: Global, US, EU or APAC (the names the product document uses). */
export function geographyLabel(geography: Geography | string): string {
  return geography === 'global' ? 'Global' : geography.toUpperCase();
}

export function geographyName(geography: Geography): string {
  return geography === 'global' ? 'the global profile' : `the ${geography.toUpperCase()} geography (${RESIDENCY[geography].label})`;
}

/** Why a region is outside a geography, in words (never a suggestion to use it). */
export function outsideReason(geography: Geography, region: string): string {
  const place = OUTSIDE_PLACE[region];
  return `${region}${place ? ` is in ${place}, so it` : ''} is outside ${geographyName(geography)}`;
}

/**
 * What the admin can do when AWS routes a profile outside the geography. Names no region outside
 * it: byok never suggests granting or using one.
 */
export function residencyChoices(geography: Geography): string {
  const geo = geography.toUpperCase();
  return [
    `byok refuses this profile and will not ask you to grant any region outside ${geo}. Your choices:`,
    `(1) keep the workspace in ${geo}: requests through this profile stay refused; byok models check re-reads the destinations and uses the profile again once AWS routes it inside ${geo};`,
    `(2) use the other model where its profile stays inside ${geo} (byok route --model sonnet|opus shows it);`,
    `(3) only if your residency rules allow it, the owner changes the workspace's geography explicitly (byok config set geography ...), which is audited.`,
  ].join(' ');
}

export function regionsOfGeography(geography: Geography): string[] {
  const set = new Set<string>();
  for (const f of INFERENCE_PROFILES) {
    if (f.geography !== geography) continue;
    for (const [src, dests] of Object.entries(f.routes)) {
      set.add(src);
      // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: equivalent, '*' is not a region name and the filter below drops it
      for (const d of dests) if (d !== '*') set.add(d);
    }
  }
  return [...set].filter((r) => isRegionInGeography(geography, r)).sort();
}

export function profileIdFor(prefix: string, model: ModelKey): string {
  return `${prefix}.${MODELS[model].modelId}`;
}

export function foundationModelArn(region: string, modelId: string): string {
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

export function inferenceProfileArn(region: string, accountId: string, profileId: string): string {
  return `arn:aws:bedrock:${region}:${accountId}:inference-profile/${profileId}`;
}

interface Candidate { profileId: string; prefix: string; destinations: string[]; live: boolean }
/** A profile that routes outside the geography (live, or in AWS's own table): never used. */
interface Leak { profileId: string; outside: string[]; live: boolean }

function candidates(geography: Geography, model: ModelKey, region: string, catalog?: readonly LiveProfile[]): { found: Candidate[]; leaks: Leak[] } {
  const found: Candidate[] = [];
  const leaks: Leak[] = [];
  for (const prefix of GEO_PREFIXES[geography]) {
    const profileId = profileIdFor(prefix, model);
    const live = catalog?.find((p) => p.profileId === profileId && p.sourceRegion === region && (p.status === undefined || p.status === 'ACTIVE'));
    if (live && live.destinations.length > 0) {
      const outside = live.destinations.filter((d) => (d === '*' ? geography !== 'global' : !isRegionInGeography(geography, d)));
      // Fail closed: where AWS says this profile leaves the geography, the table's older answer does not count.
      if (outside.length > 0) leaks.push({ profileId, outside, live: true });
      else found.push({ profileId, prefix, destinations: [...live.destinations].sort(), live: true });
      continue;
    }
    const fam = INFERENCE_PROFILES.find((f) => f.prefix === prefix && f.models.includes(model) && f.routes[region] !== undefined);
    if (!fam) continue;
    // Stryker disable next-line ConditionalExpression: equivalent for AWS's table, where '*' appears only in the global families, which serve only the global geography
    const outside = fam.routes[region]!.filter((d) => (d === '*' ? geography !== 'global' : !isRegionInGeography(geography, d)));
    if (outside.length > 0) leaks.push({ profileId, outside, live: false });
    else found.push({ profileId, prefix, destinations: [...fam.routes[region]!], live: false });
  }
  return { found, leaks };
}

/** Source regions from which some profile of the geography serves the model (or either model). */
export function sourceRegions(geography: Geography, model?: ModelKey, catalog?: readonly LiveProfile[]): string[] {
  const set = new Set<string>();
  const models: ModelKey[] = model ? [model] : ['sonnet', 'opus'];
  for (const f of INFERENCE_PROFILES) {
    // Stryker disable next-line ConditionalExpression: equivalent for AWS's table, whose other families' sources lie outside this geography, route outside it, or are already its own sources
    if (f.geography !== geography || !models.some((m) => f.models.includes(m))) continue;
    for (const [src, dests] of Object.entries(f.routes)) {
      // Stryker disable next-line ConditionalExpression: equivalent for AWS's table, where every source outside a geography also routes outside it (the next check), and vice versa
      if (!isRegionInGeography(geography, src)) continue;
      // Stryker disable next-line ConditionalExpression,MethodExpression,ArrowFunction: equivalent for AWS's table, where a route leaves the geography only from a source outside it (the check above)
      if (dests.some((d) => (d === '*' ? geography !== 'global' : !isRegionInGeography(geography, d)))) continue;
      set.add(src);
    }
  }
  // Stryker disable next-line ArrayDeclaration: equivalent, an entry without a profileId matches no profile
  for (const p of catalog ?? []) {
    for (const m of models) if (GEO_PREFIXES[geography].some((pre) => p.profileId === profileIdFor(pre, m)) && isRegionInGeography(geography, p.sourceRegion)) set.add(p.sourceRegion);
  }
  return [...set].sort();
}

export interface ResolvedProfile {
  profileId: string;
  prefix: string;
  destinations: string[];
  fromLiveCatalog: boolean;
  profileArn(accountId: string): string;
}

export function profileFor(geography: Geography, model: ModelKey, region: string, catalog?: readonly LiveProfile[]): Result<ResolvedProfile, RouteRefusal> {
  if (!isValidRegionName(region)) {
    return err({ code: 'invalid-region', reason: `"${region.slice(0, 32)}" is not an AWS region name.`, hint: 'Use a name like eu-west-1.', allowedRegions: sourceRegions(geography, model, catalog) });
  }
  const { found, leaks } = candidates(geography, model, region, catalog);
  const c = found[0];
  if (!c && leaks.length > 0) {
    const l = leaks[0]!;
    // The reason names no region outside the geography: it reaches policy notes and --print-commands.
    return err({
      code: 'profile-leaves-geography',
      reason: `${l.live ? "AWS's live profile list routes" : 'AWS routes'} ${l.profileId} from ${region} to ${l.outside.length === 1 ? 'a region' : `${l.outside.length} regions`} outside ${geographyName(geography)}; byok will not send requests through it.`,
      hint: residencyChoices(geography),
      allowedRegions: [],
      outsideRegions: [...l.outside],
      profileId: l.profileId,
    });
  }
  if (!c) {
    const allowed = sourceRegions(geography, model, catalog);
    const name = MODELS[model].name;
    if (allowed.length === 0) {
      return err({
        code: 'model-not-in-geography',
        // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, only APAC lacks a profile for a model (Opus), so this is APAC's note
        reason: `No ${geography.toUpperCase()} inference profile serves ${name}${geography === 'apac' ? ' (AWS lists only jp. and au. profiles for Sonnet 4.5 in APAC)' : ''}; byok will not route it through another geography.`,
        // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, every geography has a Sonnet profile, so only Opus is ever missing
        hint: model === 'opus' ? `Use Sonnet 4.5 inside ${geographyLabel(geography)} (--model sonnet). Opus 4.5 runs only in Global, US or EU: moving the workspace there sends its requests outside ${geographyLabel(geography)}, so do that only if your residency rules allow it.` : `Pick a model served inside ${geographyLabel(geography)}; another geography sends requests outside it.`,
        allowedRegions: [],
      });
    }
    return err({
      code: 'region-not-a-source',
      reason: `${region} is not a source region of the ${geographyLabel(geography)} profile for ${name}.`,
      hint: `Use one of: ${allowed.join(', ')} (byok config set region REGION).`,
      allowedRegions: allowed,
    });
  }
  return ok({ profileId: c.profileId, prefix: c.prefix, destinations: c.destinations, fromLiveCatalog: c.live, profileArn: (accountId: string) => inferenceProfileArn(region, accountId, c.profileId) });
}

export function checkRegion(
  geography: Geography,
  region: string,
  catalog?: readonly LiveProfile[],
): Result<{ region: string; models: Record<ModelKey, { profileId: string; destinations: string[] } | null>; notes: string[] }, RouteRefusal> {
  const allowed = sourceRegions(geography, undefined, catalog);
  if (!isValidRegionName(region)) {
    return err({ code: 'invalid-region', reason: `"${region.slice(0, 32)}" is not an AWS region name.`, hint: `Use one of the ${geographyLabel(geography)} source regions: ${allowed.join(', ')}.`, allowedRegions: allowed });
  }
  if (!allowed.includes(region)) {
    const inside = isRegionInGeography(geography, region);
    const prefixes = GEO_PREFIXES[geography].filter((pre) => INFERENCE_PROFILES.some((f) => f.prefix === pre && f.routes[region] !== undefined));
    // Stryker disable next-line StringLiteral: equivalent, at most one prefix of a geography (us. or eu.) accepts a region outside it
    const awsNote = !inside && prefixes.length > 0 ? ` AWS's ${prefixes.map((p) => `${p}.`).join('/')} profile accepts requests from ${region}, but byok's ${geographyLabel(geography)} geography means ${RESIDENCY[geography].label}, so it refuses ${region} as a source region and any destination outside them.` : '';
    return err({
      code: 'region-outside-geography',
      reason: inside
        ? `${region} is not a source region of the ${geographyLabel(geography)} inference profiles for Sonnet 4.5 or Opus 4.5 that stay inside ${geographyName(geography)}.`
        : `${outsideReason(geography, region)}.${awsNote}`,
      hint: `Use one of: ${allowed.join(', ')}.`,
      allowedRegions: allowed,
      ...(inside ? {} : { outsideRegions: [region] }),
    });
  }
  const models = { sonnet: null, opus: null } as Record<ModelKey, { profileId: string; destinations: string[] } | null>;
  const notes: string[] = [];
  for (const m of ['sonnet', 'opus'] as const) {
    const p = profileFor(geography, m, region, catalog);
    if (p.ok) models[m] = { profileId: p.value.profileId, destinations: p.value.destinations };
    else notes.push(`${MODELS[m].name} is not available from ${region} in ${geographyLabel(geography)}: ${p.error.reason}`);
  }
  return ok({ region, models, notes });
}
