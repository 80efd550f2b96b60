import { describe, expect, it } from 'vitest';
import { deniedAccess, deniedBy, grantingStatement, parseAccessDenied, profileArn } from '../../../src/aws/permissions.js';
import { regionOfModelArn } from '../../../src/aws/bedrock.js';
import { compareDestinations } from '../../../src/app/models.js';

const FM = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('parseAccessDenied', () => {
  it('reads the action and resource from AWS wording', () => {
    const m = `User: arn:aws:iam::123456789012:user/byok is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/${FM} because no identity-based policy allows the bedrock:InvokeModel action`;
    expect(parseAccessDenied(m)).toEqual({ action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:us-west-2::foundation-model/${FM}` });
  });
  it('returns null when the message names nothing', () => {
    expect(parseAccessDenied('The request is denied because you do not have sufficient permissions.')).toBeNull();
    expect(parseAccessDenied(undefined)).toBeNull();
  });
  it('falls back to the operation and the profile ARN', () => {
    const arn = profileArn('us-east-1', '123456789012', `us.${FM}`);
    expect(deniedAccess('denied', 'ConverseStream', arn)).toEqual({ action: 'bedrock:InvokeModelWithResponseStream', resource: arn, fromMessage: false });
  });
});

describe('grantingStatement (reference §3.2, §3.3)', () => {
  const pArn = profileArn('us-east-1', '123456789012', `us.${FM}`);
  it('grants a destination-region FM only through the profile', () => {
    const s = grantingStatement({ action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:us-west-2::foundation-model/${FM}` }, { region: 'us-east-1', profileArn: pArn });
    expect(s.Resource).toBe(`arn:aws:bedrock:us-west-2::foundation-model/${FM}`);
    expect(s.Condition).toEqual({ StringEquals: { 'bedrock:InferenceProfileArn': pArn } });
  });
  it('adds aws:RequestedRegion unspecified for the global region-less FM', () => {
    const g = profileArn('us-east-1', '123456789012', `global.${FM}`);
    const s = grantingStatement({ action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:::foundation-model/${FM}` }, { region: 'us-east-1', profileArn: g });
    expect(s.Condition).toEqual({ StringEquals: { 'bedrock:InferenceProfileArn': g, 'aws:RequestedRegion': 'unspecified' } });
  });
  it('conditions the global profile on the requesting region', () => {
    const g = profileArn('eu-west-1', '123456789012', `global.${FM}`);
    const s = grantingStatement({ action: 'bedrock:InvokeModelWithResponseStream', resource: g }, { region: 'eu-west-1', profileArn: g });
    expect(s).toMatchObject({ Effect: 'Allow', Action: 'bedrock:InvokeModelWithResponseStream', Resource: g, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } });
  });
  it('statements for different resources never share a Sid (IAM refuses a policy that repeats one), and Sids stay alphanumeric', () => {
    const stmts = ['us-east-1', 'us-east-2', 'us-west-2'].flatMap((r) =>
      ['sonnet-4-5-20250929', 'opus-4-5-20251101'].flatMap((m) =>
        ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'].flatMap((action) => [
          grantingStatement({ action, resource: `arn:aws:bedrock:${r}::foundation-model/anthropic.claude-${m}-v1:0` }, { region: 'us-east-1', profileArn: pArn }),
          grantingStatement({ action, resource: profileArn(r, '123456789012', `us.anthropic.claude-${m}-v1:0`) }, { region: r, profileArn: pArn }),
        ]),
      ),
    );
    const sids = stmts.map((x) => x.Sid);
    expect(new Set(sids).size).toBe(stmts.length);
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
  });
  it('uses * for account-level discovery actions', () => {
    expect(grantingStatement({ action: 'bedrock:GetUseCaseForModelAccess', resource: '*' }, { region: 'us-east-1', profileArn: null }).Resource).toBe('*');
  });
});

describe('profile comparison', () => {
  it('parses regions from FM ARNs, region-less global ones excluded', () => {
    expect(regionOfModelArn(`arn:aws:bedrock:eu-west-3::foundation-model/${FM}`)).toBe('eu-west-3');
    expect(regionOfModelArn(`arn:aws:bedrock:::foundation-model/${FM}`)).toBe('');
    expect(regionOfModelArn('arn:aws:iam::1:user/x')).toBeNull();
  });
  it('reports what AWS adds and what it no longer lists', () => {
    expect(compareDestinations(['us-east-1', 'us-east-2'], ['us-east-1', 'us-east-2'])).toBeNull();
    expect(compareDestinations(['us-east-1', 'us-east-2'], ['us-east-1', 'us-west-2'])).toEqual({ added: ['us-west-2'], removed: ['us-east-2'] });
    expect(compareDestinations(['*'], ['eu-west-1'])).toBeNull();
  });
});

describe('which policy denied (issue 11 §2; IAM "Troubleshoot access denied error messages")', () => {
  const head = 'User: arn:aws:iam::123456789012:user/byok is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/x';
  it.each([
    [`${head} with an explicit deny in a service control policy`, { policy: 'service control policy', explicit: true }],
    [`${head} with an explicit deny in a service control policy: arn:aws:organizations::111122223333:policy/o-a/service_control_policy/p-b`, { policy: 'service control policy', explicit: true, policyArn: 'arn:aws:organizations::111122223333:policy/o-a/service_control_policy/p-b' }],
    [`${head} with an explicit deny in a permissions boundary: arn:aws:iam::123456789012:policy/DeveloperBoundary`, { policy: 'permissions boundary', explicit: true, policyArn: 'arn:aws:iam::123456789012:policy/DeveloperBoundary' }],
    [`${head} because no service control policy allows the bedrock:InvokeModel action`, { policy: 'service control policy', explicit: false }],
    [`${head} because no permissions boundary allows the bedrock:InvokeModel action`, { policy: 'permissions boundary', explicit: false }],
    [`${head} with an explicit deny in a permissions boundary`, { policy: 'permissions boundary', explicit: true }],
    [`${head} with an explicit deny in an identity-based policy`, { policy: 'identity-based policy', explicit: true }],
    [`${head} because no identity-based policy allows the bedrock:InvokeModel action`, { policy: 'identity-based policy', explicit: false }],
    [`${head}`, null],
  ])('%s', (m, want) => {
    expect(deniedBy(m)).toEqual(want);
  });
  it('reads IAM\'s "user NAME" and "policy NAME" as ARNs in the caller\'s account', () => {
    expect(parseAccessDenied('User: arn:aws:iam::123456789012:user/a is not authorized to perform: iam:ListAccessKeys on resource: user bob because no identity-based policy allows the iam:ListAccessKeys action')).toEqual({ action: 'iam:ListAccessKeys', resource: 'arn:aws:iam::123456789012:user/bob' });
    expect(parseAccessDenied('User: arn:aws:iam::123456789012:user/a is not authorized to perform: iam:CreatePolicy on resource: policy p1 because no identity-based policy allows the iam:CreatePolicy action')?.resource).toBe('arn:aws:iam::123456789012:policy/p1');
    expect(parseAccessDenied('User: arn:aws:iam::123456789012:user/a is not authorized to perform: iam:GetPolicy on resource: policy arn:aws:iam::aws:policy/X because no identity-based policy allows the iam:GetPolicy action')?.resource).toBe('arn:aws:iam::aws:policy/X');
  });
});
