import { describe, expect, it } from 'vitest';
import { buildBedrockPolicy, INLINE_LIMIT, MANAGED_LIMIT } from '../../../src/core/iam-policy.js';

const ACCT = '111122223333';
describe('buildBedrockPolicy', () => {
  it.each([
    ['global', 'us-east-1'],
    ['us', 'us-east-1'],
    ['us', 'us-west-1'],
    ['eu', 'eu-west-1'],
    ['apac', 'ap-northeast-1'],
  ] as const)('%s from %s: measured, placed, every destination covered', (geography, region) => {
    const r = buildBedrockPolicy({ geography, region, accountId: ACCT });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.size).toBe(r.value.json.replace(/\s/g, '').length);
    expect(r.value.size <= INLINE_LIMIT ? 'inline' : 'managed').toBe(r.value.placement);
    expect(r.value.size).toBeLessThanOrEqual(MANAGED_LIMIT);
    const text = r.value.json;
    expect(text).toContain('bedrock:InvokeModelWithResponseStream');
    expect(text).toContain('aws:CalledViaLast');
    if (geography === 'global') expect(text).toContain('"aws:RequestedRegion":"unspecified"');
    if (geography === 'us' && region === 'us-west-1') expect(text).toContain('arn:aws:bedrock:us-west-1::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0');
    if (geography === 'apac') {
      expect(r.value.models).toEqual(['sonnet']);
      expect(r.value.notes.join(' ')).toMatch(/Opus 4.5/);
      expect(text).not.toContain('opus');
    }
  });
  it('refuses a bad account, a region outside the geography, and Opus explicitly in APAC', () => {
    expect(buildBedrockPolicy({ geography: 'us', region: 'us-east-1', accountId: '123' }).ok).toBe(false);
    expect(buildBedrockPolicy({ geography: 'eu', region: 'us-east-1', accountId: ACCT }).ok).toBe(false);
    expect(buildBedrockPolicy({ geography: 'apac', region: 'ap-northeast-1', accountId: ACCT, models: ['opus'] }).ok).toBe(false);
  });
  it('adds discovery actions on request, and moves to a managed policy when inline space is used up', () => {
    const r = buildBedrockPolicy({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'], withDiscovery: true });
    expect(r.ok && r.value.json).toContain('bedrock:GetFoundationModelAvailability');
    const crowded = buildBedrockPolicy({ geography: 'us', region: 'us-east-1', accountId: ACCT, models: ['sonnet'], otherInlineSize: 1900 });
    expect(crowded.ok && crowded.value.placement).toBe('managed');
  });
});
