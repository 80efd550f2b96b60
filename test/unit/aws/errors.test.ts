import { describe, expect, it } from 'vitest';
import { isAwsOrNetworkError, localSystemError, scrubMessage, toAwsFailure } from '../../../src/aws/errors.js';

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

describe('a system error is an AWS or network failure only when it is a network one', () => {
  const sys = (code: string, syscall: string) => Object.assign(new Error(`${code}: ${syscall}`), { code, syscall });
  it('a connection refused, reset or timed out, or a name that does not resolve, is a network failure', () => {
    expect(isAwsOrNetworkError(sys('ECONNREFUSED', 'connect'))).toBe(true);
    expect(isAwsOrNetworkError(sys('ECONNRESET', 'read'))).toBe(true);
    expect(isAwsOrNetworkError(sys('EPIPE', 'write'))).toBe(true);
    expect(isAwsOrNetworkError(sys('ENOTFOUND', 'getaddrinfo'))).toBe(true);
    expect(isAwsOrNetworkError(sys('EAI_AGAIN', 'getaddrinfo'))).toBe(true);
    expect(isAwsOrNetworkError(sys('EHOSTUNREACH', 'connect'))).toBe(true);
    // A code byok does not list, from a connection or a lookup, is still the network's.
    expect(isAwsOrNetworkError(sys('EAI_FAIL', 'getaddrinfo'))).toBe(true);
    expect(isAwsOrNetworkError(sys('ECONNABORTED', 'connect'))).toBe(true);
  });
  it('a code with no system call behind it is neither (it is not known to be the network or a file)', () => {
    expect(isAwsOrNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(localSystemError(Object.assign(new Error('x'), { code: 'EIO' }))).toBeUndefined();
  });
  it('a file byok could not read, write or find on this machine is not: it is a local problem, with its call, path and code', () => {
    for (const [code, syscall] of [['EIO', 'read'], ['ENOSPC', 'write'], ['EACCES', 'open'], ['ENAMETOOLONG', 'lstat'], ['ENOTDIR', 'lstat'], ['EROFS', 'rename']] as const) {
      const e = Object.assign(sys(code, syscall), { path: '/home/alice/.config/byok/x' });
      expect(isAwsOrNetworkError(e)).toBe(false);
      expect(localSystemError(e)).toEqual({ code, syscall, path: '/home/alice/.config/byok/x' });
    }
    expect(localSystemError(sys('ECONNREFUSED', 'connect'))).toBeUndefined();
    expect(localSystemError(new Error('plain'))).toBeUndefined();
  });
});
