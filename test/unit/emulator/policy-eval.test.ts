import { describe, expect, it } from 'vitest';
import { evaluatePolicies, matchArn, matchArnCondition, matchResource, parsePolicyDocument, resolveVariables } from '../../../src/emulator/policy-eval.js';
import type { PolicyDocument } from '../../../src/emulator/types.js';

const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: Statement.flat() });

describe('evaluatePolicies', () => {
  const req = { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0', context: { 'aws:RequestedRegion': 'us-east-1', 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0' } };
  it.each([
    ['no policies', [], 'implicit-deny'],
    ['allow all', [doc({ Effect: 'Allow', Action: '*', Resource: '*' })], 'allow'],
    ['deny wins', [doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: 'bedrock:Invoke*', Resource: '*' })], 'explicit-deny'],
    ['action wildcard, case-insensitive', [doc({ Effect: 'Allow', Action: 'BEDROCK:invoke*', Resource: 'arn:aws:bedrock:*::foundation-model/*' })], 'allow'],
    ['other action', [doc({ Effect: 'Allow', Action: 'bedrock:InvokeModelWithResponseStream', Resource: '*' })], 'implicit-deny'],
    ['NotAction', [doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })], 'allow'],
    ['wrong region', [doc({ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:us-west-2::foundation-model/*' })], 'implicit-deny'],
    ['StringEquals on the profile', [doc({ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*', Condition: { StringEquals: { 'bedrock:InferenceProfileArn': req.context['bedrock:InferenceProfileArn'] } } })], 'allow'],
    ['ArnLike on another profile', [doc({ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*', Condition: { ArnLike: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*:*:inference-profile/eu.*' } } })], 'implicit-deny'],
    ['missing key fails a positive condition', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:CalledViaLast': 'bedrock.amazonaws.com' } } })], 'implicit-deny'],
    ['IfExists passes a missing key', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualsIfExists: { 'aws:CalledViaLast': 'bedrock.amazonaws.com' } } })], 'allow'],
    ['StringNotEquals', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } } })], 'allow'],
    ['values OR', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } } })], 'allow'],
    ['keys AND', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'bedrock:InferenceProfileArn': 'nope' } } })], 'implicit-deny'],
    // Found in review: Null, ArnEquals wildcards, ForAnyValue over a missing key, ordered operators.
    ['Null true: a Deny on calls without a profile does not hit a profile call', [doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { 'bedrock:InferenceProfileArn': 'true' } } })], 'allow'],
    ['Null true: it hits a call without the key', [doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { 'aws:SourceVpce': 'true' } } })], 'explicit-deny'],
    ['Null false: the key is present', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Null: { 'bedrock:InferenceProfileArn': 'false' } } })], 'allow'],
    ['ArnEquals takes wildcards like ArnLike', [doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { ArnEquals: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*:*:inference-profile/us.*' } } })], 'explicit-deny'],
    ['ForAnyValue over a missing key is false, negated or not', [doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringNotEquals': { 'aws:SourceVpce': 'vpce-1' } } })], 'allow'],
    ['NumericLessThan', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'x:n': '10' } } })], 'implicit-deny'],
    ['an IP condition the emulator does not evaluate: a Deny applies', [doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })], 'explicit-deny'],
    ['an IP condition the emulator does not evaluate: an Allow does not', [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })], 'implicit-deny'],
  ] as const)('%s → %s', (_n, docs, expected) => {
    expect(evaluatePolicies([...docs], req)).toBe(expected);
  });
  it('matches ARNs segment by segment; the resource segment may hold colons', () => {
    expect(matchArn('arn:aws:bedrock:*::foundation-model/*', req.resource)).toBe(true);
    expect(matchArn('arn:aws:bedrock:::foundation-model/*', req.resource)).toBe(false);
    expect(matchArn('arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0', 'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(true);
    expect(matchArn('arn:aws:iam::*:user/*', 'arn:aws:iam::123456789012:user/bob')).toBe(true);
  });
});

describe('parsePolicyDocument (MalformedPolicyDocument)', () => {
  it.each([
    ['Action and NotAction together', { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'iam:*', Resource: '*' }] }],
    ['no Resource', { Statement: [{ Effect: 'Allow', Action: '*' }] }],
    ['an unknown condition operator', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualz: { 'aws:RequestedRegion': 'us-east-1' } } }] }],
  ])('refuses %s', (_n, d) => {
    expect(parsePolicyDocument(JSON.stringify(d))).toBeNull();
  });
  it('accepts IAM operators it does not evaluate, and set/IfExists forms', () => {
    expect(parsePolicyDocument(JSON.stringify({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'x*' }, DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } } }] }))).not.toBeNull();
  });
});

describe('policy variables and ARN matching (issue 11 §2)', () => {
  const ctx = { 'aws:username': 'alice', 'aws:PrincipalAccount': '111122223333' };
  it('${key} takes the request\'s value only under Version 2012-10-17', () => {
    expect(resolveVariables('arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}', ctx, '2012-10-17')).toBe('arn:aws:iam::111122223333:user/alice');
    expect(resolveVariables('user/${aws:username}', ctx, undefined)).toBe('user/${aws:username}');
  });
  it("an absent key matches nothing unless the variable has a default", () => {
    expect(resolveVariables('user/${aws:PrincipalTag/team}', ctx, '2012-10-17')).toBeNull();
    expect(resolveVariables("user/${aws:PrincipalTag/team, 'none'}", ctx, '2012-10-17')).toBe('user/none');
  });
  it('${*} is a literal asterisk, not a wildcard', () => {
    const p = resolveVariables('arn:aws:s3:::bucket/${*}', ctx, '2012-10-17')!;
    expect(matchResource(p, 'arn:aws:s3:::bucket/*')).toBe(true);
    expect(matchResource(p, 'arn:aws:s3:::bucket/anything')).toBe(false);
  });
  it('ArnLike needs six components; a Resource * that ends a segment spans colons', () => {
    const fm = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0';
    expect(matchArnCondition('arn:aws:bedrock:*:foundation-model/*', fm)).toBe(false);
    expect(matchArnCondition('arn:aws:bedrock:*:*:foundation-model/*', fm)).toBe(true);
    expect(matchResource('arn:aws:bedrock:*:foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0', fm)).toBe(true);
    expect(matchResource('arn:aws:bedrock:us-*-1:foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0', fm)).toBe(false);
  });
});
