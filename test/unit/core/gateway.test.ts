// The gateway's pure rules: which client model IDs a workspace serves, refuses for residency, or
// answers as unavailable (reference aws.md §2.1 profile IDs, §1 ARN forms); tokens kept as hashes.
import { describe, expect, it } from 'vitest';
import { classifyClientModel, findToken, newGatewayToken, tokenHash } from '../../../src/core/gateway.js';

const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const OPUS = 'anthropic.claude-opus-4-5-20251101-v1:0';

describe('a client model ID, for a workspace in a geography', () => {
  it('a profile of the workspace geography, a base model ID, and ARNs in the geography are served', () => {
    expect(classifyClientModel(`eu.${SONNET}`, 'eu')).toEqual({ kind: 'served', model: 'sonnet', profileId: `eu.${SONNET}` });
    expect(classifyClientModel(OPUS, 'eu')).toEqual({ kind: 'served', model: 'opus', profileId: null });
    expect(classifyClientModel(`arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.${OPUS}`, 'eu')).toEqual({ kind: 'served', model: 'opus', profileId: `eu.${OPUS}` });
    expect(classifyClientModel(`arn:aws:bedrock:eu-central-1::foundation-model/${SONNET}`, 'eu')).toEqual({ kind: 'served', model: 'sonnet', profileId: null });
    expect(classifyClientModel(`jp.${SONNET}`, 'apac')).toMatchObject({ kind: 'served', profileId: `jp.${SONNET}` });
    expect(classifyClientModel(`us.${SONNET}`, 'global')).toMatchObject({ kind: 'served' });
  });

  it('another geography\'s profile, global from a regional workspace, GovCloud, and an ARN in a region outside are refused, naming the geography', () => {
    for (const [id, geo] of [[`us.${SONNET}`, 'eu'], [`global.${SONNET}`, 'eu'], [`eu.${OPUS}`, 'us'], [`us-gov.${SONNET}`, 'us'], [`us-gov.${SONNET}`, 'global'], [`au.${SONNET}`, 'eu']] as const) {
      const r = classifyClientModel(id, geo);
      expect(r.kind, `${id} in ${geo}`).toBe('outside');
    }
    const r = classifyClientModel(`us.${SONNET}`, 'eu');
    expect(r).toMatchObject({ kind: 'outside', reason: expect.stringMatching(/us\. inference profile, which routes outside the EU geography \(regions in EU member states\)/) });
    expect(classifyClientModel(`arn:aws:bedrock:eu-west-2:123456789012:inference-profile/eu.${SONNET}`, 'eu')).toMatchObject({ kind: 'outside', reason: expect.stringMatching(/eu-west-2, outside the EU geography/) });
    expect(classifyClientModel(`arn:aws:bedrock:::foundation-model/${SONNET}`, 'eu')).toMatchObject({ kind: 'outside' });
  });

  it('models byok does not serve (Haiku, older Claude, other providers, application profiles) are unserved, not refused for residency', () => {
    for (const id of ['eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'eu.anthropic.claude-opus-4-6-v1', 'amazon.nova-lite-v1:0', 'arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123', 'arn:aws:s3:::bucket', '']) {
      expect(classifyClientModel(id, 'eu').kind, id).toBe('unserved');
    }
  });
});

describe('gateway tokens', () => {
  it('a token is found by its SHA-256 only, never once revoked, and a malformed one never matches', () => {
    const a = newGatewayToken();
    expect(a.token).toMatch(/^byok_gw_[A-Za-z0-9_-]{43}$/);
    expect(a.sha256).toBe(tokenHash(a.token));
    expect(a.sha256).not.toContain(a.token.slice(8));
    const rec = { id: a.id, user: 'bob', sha256: a.sha256, createdAt: 'x', createdBy: 'alice' };
    expect(findToken([rec], a.token)?.user).toBe('bob');
    expect(findToken([rec], newGatewayToken().token)).toBeNull();
    expect(findToken([{ ...rec, revokedAt: 'y' }], a.token)).toBeNull();
    expect(findToken([rec], `${a.token}x`)).toBeNull();
    expect(findToken(undefined, a.token)).toBeNull();
  });
});
