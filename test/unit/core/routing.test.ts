import { describe, expect, it } from 'vitest';
import { checkRegion, profileFor, sourceRegions } from '../../../src/core/geography.js';
import { selectModel } from '../../../src/core/models.js';
import { resolveRoute } from '../../../src/core/routing.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const O = 'anthropic.claude-opus-4-5-20251101-v1:0';

describe('profile table (reference aws.md §2)', () => {
  it.each([
    ['us', 'sonnet', 'us-east-1', `us.${S}`, ['us-east-1', 'us-east-2', 'us-west-2']],
    ['us', 'opus', 'us-west-1', `us.${O}`, ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']],
    ['us', 'sonnet', 'us-east-2', `us.${S}`, ['us-east-1', 'us-east-2', 'us-west-2']],
    ['eu', 'opus', 'eu-west-1', `eu.${O}`, ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3']],
    ['eu', 'sonnet', 'eu-west-3', `eu.${S}`, ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3']],
    ['apac', 'sonnet', 'ap-northeast-3', `jp.${S}`, ['ap-northeast-1', 'ap-northeast-3']],
    ['apac', 'sonnet', 'ap-southeast-4', `au.${S}`, ['ap-southeast-2', 'ap-southeast-4']],
    ['global', 'sonnet', 'ca-west-1', `global.${S}`, ['*']],
    ['global', 'opus', 'me-south-1', `global.${O}`, ['*']],
  ] as const)('%s %s from %s → %s', (geo, model, region, id, dest) => {
    const r = profileFor(geo, model, region);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.profileId).toBe(id);
      expect(r.value.destinations).toEqual(dest);
      expect(r.value.profileArn('123456789012')).toBe(`arn:aws:bedrock:${region}:123456789012:inference-profile/${id}`);
    }
  });
  it('global Opus has no ca-west-1 source and global Sonnet no me-south-1 (§2.2)', () => {
    expect(profileFor('global', 'opus', 'ca-west-1').ok).toBe(false);
    expect(profileFor('global', 'sonnet', 'me-south-1').ok).toBe(false);
  });
  it('APAC has no Opus profile at all', () => {
    for (const r of sourceRegions('apac')) expect(profileFor('apac', 'opus', r).ok).toBe(false);
    expect(sourceRegions('apac')).toEqual(['ap-northeast-1', 'ap-northeast-3', 'ap-southeast-2', 'ap-southeast-4']);
  });
  it.each([
    ['eu', 'us-east-1'], ['us', 'eu-west-1'], ['apac', 'ap-south-1'], ['us', 'us-gov-west-1'], ['eu', 'mars-1'], ['global', 'us-gov-west-1'], ['eu', 'EU-WEST-1'],
  ] as const)('refuses %s region %s, naming the allowed ones', (geo, region) => {
    const r = checkRegion(geo, region);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.hint).toMatch(sourceRegions(geo)[0]!);
  });
  it('a live catalog entry wins, and may add a profile only inside the geography', () => {
    const apacOpus = { profileId: `apac.${O}`, sourceRegion: 'ap-south-1', destinations: ['ap-south-1', 'ap-southeast-1'] };
    expect(profileFor('apac', 'opus', 'ap-south-1', [apacOpus])).toMatchObject({ ok: true, value: { profileId: `apac.${O}`, fromLiveCatalog: true } });
    const leaky = { ...apacOpus, destinations: ['ap-south-1', 'us-east-1'] };
    expect(profileFor('apac', 'opus', 'ap-south-1', [leaky]).ok).toBe(false);
    const usLive = { profileId: `us.${S}`, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'us-east-2'] };
    expect(profileFor('us', 'sonnet', 'us-east-1', [usLive])).toMatchObject({ ok: true, value: { destinations: ['us-east-1', 'us-east-2'], fromLiveCatalog: true } });
  });
  it('a profile AWS now routes outside the geography is refused, not answered from the older table', () => {
    const usLeaky = { profileId: `us.${S}`, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'eu-west-1'] };
    const r = profileFor('us', 'sonnet', 'us-east-1', [usLeaky]);
    expect(r).toMatchObject({ ok: false, error: { code: 'profile-leaves-geography' } });
    // The refusal records where AWS routes it, but its words (which reach policy notes and
    // --print-commands) never name a region outside the geography.
    if (!r.ok) {
      expect(r.error.outsideRegions).toEqual(['eu-west-1']);
      expect(r.error.reason + r.error.hint).not.toContain('eu-west-1');
    }
    expect(resolveRoute({ model: 'sonnet', geography: 'us', region: 'us-east-1', catalog: [usLeaky] }).ok).toBe(false);
    // Opus, not in the leaky entry, still routes; a leaky entry from another source region changes nothing here.
    expect(profileFor('us', 'opus', 'us-east-1', [usLeaky]).ok).toBe(true);
    expect(profileFor('us', 'sonnet', 'us-east-2', [usLeaky]).ok).toBe(true);
    // A global profile's '*' is the whole world only for global.
    expect(profileFor('eu', 'sonnet', 'eu-west-1', [{ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['*'] }]).ok).toBe(false);
  });
});

describe('model selection and routing', () => {
  it.each([
    ['plan', 'opus'], ['Root Cause Analysis', 'opus'], ['architecture', 'opus'], ['summarize', 'sonnet'], ['chat', 'sonnet'], ['something-new', 'sonnet'], [undefined, 'sonnet'],
  ])('task %j → %s, with a reason', (task, model) => {
    const c = selectModel({ task });
    expect(c.model).toBe(model);
    expect(c.reason.length).toBeGreaterThan(10);
  });
  it('--model overrides the rule and says so', () => {
    expect(selectModel({ task: 'plan', model: 'sonnet' })).toMatchObject({ model: 'sonnet', rule: 'override' });
  });
  it('routes inside the geography and explains', () => {
    const r = resolveRoute({ task: 'plan', geography: 'eu', region: 'eu-central-1' });
    expect(r).toMatchObject({ ok: true, value: { model: 'opus', inferenceProfileId: `eu.${O}`, region: 'eu-central-1' } });
  });
  it('APAC: forced Opus is refused, auto-selected Opus becomes Sonnet with the reason', () => {
    const forced = resolveRoute({ model: 'opus', geography: 'apac', region: 'ap-northeast-1' });
    expect(forced.ok).toBe(false);
    if (!forced.ok) expect(forced.error.reason).toMatch(/Opus/);
    const auto = resolveRoute({ task: 'plan', geography: 'apac', region: 'ap-southeast-2' });
    expect(auto).toMatchObject({ ok: true, value: { model: 'sonnet', inferenceProfileId: `au.${S}` } });
    if (auto.ok) expect(auto.value.reason).toMatch(/Sonnet 4.5 inside APAC/);
  });
  it('refuses missing geography or region with the command to run', () => {
    expect(resolveRoute({ region: 'eu-west-1' })).toMatchObject({ ok: false, error: { code: 'geography-not-set' } });
    expect(resolveRoute({ geography: 'eu' })).toMatchObject({ ok: false, error: { code: 'region-not-set' } });
  });
});
