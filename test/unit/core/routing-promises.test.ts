// The routing promises of DESIGN.md §4.2 and reference/aws.md §2, stated one by one: a task gets a
// model by a small rule table (planning → Opus 4.5, the rest → Sonnet 4.5), the model gets the
// workspace geography's inference profile from a source region of it, and nothing is ever routed
// outside the geography: APAC work that needs Opus runs on Sonnet inside APAC, and only when Opus
// was chosen automatically. Expected values are written from those tables, not computed by byok.
import { describe, expect, it } from 'vitest';
import { resolveRoute } from '../../../src/core/routing.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const O = 'anthropic.claude-opus-4-5-20251101-v1:0';
const LIVE_NOTE = "destinations from the live inference-profile list (AWS), not byok's built-in table";

describe('a route is refused, with the command that fixes it, until the workspace says where inference may run', () => {
  it('no geography: refused, naming the command and no region', () => {
    expect(resolveRoute({ region: 'eu-west-1', task: 'plan' })).toEqual({
      ok: false,
      error: { code: 'geography-not-set', reason: 'No geography is set, so byok cannot tell where inference may run.', hint: 'Run: byok config set geography global|us|eu|apac', allowedRegions: [] },
    });
  });
  it('no region: refused, naming the command and no region', () => {
    expect(resolveRoute({ geography: 'eu', task: 'plan' })).toEqual({
      ok: false,
      error: { code: 'region-not-set', reason: 'No source region is set.', hint: 'Run: byok config set region REGION', allowedRegions: [] },
    });
  });
});

describe('a task byok does not know is refused, not silently sent to the default model', () => {
  it('an unknown task is refused even where the route would otherwise resolve', () => {
    const r = resolveRoute({ task: 'bogus', geography: 'eu', region: 'eu-west-1' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('unknown-task');
      expect(r.error.reason).toMatch(/^"bogus" is not a task byok knows/);
      expect(r.error.hint).toMatch(/--model sonnet\|opus/);
      expect(r.error.allowedRegions).toEqual([]);
    }
  });
  it('the unknown task is what is reported, before a missing geography', () => {
    expect(resolveRoute({ task: 'bogus' })).toMatchObject({ ok: false, error: { code: 'unknown-task' } });
  });
});

describe('each geography routes a task to its own profile from the configured source region', () => {
  it.each([
    // aws.md §2.2: the destinations depend on the source region.
    ['plan', 'us', 'us-east-2', 'opus', `us.${O}`, ['us-east-1', 'us-east-2', 'us-west-2'], []],
    ['plan', 'us', 'us-west-1', 'opus', `us.${O}`, ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'], []],
    ['chat', 'us', 'us-west-2', 'sonnet', `us.${S}`, ['us-east-1', 'us-east-2', 'us-west-2'], []],
    ['architecture', 'eu', 'eu-west-3', 'opus', `eu.${O}`, ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'], []],
    ['summarize', 'apac', 'ap-northeast-1', 'sonnet', `jp.${S}`, ['ap-northeast-1', 'ap-northeast-3'], [expect.stringMatching(/^Claude Opus 4\.5 is not available from ap-northeast-1 in APAC: /)]],
    ['plan', 'global', 'eu-west-1', 'opus', `global.${O}`, ['*'], []],
  ] as const)('task %s in %s from %s → %s through %s', (task, geography, region, model, profile, destinations, notes) => {
    expect(resolveRoute({ task, geography, region })).toEqual({
      ok: true,
      value: {
        model,
        modelId: model === 'opus' ? O : S,
        modelName: model === 'opus' ? 'Claude Opus 4.5' : 'Claude Sonnet 4.5',
        inferenceProfileId: profile,
        geography,
        region,
        destinations,
        reason: expect.stringMatching(new RegExp(`^task "${task}": `)),
        notes,
      },
    });
  });
});

describe('APAC has no Opus profile: auto-selected Opus runs on Sonnet inside APAC, and the route says why', () => {
  it('planning from Sydney runs on the au. Sonnet profile, and the reason (once, not again in a note) says Opus is not served there', () => {
    const r = resolveRoute({ task: 'plan', geography: 'apac', region: 'ap-southeast-2' });
    expect(r).toMatchObject({ ok: true, value: { model: 'sonnet', modelId: S, modelName: 'Claude Sonnet 4.5', inferenceProfileId: `au.${S}`, destinations: ['ap-southeast-2', 'ap-southeast-4'] } });
    if (r.ok) {
      expect(r.value.reason).toMatch(/Opus 4\.5.*but no APAC inference profile serves Claude Opus 4\.5.*Using Sonnet 4\.5 inside APAC instead\.$/);
      expect(r.value.notes).toEqual([]);
    }
  });
  it('Opus asked for by name is refused in APAC, never sent through another geography', () => {
    expect(resolveRoute({ model: 'opus', task: 'chat', geography: 'apac', region: 'ap-northeast-1' })).toMatchObject({ ok: false, error: { code: 'model-not-in-geography' } });
  });
  it('when the live Opus profile leaves the EU, planning runs on Sonnet, and the reason keeps "AWS" as AWS', () => {
    const leaky = { profileId: `eu.${O}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'us-east-1'] };
    const r = resolveRoute({ task: 'plan', geography: 'eu', region: 'eu-west-1', catalog: [leaky] });
    expect(r).toMatchObject({ ok: true, value: { model: 'sonnet' } });
    if (r.ok) expect(r.value.reason).toMatch(/, but AWS's live profile list routes eu\.\S+ from eu-west-1 to a region outside .*Using Sonnet 4\.5 inside EU instead\.$/);
  });
  it('when the APAC Opus profile would leave APAC and Sonnet has no profile from that region, the Opus refusal stands', () => {
    // A live entry for an APAC Opus profile from ap-south-1 that routes to us-east-1: ap-south-1 is an
    // APAC region, but no jp./au. Sonnet profile has it as a source either.
    const leaky = { profileId: `apac.${O}`, sourceRegion: 'ap-south-1', destinations: ['ap-south-1', 'us-east-1'] };
    const r = resolveRoute({ task: 'plan', geography: 'apac', region: 'ap-south-1', catalog: [leaky] });
    expect(r).toMatchObject({ ok: false, error: { code: 'profile-leaves-geography', profileId: `apac.${O}`, outsideRegions: ['us-east-1'] } });
  });
});

describe('the route carries what the region check found', () => {
  it('from a region where one model has no profile, the route notes it', () => {
    // §2.2: the global Opus 4.5 profile has no ca-west-1 source; the global Sonnet 4.5 one has.
    const r = resolveRoute({ geography: 'global', region: 'ca-west-1' });
    expect(r).toMatchObject({ ok: true, value: { model: 'sonnet', inferenceProfileId: `global.${S}` } });
    if (r.ok) expect(r.value.notes).toEqual(['Claude Opus 4.5 is not available from ca-west-1 in Global: ca-west-1 is not a source region of the Global profile for Claude Opus 4.5.']);
  });
  it('destinations taken from the live profile list are marked as such', () => {
    const live = { profileId: `us.${S}`, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'us-east-2'] };
    const r = resolveRoute({ task: 'chat', geography: 'us', region: 'us-east-1', catalog: [live] });
    expect(r).toMatchObject({ ok: true, value: { inferenceProfileId: `us.${S}`, destinations: ['us-east-1', 'us-east-2'] } });
    if (r.ok) expect(r.value.notes).toContain(LIVE_NOTE);
  });
  it("destinations from byok's built-in table carry no live-list note", () => {
    const r = resolveRoute({ task: 'chat', geography: 'us', region: 'us-east-1' });
    expect(r.ok && r.value.notes).toEqual([]);
  });
});
