import { describe, expect, it } from 'vitest';
import { scrubMessage, toAwsFailure } from '../../../src/aws/errors.js';

describe('scrubMessage', () => {
  const s40 = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const s41 = `${s40}Z`;
  const token = 'IQoJb3JpZ2luX2VjE'.padEnd(400, 'AbCd+/=');
  it.each([
    ['a 40-character secret', `bad secret ${s40} here`, s40],
    ['a 41-character secret', `bad secret ${s41}.`, s41],
    ['a session token', `token=${token}`, token],
  ])('hides %s', (_label, text, secret) => {
    const out = scrubMessage(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('****');
  });
  it('masks access key IDs to their ends and leaves ordinary AWS text alone', () => {
    const text = 'User: arn:aws:iam::123456789012:user/byok-bedrock is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0 (AKIAIOSFODNN7EXAMPLE, request 0f3c2d1e-5b6a-4c7d-8e9f-0a1b2c3d4e5f)';
    const out = scrubMessage(text);
    expect(out).toContain('AKIA************MPLE');
    expect(out).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(out.replace('AKIA************MPLE', 'AKIAIOSFODNN7EXAMPLE')).toBe(text);
  });
  it('network errors are marked as such; AWS answers are not', () => {
    expect(toAwsFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toMatchObject({ network: true, category: 'service-unavailable' });
    expect(toAwsFailure(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }))).toMatchObject({ network: false, category: 'throttled', status: 429 });
  });
});
