// Residency (DESIGN: requests never leave the chosen geography): the profile table is the AWS
// reference's (aws.md §2.2), row by row, and for every geography, model, source region and live
// catalog, a route either stays inside the geography or is refused. The jurisdiction oracle
// below is written from the product rule, not from byok's functions. Written for the mutation
// pass (issue 15).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRegion, foundationModelArn, inferenceProfileArn, isRegionInGeography, isValidRegionName, profileFor, profileIdFor, regionsOfGeography, sourceRegions, type LiveProfile } from '../../../src/core/geography.js';

type Geo = 'global' | 'us' | 'eu' | 'apac';
const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const OPUS = 'anthropic.claude-opus-4-5-20251101-v1:0';
const MODEL_ID = { sonnet: SONNET, opus: OPUS } as const;

const GLOBAL_SONNET = ['af-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'me-central-1', 'il-central-1'];
const GLOBAL_OPUS = ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ca-central-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'me-south-1', 'af-south-1', 'me-central-1', 'il-central-1'];
// AWS's us. profile is also sourced from ca-central-1 (and routes to Canada), and its eu. profile
// from eu-central-2 (Zurich) and eu-west-2 (London): byok's us and eu geographies mean the United
// States and the EU member states (issue 10 §1), so those are not sources here.
const US: Record<string, string[]> = {
  'us-east-1': ['us-east-1', 'us-east-2', 'us-west-2'],
  'us-east-2': ['us-east-1', 'us-east-2', 'us-west-2'],
  'us-west-1': ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  'us-west-2': ['us-east-1', 'us-east-2', 'us-west-2'],
};
const EU6 = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'];
const EU: Record<string, string[]> = Object.fromEntries(EU6.map((r) => [r, EU6]));
const JP = { 'ap-northeast-1': ['ap-northeast-1', 'ap-northeast-3'], 'ap-northeast-3': ['ap-northeast-1', 'ap-northeast-3'] };
const AU = { 'ap-southeast-2': ['ap-southeast-2', 'ap-southeast-4'], 'ap-southeast-4': ['ap-southeast-2', 'ap-southeast-4'] };

/** The reference's table: geography, model, source → [profile ID, destinations]. */
function expected(geo: Geo, model: 'sonnet' | 'opus', region: string): [string, string[]] | null {
  const id = MODEL_ID[model];
  if (geo === 'global') return (model === 'sonnet' ? GLOBAL_SONNET : GLOBAL_OPUS).includes(region) ? [`global.${id}`, ['*']] : null;
  if (geo === 'us') return US[region] ? [`us.${id}`, US[region]!] : null;
  if (geo === 'eu') return EU[region] ? [`eu.${id}`, EU[region]!] : null;
  if (model === 'opus') return null;
  if (region in JP) return [`jp.${id}`, JP[region as keyof typeof JP]];
  if (region in AU) return [`au.${id}`, AU[region as keyof typeof AU]];
  return null;
}

/** The jurisdiction rule, from the product document. */
function inside(geo: Geo, region: string): boolean {
  if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(region)) return false;
  const commercial = !/^(us-gov|cn|us-iso)/.test(region) && !region.includes('-iso');
  if (geo === 'global') return commercial;
  if (geo === 'us') return region.startsWith('us-') && commercial;
  if (geo === 'eu') return EU6.includes(region);
  return region.startsWith('ap-');
}

const GEOS: Geo[] = ['global', 'us', 'eu', 'apac'];
const ALL = [...new Set([...GLOBAL_SONNET, ...GLOBAL_OPUS, 'us-gov-east-1', 'us-gov-west-1', 'cn-north-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'ap-east-1', 'mx-central-1'])];
const ODD = ['', 'EU-WEST-1', 'eu-west', 'eu-west-100', 'euwest1', ' eu-west-1', 'eu-west-1 ', 'x'.repeat(80), 'eu-west-1\n'];

describe('the profile table is the AWS reference\'s (aws.md §2.2)', () => {
  for (const geo of GEOS) {
    for (const model of ['sonnet', 'opus'] as const) {
      it(`${geo} ${model}: every source region routes to exactly its destinations, and no other region is a source`, () => {
        for (const region of ALL) {
          const want = expected(geo, model, region);
          const got = profileFor(geo, model, region);
          if (want === null) {
            expect(got.ok, `${geo} ${model} ${region}`).toBe(false);
          } else {
            expect(got.ok, `${geo} ${model} ${region}`).toBe(true);
            if (got.ok) {
              expect({ id: got.value.profileId, dest: got.value.destinations }).toEqual({ id: want[0], dest: want[1] });
              expect(got.value.fromLiveCatalog).toBe(false);
              expect(got.value.prefix).toBe(want[0].split('.')[0]);
              expect(got.value.profileArn('123456789012')).toBe(`arn:aws:bedrock:${region}:123456789012:inference-profile/${want[0]}`);
            }
          }
        }
        expect(sourceRegions(geo, model)).toEqual(ALL.filter((r) => expected(geo, model, r) !== null).sort());
      });
    }
  }
  it('the source regions of a geography for either model are the union', () => {
    for (const geo of GEOS) expect(sourceRegions(geo)).toEqual([...new Set([...sourceRegions(geo, 'sonnet'), ...sourceRegions(geo, 'opus')])].sort());
  });
  it('the regions of a geography are its sources and named destinations', () => {
    expect(regionsOfGeography('eu')).toEqual([...EU6].sort());
    expect(regionsOfGeography('us')).toEqual(['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']);
    expect(regionsOfGeography('apac')).toEqual(['ap-northeast-1', 'ap-northeast-3', 'ap-southeast-2', 'ap-southeast-4']);
    expect(regionsOfGeography('global')).toEqual([...new Set([...GLOBAL_SONNET, ...GLOBAL_OPUS])].sort());
  });
  it('IDs and ARNs have the reference\'s form', () => {
    expect(profileIdFor('eu', 'opus')).toBe(`eu.${OPUS}`);
    expect(foundationModelArn('eu-west-3', SONNET)).toBe(`arn:aws:bedrock:eu-west-3::foundation-model/${SONNET}`);
    expect(inferenceProfileArn('us-east-1', '123456789012', `us.${SONNET}`)).toBe(`arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${SONNET}`);
  });
});

describe('the jurisdiction rule', () => {
  it('for every geography and every region name, inside or not as the product defines it', () => {
    for (const geo of GEOS) for (const r of [...ALL, ...ODD, 'ca-central-1', 'ca-west-1', 'us-gov-west-1']) expect(isRegionInGeography(geo, r), `${geo} ${r}`).toBe(inside(geo, r));
  });
  it('region names', () => {
    for (const r of ALL) expect(isValidRegionName(r), r).toBe(true);
    for (const r of ODD) expect(isValidRegionName(r), JSON.stringify(r)).toBe(false);
  });
});

describe('for every geography, model, region and live catalog, a route stays inside the geography or is refused', () => {
  const region = fc.constantFrom(...ALL, ...ODD);
  const live = fc.record({
    profileId: fc.tuple(fc.constantFrom('global', 'us', 'eu', 'apac', 'jp', 'au', 'us-gov'), fc.constantFrom(SONNET, OPUS)).map(([p, m]) => `${p}.${m}`),
    sourceRegion: fc.constantFrom(...ALL),
    destinations: fc.oneof(fc.subarray(ALL, { maxLength: 4 }), fc.constant(['*'])),
    status: fc.constantFrom(undefined, 'ACTIVE', 'DELETING'),
  }, { requiredKeys: ['profileId', 'sourceRegion', 'destinations'] });
  it('property', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GEOS), fc.constantFrom('sonnet' as const, 'opus' as const), region, fc.array(live, { maxLength: 6 }), (geo, model, r, catalog) => {
        const p = profileFor(geo, model, r, catalog as LiveProfile[]);
        if (!p.ok) return;
        expect(isValidRegionName(r)).toBe(true);
        for (const d of p.value.destinations) expect(d === '*' ? geo === 'global' : inside(geo, d), `${geo} ${model} ${r} → ${d}`).toBe(true);
        const allowedPrefixes = geo === 'apac' ? ['apac', 'jp', 'au'] : [geo];
        expect(allowedPrefixes).toContain(p.value.profileId.split('.')[0]);
        expect(p.value.profileId).toBe(`${p.value.prefix}.${MODEL_ID[model]}`);
        const c = checkRegion(geo, r, catalog as LiveProfile[]);
        if (c.ok) for (const m of Object.values(c.value.models)) for (const d of m?.destinations ?? []) expect(d === '*' ? geo === 'global' : inside(geo, d)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('a live entry that is not active, or has no destinations, or is for another source region, is not used', () => {
    const id = `eu.${SONNET}`;
    for (const entry of [
      { profileId: id, sourceRegion: 'eu-west-1', destinations: ['eu-west-1'], status: 'DELETING' },
      { profileId: id, sourceRegion: 'eu-west-1', destinations: [] },
      { profileId: id, sourceRegion: 'eu-west-3', destinations: ['eu-west-1'] },
    ]) {
      const p = profileFor('eu', 'sonnet', 'eu-west-1', [entry]);
      expect(p.ok && p.value.fromLiveCatalog).toBe(false);
      expect(p.ok && p.value.destinations).toEqual(EU6);
    }
    const active = profileFor('eu', 'sonnet', 'eu-west-1', [{ profileId: id, sourceRegion: 'eu-west-1', destinations: ['eu-west-3', 'eu-west-1'], status: 'ACTIVE' }]);
    expect(active.ok && active.value).toMatchObject({ fromLiveCatalog: true, destinations: ['eu-west-1', 'eu-west-3'] });
  });

  it('a live profile AWS routes outside the geography is refused with the regions it leaves to, and the table is not used instead', () => {
    const p = profileFor('eu', 'sonnet', 'eu-west-1', [{ profileId: `eu.${SONNET}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'us-east-1', 'me-central-1'] }]);
    // The regions it leaves to are data (outsideRegions), never words of advice (issue 10 §1).
    expect(p).toMatchObject({ ok: false, error: { code: 'profile-leaves-geography', allowedRegions: [], outsideRegions: ['us-east-1', 'me-central-1'] } });
    expect(!p.ok && p.error.reason).toMatch(/routes eu\.anthropic\.claude-sonnet-4-5-20250929-v1:0 from eu-west-1 to (a region|2 regions) outside the EU geography/);
    expect(!p.ok && `${p.error.reason} ${p.error.hint}`).not.toMatch(/us-east-1|me-central-1/);
    const g = profileFor('us', 'sonnet', 'us-east-1', [{ profileId: `us.${SONNET}`, sourceRegion: 'us-east-1', destinations: ['*'] }]);
    expect(g).toMatchObject({ ok: false, error: { code: 'profile-leaves-geography' } });
    const gl = profileFor('global', 'sonnet', 'us-east-1', [{ profileId: `global.${SONNET}`, sourceRegion: 'us-east-1', destinations: ['*', 'us-gov-west-1'] }]);
    expect(!gl.ok && gl.error.reason).toMatch(/outside the global profile/);
  });

  it('a live apac. profile is picked up inside APAC, and a live source region outside the geography is never a source', () => {
    const cat = [{ profileId: `apac.${OPUS}`, sourceRegion: 'ap-south-1', destinations: ['ap-south-1', 'ap-southeast-1'] }, { profileId: `eu.${SONNET}`, sourceRegion: 'us-east-1', destinations: ['eu-west-1'] }];
    expect(profileFor('apac', 'opus', 'ap-south-1', cat)).toMatchObject({ ok: true, value: { profileId: `apac.${OPUS}`, fromLiveCatalog: true } });
    expect(sourceRegions('apac', 'opus', cat)).toEqual(['ap-south-1']);
    expect(sourceRegions('eu', 'sonnet', cat)).not.toContain('us-east-1');
  });
});

describe('refusals say what is wrong and what is allowed', () => {
  it('a name that is not a region', () => {
    const p = profileFor('eu', 'sonnet', 'x'.repeat(80));
    expect(p).toMatchObject({ ok: false, error: { code: 'invalid-region', reason: `"${'x'.repeat(32)}" is not an AWS region name.`, allowedRegions: sourceRegions('eu', 'sonnet') } });
    const c = checkRegion('eu', 'EU-WEST-1');
    expect(c).toMatchObject({ ok: false, error: { code: 'invalid-region', allowedRegions: sourceRegions('eu') } });
    expect(!c.ok && c.error.hint).toBe(`Use one of the eu source regions: ${sourceRegions('eu').join(', ')}.`);
  });
  it('APAC Opus: no profile in the geography, and byok will not route through another', () => {
    const p = profileFor('apac', 'opus', 'ap-northeast-1');
    expect(p).toMatchObject({ ok: false, error: { code: 'model-not-in-geography', allowedRegions: [] } });
    expect(!p.ok && p.error.reason).toMatch(/^No APAC inference profile serves .*\(AWS lists only jp\. and au\. profiles for Sonnet 4\.5 in APAC\); byok will not route it through another geography\.$/);
    expect(!p.ok && p.error.hint).toMatch(/--model sonnet/);
  });
  it('a region that is not a source of the profile names the ones that are', () => {
    const p = profileFor('global', 'opus', 'ca-west-1');
    expect(p).toMatchObject({ ok: false, error: { code: 'region-not-a-source', allowedRegions: [...GLOBAL_OPUS].sort() } });
    expect(!p.ok && p.error.reason).toMatch(/^ca-west-1 is not a source region of the global profile for /);
  });
  it('a region outside the geography is refused at configuration time, naming the geography', () => {
    const c = checkRegion('eu', 'us-east-1');
    expect(c).toMatchObject({ ok: false, error: { code: 'region-outside-geography', allowedRegions: [...EU6].sort() } });
    expect(!c.ok && c.error.reason).toMatch(/is outside the EU geography/);
    const g = checkRegion('global', 'us-gov-west-1');
    expect(!g.ok && g.error.reason).toMatch(/is outside the global profile/);
  });
  it('checkRegion lists each model from the region, and says which is not available', () => {
    const c = checkRegion('apac', 'ap-southeast-2');
    expect(c).toMatchObject({ ok: true, value: { region: 'ap-southeast-2', models: { sonnet: { profileId: `au.${SONNET}`, destinations: AU['ap-southeast-2'] }, opus: null } } });
    expect(c.ok && c.value.notes).toHaveLength(1);
    expect(c.ok && c.value.notes[0]).toMatch(/^Claude Opus 4\.5 is not available from ap-southeast-2 in apac: /);
  });
});
