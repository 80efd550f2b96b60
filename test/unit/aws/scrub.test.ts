// What byok prints passes the scrubber (issue 9 item 11): secrets and key IDs masked in any
// setting, and nothing else changed — a digest in a model's answer must reach the admin intact.
import { describe, expect, it } from 'vitest';
import { scrubMessage } from '../../../src/aws/errors.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('the output scrubber', () => {
  it.each([
    [`secret ${SECRET} end`],
    [`"${SECRET}"`],
    [`k=${SECRET}x`], // 41 characters
    [`AWS_KEY_AKIAIOSFODNN7EXAMPLE_prod`],
    [`id:AKIAIOSFODNN7EXAMPLE.`],
  ])('masks the secret or key ID in %s', (text) => {
    const out = scrubMessage(text);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it.each([
    ['review commit 3f786850e387550fdab836ed7e6dc881de23001b please'],
    ['sha1 DA39A3EE5E6B4B0D3255BFEF95601890AFD80709'],
    ['sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ])('leaves a hex digest as it is: %s', (text) => {
    expect(scrubMessage(text)).toBe(text);
  });
});
