import { describe, expect, it } from 'vitest';
import { iamUserFromArn, policyFix } from '../../../src/core/policy-fix.js';
import { problemFor } from '../../../src/core/troubleshooting.js';

// reference aws.md §3.4 (secondary sources there): the AccessDenied for the Marketplace first-use actions.
const MARKETPLACE = 'Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock User Guide for more information. If you recently fixed this issue, try again after 15 minutes.';

describe('problemFor', () => {
  it('a Marketplace first-use denial is its own problem, not the use-case form', () => {
    expect(problemFor({ category: 'model-access-denied', message: MARKETPLACE })).toBe('marketplace-permission');
    expect(problemFor({ category: 'model-access-denied', message: 'Model use case details have not been submitted for this account' })).toBe('model-access-denied');
    expect(problemFor({ category: 'iam-permission', message: 'not authorized to perform: bedrock:InvokeModel' })).toBe('iam-permission');
  });
});

describe('iamUserFromArn', () => {
  it('reads the user name of a user ARN, with or without a path; nothing for roles', () => {
    expect(iamUserFromArn('arn:aws:iam::123456789012:user/app')).toBe('app');
    expect(iamUserFromArn('arn:aws:iam::123456789012:user/team/ml/app.bot')).toBe('app.bot');
    expect(iamUserFromArn('arn:aws:sts::123456789012:assumed-role/Admin/session')).toBeNull();
    expect(iamUserFromArn(undefined)).toBeNull();
  });
});

describe('policyFix', () => {
  it('fills every value of its commands, and gives none without an account to name', () => {
    const f = policyFix({ workspace: 'acme', geography: 'eu', region: 'eu-west-1', accountId: '123456789012', userName: 'byok-acme' })!;
    expect(f.putPolicy).toBe('byok iam put-policy --workspace acme --user-name byok-acme');
    expect(f.printPolicy).toBe('byok iam policy-document --workspace acme --geography eu --region eu-west-1 --account 123456789012');
    const sids = f.document.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    expect(policyFix({ workspace: 'acme', geography: 'eu', region: 'eu-west-1', accountId: '123456789012', userName: null })!.putPolicy).toBeNull();
    expect(policyFix({ workspace: 'acme', geography: 'eu', region: 'eu-west-1', accountId: null, userName: 'x' })).toBeNull();
  });
});
