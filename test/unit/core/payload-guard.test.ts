import { describe, expect, it } from 'vitest';
import { findCredentials } from '../../../src/core/payload-guard.js';

describe('findCredentials', () => {
  it.each([
    ['an access key id', 'use AKIAIOSFODNN7EXAMPLE please', ['aws-access-key-id']],
    ['a temporary key id', 'ASIAZ7EXAMPLETMP0002', ['aws-access-key-id']],
    ['a named secret', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['aws-secret-access-key']],
    ['a secret after its key id', 'AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['aws-access-key-id', 'aws-secret-access-key']],
    ['a session token', `token IQoJb3JpZ2luX2VjE${'A'.repeat(120)}`, ['aws-session-token']],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...', ['private-key']],
    ['an openssh key', '-----BEGIN OPENSSH PRIVATE KEY-----', ['private-key']],
  ])('finds %s', (_n, text, kinds) => {
    expect(findCredentials(text).map((f) => f.kind)).toEqual(kinds);
  });

  it.each([
    ['plain prose', 'Summarise the incident in eu-west-1 and propose a runbook.'],
    ['a git sha', 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8'],
    ['a sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['a user id', 'AIDAJQABLZS4A3QDU576Q is the user id'],
    ['a masked key', 'AKIA************MPLE'],
    ['a public key', '-----BEGIN PUBLIC KEY-----'],
  ])('lets %s through', (_n, text) => {
    expect(findCredentials(text)).toEqual([]);
  });
});
