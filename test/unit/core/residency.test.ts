// Residency (DESIGN: requests never leave the chosen geography): the profile table is the AWS
// reference's (aws.md §2.2), row by row, and for every geography, model, source region and live
// catalog, a route either stays inside the geography or is refused. The jurisdiction oracle
// below is written from the product rule, not from byok's functions. Written for the mutation
// pass (issue 15).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arnOutsideGeography, arnRegion, checkRegion, foundationModelArn, geographyName, inferenceProfileArn, isRegionInGeography, isValidRegionName, outsideReason, profileFor, profileIdFor, regionsOfGeography, RESIDENCY, residencyChoices, sourceRegions, type LiveProfile } from '../../../src/core/geography.js';

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
    expect(!c.ok && c.error.hint).toBe(`Use one of the EU source regions: ${sourceRegions('eu').join(', ')}.`);
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
    expect(!p.ok && p.error.reason).toMatch(/^ca-west-1 is not a source region of the Global profile for /);
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
    expect(c.ok && c.value.notes[0]).toMatch(/^Claude Opus 4\.5 is not available from ap-southeast-2 in APAC: /);
  });
});

// The words of a refusal reach the terminal, --json, policy notes and --print-commands: they name
// the refused region and regions inside the geography, never another region outside it (issue 10 §1).
const REGION_IN_TEXT = /(?<![a-z0-9])[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}(?![0-9])/g;
const LABEL: Record<Geo, string> = { global: 'the global profile', us: 'the US geography (regions in the United States)', eu: 'the EU geography (regions in EU member states)', apac: 'the APAC geography (the Asia Pacific (ap-*) regions)' };
const SOURCES_OF = (geo: Geo): string[] => [...new Set(ALL.filter((r) => expected(geo, 'sonnet', r) !== null || expected(geo, 'opus', r) !== null))].sort();

describe('for every region outside a geography, configuration refuses it and the refusal names no other region outside the geography', () => {
  for (const geo of GEOS) {
    it(`${geo}: every region outside is refused as outside; every region inside but not a source is refused as not a source; the rest are accepted`, () => {
      for (const region of [...ALL, 'ca-west-1', 'us-gov-west-1']) {
        const c = checkRegion(geo, region);
        const source = SOURCES_OF(geo).includes(region);
        expect(c.ok, `${geo} ${region}`).toBe(source);
        if (c.ok) continue;
        expect(c.error.code).toBe('region-outside-geography');
        expect(c.error.allowedRegions).toEqual(SOURCES_OF(geo));
        expect(c.error.hint).toBe(`Use one of: ${SOURCES_OF(geo).join(', ')}.`);
        if (inside(geo, region)) {
          // Inside, but no profile that stays inside serves it: not called outside.
          expect(c.error.outsideRegions).toBeUndefined();
          expect(c.error.reason).toBe(`${region} is not a source region of the ${({ global: 'Global', us: 'US', eu: 'EU', apac: 'APAC' } as const)[geo]} inference profiles for Sonnet 4.5 or Opus 4.5 that stay inside ${LABEL[geo]}.`);
        } else {
          expect(c.error.outsideRegions).toEqual([region]);
          expect(c.error.reason.startsWith(`${region}`)).toBe(true);
          expect(c.error.reason).toContain(`is outside ${LABEL[geo]}.`);
        }
        for (const named of `${c.error.reason} ${c.error.hint}`.match(REGION_IN_TEXT) ?? []) {
          expect(named === region || inside(geo, named), `${geo} ${region}: names ${named}`).toBe(true);
        }
      }
    });
  }

  it('names the country of a region AWS reaches outside the geography, and says when AWS\'s own profile accepts it but byok does not', () => {
    const reason = (geo: Geo, r: string) => { const c = checkRegion(geo, r); return c.ok ? 'accepted' : c.error.reason; };
    expect(reason('us', 'ca-central-1')).toBe("ca-central-1 is in Canada, so it is outside the US geography (regions in the United States). AWS's us. profile accepts requests from ca-central-1, but byok's US geography means regions in the United States, so it refuses ca-central-1 as a source region and any destination outside them.");
    expect(reason('eu', 'eu-west-2')).toBe("eu-west-2 is in the United Kingdom, so it is outside the EU geography (regions in EU member states). AWS's eu. profile accepts requests from eu-west-2, but byok's EU geography means regions in EU member states, so it refuses eu-west-2 as a source region and any destination outside them.");
    expect(reason('eu', 'eu-central-2')).toBe("eu-central-2 is in Switzerland, so it is outside the EU geography (regions in EU member states). AWS's eu. profile accepts requests from eu-central-2, but byok's EU geography means regions in EU member states, so it refuses eu-central-2 as a source region and any destination outside them.");
    // No profile of the geography accepts these: the country (if known) and the geography only.
    expect(reason('us', 'ca-west-1')).toBe('ca-west-1 is in Canada, so it is outside the US geography (regions in the United States).');
    expect(reason('eu', 'us-east-1')).toBe('us-east-1 is outside the EU geography (regions in EU member states).');
    expect(reason('apac', 'eu-west-1')).toBe('eu-west-1 is outside the APAC geography (the Asia Pacific (ap-*) regions).');
    expect(reason('global', 'us-gov-west-1')).toBe('us-gov-west-1 is outside the global profile.');
    expect(outsideReason('us', 'eu-west-2')).toBe('eu-west-2 is in the United Kingdom, so it is outside the US geography (regions in the United States)');
    for (const geo of GEOS) expect(geographyName(geo)).toBe(LABEL[geo]);
  });
});

describe('a profile AWS routes outside the geography is refused, and the choices offered name no region outside it', () => {
  it('the choices: keep the geography, use the other model, or the owner changes the geography (audited)', () => {
    expect(residencyChoices('eu')).toBe(
      'byok refuses this profile and will not ask you to grant any region outside EU. Your choices: ' +
        '(1) keep the workspace in EU: requests through this profile stay refused; byok models check re-reads the destinations and uses the profile again once AWS routes it inside EU; ' +
        '(2) use the other model where its profile stays inside EU (byok route --model sonnet|opus shows it); ' +
        "(3) only if your residency rules allow it, the owner changes the workspace's geography explicitly (byok config set geography ...), which is audited.",
    );
    for (const geo of GEOS) expect(residencyChoices(geo).match(REGION_IN_TEXT)).toBeNull();
  });

  it("AWS's own table: us. from ca-central-1 and eu. from London and Zurich are refused, naming how many regions are outside, not which", () => {
    for (const [geo, region] of [['us', 'ca-central-1'], ['eu', 'eu-west-2'], ['eu', 'eu-central-2']] as const) {
      for (const model of ['sonnet', 'opus'] as const) {
        const p = profileFor(geo, model, region);
        const id = `${geo}.${MODEL_ID[model]}`;
        expect(p).toEqual({ ok: false, error: { code: 'profile-leaves-geography', reason: `AWS routes ${id} from ${region} to a region outside ${LABEL[geo]}; byok will not send requests through it.`, hint: residencyChoices(geo), allowedRegions: [], outsideRegions: [region], profileId: id } });
      }
    }
  });

  it("a live profile leaving to several regions: the reason says it is AWS's live list and how many regions, and names none of them", () => {
    const p = profileFor('eu', 'opus', 'eu-west-3', [{ profileId: `eu.${OPUS}`, sourceRegion: 'eu-west-3', destinations: ['eu-west-3', 'us-east-1', 'me-central-1'] }]);
    expect(p).toEqual({ ok: false, error: { code: 'profile-leaves-geography', reason: `AWS's live profile list routes eu.${OPUS} from eu-west-3 to 2 regions outside ${LABEL.eu}; byok will not send requests through it.`, hint: residencyChoices('eu'), allowedRegions: [], outsideRegions: ['us-east-1', 'me-central-1'], profileId: `eu.${OPUS}` } });
    const one = profileFor('eu', 'opus', 'eu-west-3', [{ profileId: `eu.${OPUS}`, sourceRegion: 'eu-west-3', destinations: ['eu-west-3', 'us-east-1'] }]);
    expect(!one.ok && one.error.reason).toBe(`AWS's live profile list routes eu.${OPUS} from eu-west-3 to a region outside ${LABEL.eu}; byok will not send requests through it.`);
  });

  it('a live profile whose destinations all stay inside replaces the table entry; one that leaves is never replaced by the table', () => {
    const inside1 = profileFor('us', 'sonnet', 'us-east-1', [{ profileId: `us.${SONNET}`, sourceRegion: 'us-east-1', destinations: ['us-west-2', 'us-east-1'], status: 'ACTIVE' }]);
    expect(inside1).toMatchObject({ ok: true, value: { profileId: `us.${SONNET}`, prefix: 'us', destinations: ['us-east-1', 'us-west-2'], fromLiveCatalog: true } });
    expect(inside1.ok && inside1.value.profileArn('123456789012')).toBe(`arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${SONNET}`);
    // A global profile may route anywhere commercial: '*' is inside global.
    const g = profileFor('global', 'opus', 'eu-west-1', [{ profileId: `global.${OPUS}`, sourceRegion: 'eu-west-1', destinations: ['*'] }]);
    expect(g).toMatchObject({ ok: true, value: { fromLiveCatalog: true, destinations: ['*'] } });
  });
});

describe('other refusals say what is allowed and how to fix it', () => {
  it('a region that is not a source of the profile: the hint lists the sources and the command', () => {
    const p = profileFor('global', 'opus', 'ca-west-1');
    expect(!p.ok && p.error.hint).toBe(`Use one of: ${[...GLOBAL_OPUS].sort().join(', ')} (byok config set region REGION).`);
    expect(!p.ok && p.error.reason).toBe('ca-west-1 is not a source region of the Global profile for Claude Opus 4.5.');
  });
  it('a name that is not a region: an example of a region name', () => {
    const p = profileFor('us', 'opus', 'nowhere');
    expect(p).toEqual({ ok: false, error: { code: 'invalid-region', reason: '"nowhere" is not an AWS region name.', hint: 'Use a name like eu-west-1.', allowedRegions: sourceRegions('us', 'opus') } });
  });
  it('Opus in APAC: the hint offers Sonnet or a geography that serves Opus', () => {
    for (const region of ['ap-northeast-1', 'ap-southeast-2', 'ap-south-1']) {
      const p = profileFor('apac', 'opus', region);
      expect(p).toEqual({
        ok: false,
        error: {
          code: 'model-not-in-geography',
          reason: 'No APAC inference profile serves Claude Opus 4.5 (AWS lists only jp. and au. profiles for Sonnet 4.5 in APAC); byok will not route it through another geography.',
          hint: 'Use Sonnet 4.5 inside APAC (--model sonnet). Opus 4.5 runs only in Global, US or EU: moving the workspace there sends its requests outside APAC, so do that only if your residency rules allow it.',
          allowedRegions: [],
        },
      });
    }
  });
});

describe('a Bedrock ARN outside the geography is named by its region', () => {
  const fm = (r: string) => `arn:aws:bedrock:${r}::foundation-model/${SONNET}`;
  it('the region of a Bedrock ARN, in any partition; "" for the region-less global model; null for anything else', () => {
    expect(arnRegion(fm('eu-west-1'))).toBe('eu-west-1');
    expect(arnRegion(`arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:inference-profile/us-gov.${SONNET}`)).toBe('us-gov-west-1');
    expect(arnRegion(`arn:aws:bedrock:::foundation-model/${SONNET}`)).toBe('');
    for (const a of ['arn:aws:s3:::bucket', `x arn:aws:bedrock:eu-west-1::foundation-model/${SONNET}`, 'arn:aws:bedrock', '']) expect(arnRegion(a), a).toBeNull();
  });
  it('for every geography and region: null inside, the region outside, "" for the region-less model outside global, null for a non-Bedrock ARN', () => {
    for (const geo of GEOS) {
      for (const r of [...ALL, 'ca-west-1', 'us-gov-west-1']) expect(arnOutsideGeography(geo, fm(r)), `${geo} ${r}`).toBe(inside(geo, r) ? null : r);
      expect(arnOutsideGeography(geo, `arn:aws:bedrock:::foundation-model/${SONNET}`)).toBe(geo === 'global' ? null : '');
      expect(arnOutsideGeography(geo, 'arn:aws:iam::123456789012:role/x')).toBeNull();
    }
  });
});

describe('the residency table and region names', () => {
  it('the one residency table: what each geography means, in regions and in words (DESIGN §4.2)', () => {
    expect(RESIDENCY).toEqual({
      global: { label: 'any commercial AWS region', regions: 'commercial' },
      us: { label: 'regions in the United States', regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'] },
      eu: { label: 'regions in EU member states', regions: EU6 },
      apac: { label: 'the Asia Pacific (ap-*) regions', regions: 'ap-*' },
    });
  });

  // AWS's endpoints.json (partitions[].regionRegex, e.g. "^(us|eu|ap|sa|ca|me|af)\\-\\w+\\-\\d+$" for
  // the aws partition, "^us\\-gov\\-\\w+\\-\\d+$" for aws-us-gov) allows any number: a future
  // eu-west-10 is a region name.
  const name = fc.tuple(fc.constantFrom('us', 'eu', 'ap', 'sa', 'ca', 'me', 'af', 'il', 'mx'), fc.stringMatching(/^[a-z]{1,12}$/), fc.integer({ min: 1, max: 99 })).map(([p, w, n]) => `${p}-${w}-${n}`);
  // Commercial: not the GovCloud (us-gov-*) or iso (*-iso*-*) partitions' form.
  const commercialName = name.filter((r) => !r.startsWith('us-gov') && !r.includes('-iso'));
  it('every name of the form AWS uses is a region name, with a one- or two-digit number', () => {
    fc.assert(fc.property(name, (r) => { expect(isValidRegionName(r), r).toBe(true); }), { numRuns: 500 });
    for (const r of ['eu-west-10', 'us-gov-west-12', 'ap-southeast-99']) expect(isValidRegionName(r), r).toBe(true);
  });
  it('global means any commercial region: every commercial name is inside global whatever its middle word; cn, GovCloud and iso names never are', () => {
    fc.assert(
      fc.property(commercialName, fc.constantFrom('cn', 'xcn', 'cnorth', 'usgov', 'xusiso'), (r, w) => {
        expect(isRegionInGeography('global', r), r).toBe(true);
        const [p, , n] = r.split('-');
        const middle = `${p}-${w}x-${n}`; // a commercial name whose middle word starts like another partition
        expect(isRegionInGeography('global', middle), middle).toBe(true);
        for (const other of [`cn-north-${n}`, `us-gov-${w}-${n}`, `us-iso-east-${n}`, `us-isob-east-${n}`, `eu-isoe-west-${n}`]) expect(isRegionInGeography('global', other), other).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a name that is not a region is quoted back at most 32 characters long (a pasted secret is not echoed whole)', () => {
    const pasted = `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY${'x'.repeat(20)}`;
    for (const geo of GEOS) {
      const c = checkRegion(geo, pasted);
      expect(!c.ok && c.error.reason).toBe(`"${pasted.slice(0, 32)}" is not an AWS region name.`);
      const p = profileFor(geo, 'sonnet', pasted);
      expect(!p.ok && p.error.reason).toBe(`"${pasted.slice(0, 32)}" is not an AWS region name.`);
    }
  });

  it("a live profile of another geography or another model never makes a region a source of this one", () => {
    // ap-south-1 is inside APAC but no APAC profile in AWS's table is sourced there.
    const other = [
      { profileId: `global.${SONNET}`, sourceRegion: 'ap-south-1', destinations: ['*'] },
      { profileId: `us.${SONNET}`, sourceRegion: 'ap-south-1', destinations: ['us-east-1'] },
      { profileId: `apac.${OPUS}`, sourceRegion: 'ap-south-1', destinations: ['ap-south-1'] },
    ];
    expect(sourceRegions('apac', 'sonnet', other)).not.toContain('ap-south-1');
    expect(sourceRegions('apac', 'sonnet', other)).toEqual(sourceRegions('apac', 'sonnet'));
    expect(sourceRegions('apac', 'opus', other)).toEqual(['ap-south-1']);
    expect(sourceRegions('apac', undefined, other)).toContain('ap-south-1');
  });
});
