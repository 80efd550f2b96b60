// The least-privilege BYOK policy, written out from AWS's documented shapes (reference aws.md §3.2
// geographic, §3.3 global three-part, §3.4 Marketplace first use, §4 discovery) and the quotas of
// §7 — never derived from byok's own helpers. Issue 15: each promise here fails if the policy
// grants another action, another resource, drops a condition, or is placed or sized wrongly.
import { describe, expect, it } from 'vitest';
import { buildBedrockPolicy, POLICY_NAME, policySize, samePolicy } from '../../../src/core/iam-policy.js';

const ACCT = '111122223333';
const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const OPUS = 'anthropic.claude-opus-4-5-20251101-v1:0';
const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const fm = (region: string, model: string) => `arn:aws:bedrock:${region}::foundation-model/${model}`;
const profile = (region: string, id: string) => `arn:aws:bedrock:${region}:${ACCT}:inference-profile/${id}`;

// §3.4: the AmazonBedrockLimitedAccess pattern, the three Marketplace actions only via Bedrock.
const MARKETPLACE = {
  Sid: 'MarketplaceFirstUseViaBedrock',
  Effect: 'Allow',
  Action: ['aws-marketplace:Subscribe', 'aws-marketplace:Unsubscribe', 'aws-marketplace:ViewSubscriptions'],
  Resource: '*',
  Condition: { StringEquals: { 'aws:CalledViaLast': ['bedrock.amazonaws.com'] } },
};
// §4: what `byok models check` and `test-connection` read; profile reads scoped to the source region's profiles.
const discovery = (region: string) => [
  { Sid: 'ModelAccessDiscovery', Effect: 'Allow', Action: ['bedrock:GetFoundationModelAvailability', 'bedrock:GetUseCaseForModelAccess'], Resource: '*' },
  { Sid: 'InferenceProfileDiscovery', Effect: 'Allow', Action: ['bedrock:GetInferenceProfile', 'bedrock:ListInferenceProfiles'], Resource: `arn:aws:bedrock:${region}:${ACCT}:inference-profile/*` },
];

/** §3.2: the profile in the source region; the FM in every destination region, only through that profile. */
const geoStatements = (sid: string, region: string, profileId: string, model: string, destinations: string[]) => [
  { Sid: `${sid}Profile`, Effect: 'Allow', Action: INVOKE, Resource: profile(region, profileId) },
  {
    Sid: `${sid}ViaProfile`, Effect: 'Allow', Action: INVOKE,
    Resource: destinations.map((d) => fm(d, model)),
    Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile(region, profileId) } },
  },
];

function build(input: Parameters<typeof buildBedrockPolicy>[0]) {
  const r = buildBedrockPolicy(input);
  if (!r.ok) throw new Error(`expected a policy, got ${r.error.code}: ${r.error.reason}`);
  return r.value;
}
function refuse(input: Parameters<typeof buildBedrockPolicy>[0]) {
  const r = buildBedrockPolicy(input);
  if (r.ok) throw new Error('expected a refusal, got a policy');
  return r.error;
}

describe('the BYOK IAM policy grants exactly what AWS documents, nothing more', () => {
  it('US from us-east-1: each model through its us. profile, the FM in us-east-1, us-east-2 and us-west-2 only via that profile, Marketplace first use via Bedrock, read-only discovery', () => {
    const p = build({ geography: 'us', region: 'us-east-1', accountId: ACCT });
    const dest = ['us-east-1', 'us-east-2', 'us-west-2'];
    expect(p.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        ...geoStatements('Sonnet45', 'us-east-1', `us.${SONNET}`, SONNET, dest),
        ...geoStatements('Opus45', 'us-east-1', `us.${OPUS}`, OPUS, dest),
        MARKETPLACE,
        ...discovery('us-east-1'),
      ],
    });
    expect(JSON.parse(p.json)).toEqual(p.document);
    expect(p.models).toEqual(['sonnet', 'opus']);
    expect(p.notes).toEqual([]);
  });

  it('US from us-west-1: the FM list adds us-west-1, the extra destination AWS routes that source to', () => {
    const p = build({ geography: 'us', region: 'us-west-1', accountId: ACCT, models: ['opus'] });
    expect(p.document.Statement.slice(0, 2)).toEqual(geoStatements('Opus45', 'us-west-1', `us.${OPUS}`, OPUS, ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']));
  });

  it('EU from eu-west-1: the six EU destinations, and no region outside the EU anywhere in the policy', () => {
    const p = build({ geography: 'eu', region: 'eu-west-1', accountId: ACCT, models: ['sonnet'] });
    const eu6 = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'];
    expect(p.document.Statement).toEqual([...geoStatements('Sonnet45', 'eu-west-1', `eu.${SONNET}`, SONNET, eu6), MARKETPLACE, ...discovery('eu-west-1')]);
    expect(p.json).not.toMatch(/eu-west-2|eu-central-2|us-|ap-/);
  });

  it('global from eu-west-1: the three-part policy AWS requires — profile in the requested region, FM in that region via the profile, region-less FM with RequestedRegion "unspecified" via the profile', () => {
    const p = build({ geography: 'global', region: 'eu-west-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false });
    const pArn = profile('eu-west-1', `global.${SONNET}`);
    expect(p.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Sonnet45GlobalProfile', Effect: 'Allow', Action: INVOKE, Resource: pArn, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
        { Sid: 'Sonnet45GlobalInRegionModel', Effect: 'Allow', Action: INVOKE, Resource: fm('eu-west-1', SONNET), Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1', 'bedrock:InferenceProfileArn': pArn } } },
        { Sid: 'Sonnet45GlobalModel', Effect: 'Allow', Action: INVOKE, Resource: `arn:aws:bedrock:::foundation-model/${SONNET}`, Condition: { StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': pArn } } },
        MARKETPLACE,
      ],
    });
  });

  it('global with both models: Opus gets its own three statements on its own profile and model', () => {
    const p = build({ geography: 'global', region: 'us-east-1', accountId: ACCT, withDiscovery: false });
    const pArn = profile('us-east-1', `global.${OPUS}`);
    expect(p.document.Statement.slice(3, 6)).toEqual([
      { Sid: 'Opus45GlobalProfile', Effect: 'Allow', Action: INVOKE, Resource: pArn, Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
      { Sid: 'Opus45GlobalInRegionModel', Effect: 'Allow', Action: INVOKE, Resource: fm('us-east-1', OPUS), Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'bedrock:InferenceProfileArn': pArn } } },
      { Sid: 'Opus45GlobalModel', Effect: 'Allow', Action: INVOKE, Resource: `arn:aws:bedrock:::foundation-model/${OPUS}`, Condition: { StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': pArn } } },
    ]);
    expect(p.document.Statement).toHaveLength(7);
  });

  it('every statement has its own Sid (IAM requires Sids to be unique within a policy)', () => {
    for (const geography of ['us', 'global'] as const) {
      const sids = build({ geography, region: 'us-east-1', accountId: ACCT }).document.Statement.map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });

  it('--no-discovery leaves out every read-only discovery action; the default keeps them', () => {
    const without = build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false });
    expect(without.document.Statement.map((s) => s.Sid)).toEqual(['Sonnet45Profile', 'Sonnet45ViaProfile', 'MarketplaceFirstUseViaBedrock']);
    expect(without.json).not.toMatch(/GetFoundationModelAvailability|GetUseCaseForModelAccess|GetInferenceProfile|ListInferenceProfiles/);
    const byDefault = build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'] });
    expect(byDefault.document.Statement.slice(3)).toEqual(discovery('us-east-1'));
  });

  it('only the models asked for are granted; an empty list means both', () => {
    expect(build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'] }).json).not.toContain('opus');
    expect(build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['opus'] }).json).not.toContain('sonnet');
    expect(build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['opus', 'opus'] }).models).toEqual(['opus']);
    expect(build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: [] }).models).toEqual(['sonnet', 'opus']);
  });
});

describe('APAC: Sonnet through jp./au. only; Opus has no APAC profile', () => {
  it('by default the policy grants Sonnet alone and says why Opus is left out', () => {
    const p = build({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, withDiscovery: false });
    expect(p.document.Statement).toEqual([...geoStatements('Sonnet45', 'ap-northeast-1', `jp.${SONNET}`, SONNET, ['ap-northeast-1', 'ap-northeast-3']), MARKETPLACE]);
    expect(p.models).toEqual(['sonnet']);
    expect(p.notes).toHaveLength(2);
    expect(p.notes[0]).toMatch(/^Claude Opus 4\.5 is left out: No APAC inference profile serves Claude Opus 4\.5/);
    expect(p.notes[1]).toBe('APAC: AWS offers Sonnet 4.5 through the jp. and au. profiles only; no APAC profile serves Opus 4.5.');
  });

  it('asking for Sonnet alone in APAC still notes that no APAC profile serves Opus; no such note outside APAC', () => {
    expect(build({ geography: 'apac', region: 'ap-southeast-2', accountId: ACCT, models: ['sonnet'] }).notes).toEqual(['APAC: AWS offers Sonnet 4.5 through the jp. and au. profiles only; no APAC profile serves Opus 4.5.']);
    expect(build({ geography: 'eu', region: 'eu-west-1', accountId: ACCT, models: ['sonnet'] }).notes).toEqual([]);
  });

  it('once AWS lists an apac. Opus profile staying in Asia Pacific, Opus is granted and the "no APAC Opus" note is gone', () => {
    const catalog = [{ profileId: `apac.${OPUS}`, sourceRegion: 'ap-northeast-1', destinations: ['ap-northeast-1', 'ap-southeast-1'], status: 'ACTIVE' }];
    const p = build({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, catalog, withDiscovery: false });
    expect(p.models).toEqual(['sonnet', 'opus']);
    expect(p.notes).toEqual([]);
    expect(p.document.Statement.slice(2, 4)).toEqual(geoStatements('Opus45', 'ap-northeast-1', `apac.${OPUS}`, OPUS, ['ap-northeast-1', 'ap-southeast-1']));
  });

  it('asking for Opus explicitly in APAC is refused, not silently dropped', () => {
    expect(refuse({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, models: ['opus'] }).code).toBe('model-not-in-geography');
  });
});

describe('no policy at all when it would break residency or the input is wrong', () => {
  it('an account ID that is not exactly 12 digits is refused, saying which value and how to find the right one', () => {
    for (const bad of ['123', 'x111122223333', '1111222233334', '11112222333', '']) {
      const e = refuse({ geography: 'us', region: 'us-east-1', accountId: bad });
      expect(e.code).toBe('invalid-account');
      expect(e.reason).toBe(`"${bad}" is not a 12-digit AWS account ID.`);
      expect(e.hint).toBe('Pass --account 123456789012 (aws sts get-caller-identity shows it).');
      expect(e.allowedRegions).toEqual([]);
    }
  });

  it('a long bad account value is cut to 20 characters in the message', () => {
    const e = refuse({ geography: 'us', region: 'us-east-1', accountId: '1'.repeat(40) });
    expect(e.reason).toBe(`"${'1'.repeat(20)}" is not a 12-digit AWS account ID.`);
  });

  it('a source region outside the geography gets no policy', () => {
    expect(refuse({ geography: 'eu', region: 'us-east-1', accountId: ACCT }).code).toBe('region-outside-geography');
  });

  it("where AWS's live list routes every profile from the region outside the geography, no policy is built and the notes say why", () => {
    const catalog = [SONNET, OPUS].map((m) => ({ profileId: `us.${m}`, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'ca-central-1'], status: 'ACTIVE' }));
    const e = refuse({ geography: 'us', region: 'us-east-1', accountId: ACCT, catalog });
    expect(e.code).toBe('no-model-servable');
    expect(e.reason).toBe('No requested model has a US inference profile from us-east-1.');
    expect(e.hint).toMatch(/^Claude Sonnet 4\.5 is left out: .*outside.* Claude Opus 4\.5 is left out: /);
    expect(e.allowedRegions).toEqual([]);
  });
});

describe("placement follows IAM's size quotas (§7: 2,048 for all of a user's inline policies, 6,144 managed, whitespace not counted)", () => {
  it('size is the character count without whitespace', () => {
    expect(policySize('{ "a" :\n\t[ 1 ,  2 ] }')).toBe('{"a":[1,2]}'.length);
    expect(policySize('abc')).toBe(3);
  });

  const sonnetUs = { Version: '2012-10-17', Statement: [...geoStatements('Sonnet45', 'us-east-1', `us.${SONNET}`, SONNET, ['us-east-1', 'us-east-2', 'us-west-2']), MARKETPLACE] };
  const expectedSize = JSON.stringify(sonnetUs).length;

  it('a policy that fits with the other inline policies, to the last character, is inline', () => {
    const p = build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false, otherInlineSize: 2048 - expectedSize });
    expect(p.size).toBe(expectedSize);
    expect(p.placement).toBe('inline');
    expect(p.reason).toBe(`${expectedSize} characters (+${2048 - expectedSize} in the user's other inline policies) fit the 2048-character limit for all of a user's inline policies, so an inline policy is enough`);
    const alone = build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false });
    expect(alone.reason).toBe(`${expectedSize} characters fit the 2048-character limit for all of a user's inline policies, so an inline policy is enough`);
  });

  it('one character over the inline total moves it to a customer-managed policy', () => {
    const p = build({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false, otherInlineSize: 2049 - expectedSize });
    expect(p.placement).toBe('managed');
    expect(p.reason).toBe(`${expectedSize} characters (+${2049 - expectedSize} already inline) exceed the 2048-character inline limit for a user, so a customer-managed policy (limit 6144) is used`);
  });

  it('global + both models + discovery exceeds 2,048 on its own and is managed', () => {
    const p = build({ geography: 'global', region: 'us-east-1', accountId: ACCT });
    expect(p.size).toBeGreaterThan(2048);
    expect(p.placement).toBe('managed');
    expect(p.reason).toBe(`${p.size} characters exceed the 2048-character inline limit for a user, so a customer-managed policy (limit 6144) is used`);
  });

  // A live APAC profile with many Asia Pacific destinations makes the policy long; each extra
  // character in one destination name adds exactly one character to the (single) FM list.
  const apacCatalog = (names: string[]) => [{ profileId: `jp.${SONNET}`, sourceRegion: 'ap-northeast-1', destinations: names, status: 'ACTIVE' }];
  const manyRegions = (n: number, pad: number) => Array.from({ length: n }, (_, i) => `ap-${i === 0 ? 'x'.repeat(pad + 1) : 'r' + String.fromCharCode(97 + (i % 26)).repeat(1 + Math.floor(i / 26))}-1`);
  function sized(target: number) {
    const base = build({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false, catalog: apacCatalog(manyRegions(55, 0)) });
    const pad = target - base.size;
    if (pad < 0) throw new Error(`calibration: base policy is already ${base.size}`);
    return apacCatalog(manyRegions(55, pad));
  }

  it('a policy of exactly 6,144 characters is still placed as a managed policy', () => {
    const p = build({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false, catalog: sized(6144) });
    expect(policySize(p.json)).toBe(6144);
    expect(p.placement).toBe('managed');
  });

  it('a policy above 6,144 characters is refused, with the way out: one model per policy', () => {
    const e = refuse({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, models: ['sonnet'], withDiscovery: false, catalog: sized(6145) });
    expect(e.code).toBe('policy-too-large');
    expect(e.reason).toBe('The policy is 6145 characters, above the 6144-character limit of a managed policy.');
    expect(e.hint).toBe('Generate it for one model at a time (--models sonnet) and attach two policies.');
    expect(e.allowedRegions).toEqual([]);
  });
});

describe('the policy name and the comparison that keeps provisioning idempotent', () => {
  it("the policy is named byok-bedrock-invoke, a valid IAM policy name (1–128 of [\\w+=,.@-])", () => {
    expect(POLICY_NAME).toBe('byok-bedrock-invoke');
    expect(POLICY_NAME).toMatch(/^[\w+=,.@-]{1,128}$/);
  });

  it('the same policy pretty-printed counts as the same; another statement, or a document that is not JSON, does not', () => {
    const a = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}';
    expect(samePolicy(a, JSON.stringify(JSON.parse(a), null, 2))).toBe(true);
    expect(samePolicy(a, a.replace('InvokeModel', 'InvokeModelWithResponseStream'))).toBe(false);
    expect(samePolicy(a, '{not json')).toBe(false);
    expect(samePolicy('{not json', '{not json')).toBe(false);
  });
});
