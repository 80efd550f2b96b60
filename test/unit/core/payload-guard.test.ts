// The prompt guard (product document: raw cloud credentials are never sent to the model), tested
// against a corpus of real credential-file formats with made-up keys (AWS's documented examples
// and variations), and against text that must pass: prose, hashes, IDs, images, JWTs.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFindings, findCredentials } from '../../../src/core/payload-guard.js';

const CORPUS = join(import.meta.dirname, '../../fixtures/credential-corpus');
const ID = 'aws-access-key-id';
const SECRET = 'aws-secret-access-key';
const TOKEN = 'aws-session-token';
const PEM = 'private-key';
const kinds = (text: string) => findCredentials(text).map((f) => f.kind);

// What each file holds, in the order it holds it.
const POSITIVE: Record<string, string[]> = {
  'aws-cli-credentials.ini': [ID, SECRET, ID, SECRET, TOKEN],
  'aws-cli-config.ini': [ID, SECRET],
  'aws-console-access-keys.csv': [ID, SECRET],
  'aws-configure-transcript.txt': [ID, SECRET, ID, SECRET],
  'iam-create-access-key.json': [ID, SECRET],
  'aws-tools-powershell.ps1': [ID, SECRET],
  'terraform-provider.tf': [ID, SECRET, TOKEN],
  's3cmd.s3cfg': [ID, SECRET],
  'boto.cfg': [ID, SECRET, TOKEN],
  'boto3-client.py': [ID, SECRET],
  'dotenv.env': [ID, SECRET, TOKEN],
  'legacy-env.sh': [ID, SECRET, TOKEN],
  'ansible-vars.yml': [ID, SECRET, TOKEN],
  'k8s-secret.yml': [ID, SECRET, TOKEN],
  'github-actions.yml': [ID, SECRET],
  'sts-get-session-token.json': [ID, SECRET, TOKEN],
  'js-sdk-client.mjs': [ID, SECRET],
  'escaped-json.log': [ID, SECRET],
  'aws-sdk-java.properties': [ID, SECRET],
  'key-id-joined.txt': [ID, ID, SECRET],
  'private-keys.pem': [PEM, PEM, PEM, PEM],
  'openssh-private-key': [PEM],
  'pgp-private-key.asc': [PEM],
  'gcp-service-account.json': [PEM],
};

describe('the credential corpus', () => {
  it('every file in the corpus has its expectation here', () => {
    expect(readdirSync(join(CORPUS, 'positive')).sort()).toEqual(Object.keys(POSITIVE).sort());
  });
  it.each(Object.entries(POSITIVE))('finds every credential in %s', (file, expected) => {
    expect(kinds(readFileSync(join(CORPUS, 'positive', file), 'utf8'))).toEqual(expected);
  });
  // JWTs pass: they are application bearer tokens, not AWS credentials (reference aws.md §6), and
  // people paste them to debug auth; refusing them would block ordinary work for no AWS secret.
  it.each(readdirSync(join(CORPUS, 'negative')))('lets %s through', (file) => {
    expect(findCredentials(readFileSync(join(CORPUS, 'negative', file), 'utf8'))).toEqual([]);
  });
});

describe('findCredentials: the misses of issue 9', () => {
  const s40 = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  it.each([
    ['secret_key = <40 chars> (Terraform, s3cmd)', `secret_key = "${s40}"`, [SECRET]],
    ['AWS_SECRET_KEY=', `AWS_SECRET_KEY=${s40}`, [SECRET]],
    ['a label, a YAML newline and a deeper indent', `creds:\n  aws_secret_access_key:\n        ${s40}\n`, [SECRET]],
    ['a YAML block scalar', `aws_secret_access_key: |\n    ${s40}\n`, [SECRET]],
    ['a PGP private key block', '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF', [PEM]],
    ['a 41-character secret', `aws_secret_access_key = ${s40}Z`, [SECRET]],
    ['a key ID joined to _', 'see AKIAIOSFODNN7EXAMPLE_prod', [ID]],
    ['a key ID after _', 'file key_AKIAIOSFODNN7EXAMPLE.csv', [ID]],
    ['a secret joined to its key ID by _', `AKIAIOSFODNN7EXAMPLE_${s40}`, [ID, SECRET]],
    ['an unnamed session token by its STS prefix', `here: IQoJb3JpZ2luX2VjE${'Ab1+'.repeat(40)}`, [TOKEN]],
  ])('finds %s', (_n, text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it('a named session token is found whatever its first characters (AWS documentation example)', () => {
    const token = 'AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/LTo6UDdyJwOOvEVPvLXCrrrUtdnniCEXAMPLE/IvU1dYUg2RVAJBanLiHb4IgRmpRV3zrkuWJOgQs8IZZaIv2BXIa2R4OlgkBN9bkUDNCJiBeb/AXlzBBko7b15fjrBs2+cTQtpZ3CYWFXG8C5zqx37wnOE49mRl/+OtkIKGO7fAE';
    for (const label of ['aws_session_token = ', 'AWS_SESSION_TOKEN=', '"SessionToken": "', 'sessionToken: ', 'AWS_SECURITY_TOKEN=', 'token = "']) {
      expect(kinds(`${label}${token}`), label).toEqual([TOKEN]);
    }
  });
});

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';
const b64 = (min: number, max: number) => fc.array(fc.constantFrom(...B64), { minLength: min, maxLength: max }).map((a) => a.join(''));
/** Any mix of upper and lower case: a label is a name, and people write names every way. */
const anyCase = (labels: string[]) =>
  fc.tuple(fc.constantFrom(...labels), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })).map(([l, up]) => [...l].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
const SEPARATORS = [' = ', '=', ': ', ':\n      ', '": "', "='", ' '];
const noKeyId = (s: string) => !/A[KS]IA/.test(s);

describe('findCredentials: properties', () => {
  it('a secret label is matched in any letter case', () => {
    const labels = ['aws_secret_access_key', 'secret_access_key', 'secret_key', 'secretAccessKey', 'aws.secretKey', 'secret-access-key', 'aws_secret'];
    fc.assert(
      fc.property(anyCase(labels), fc.constantFrom(...SEPARATORS), b64(40, 41).filter(noKeyId), (label, sep, secret) => {
        expect(kinds(`${label}${sep}${secret}\n`)).toEqual([SECRET]);
      }),
      { numRuns: 2000 },
    );
  });

  it('a session token label is matched in any letter case', () => {
    const labels = ['aws_session_token', 'SessionToken', 'security_token', 'token', 'access_token'];
    fc.assert(
      fc.property(anyCase(labels), fc.constantFrom(...SEPARATORS), b64(100, 600).filter(noKeyId), (label, sep, token) => {
        expect(kinds(`${label}${sep}${token}\n`)).toEqual([TOKEN]);
      }),
      { numRuns: 1000 },
    );
  });

  // A bare 40-character string has a secret's shape, and so do hashes and base64: only a name
  // that says "secret", or a key ID right before it, makes it one.
  const innocent = ['commit', 'sha1', 'digest', 'etag', 'nonce', 'checksum', 'id', 'the hash is', 'key', 'value'];
  it('a 40- or 41-character run without a secret label or key ID before it is not a secret', () => {
    fc.assert(
      fc.property(fc.constantFrom(...innocent), fc.constantFrom(...SEPARATORS), b64(40, 41).filter(noKeyId), (word, sep, run) => {
        expect(findCredentials(`${word}${sep}${run}\n`)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('a key ID elsewhere in the text does not make a distant hash a secret', () => {
    const sha1 = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    expect(kinds(`AKIAIOSFODNN7EXAMPLE was rotated; see commit ${sha1}`)).toEqual([ID]);
    expect(kinds(`AKIAIOSFODNN7EXAMPLE (rotated)\n\ncommit ${sha1}`)).toEqual([ID]);
    expect(kinds(`AKIAIOSFODNN7EXAMPLE\n\n\n\n\n\n\n\n\n${sha1}`)).toEqual([ID]);
  });

  it('only the exact shapes: a 39- or 64-character value, a name run into a value, or a 21-character key ID is not reported', () => {
    expect(findCredentials('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE')).toEqual([]);
    // An application's own signing key (Flask, Django) is not an AWS secret access key (40 or 41, §6).
    expect(findCredentials("SECRET_KEY = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'")).toEqual([]);
    expect(findCredentials('const secretKeyRotationScheduleForAllTheBedrockUsersInEU = 1;')).toEqual([]);
    expect(findCredentials('AKIAIOSFODNN7EXAMPLEX')).toEqual([]);
    expect(findCredentials('session_token = short')).toEqual([]);
  });

  it('a finding names the kind and where, never the value', () => {
    const [f] = findCredentials('x aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(f).toEqual({ kind: SECRET, offset: 26 });
  });
});

describe('the refusal says what it found, in words, never the value', () => {
  it('each kind once, in the order found, spelled with spaces; no value and no offset', () => {
    const text = 'AKIAIOSFODNN7EXAMPLE and AKIAI44QH8DHBEXAMPLE, aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n-----BEGIN RSA PRIVATE KEY-----';
    const said = describeFindings(findCredentials(text));
    expect(said).toBe('aws access key id, aws secret access key, private key');
    expect(said).not.toMatch(/AKIA|wJalr|\d/);
  });
  it('nothing found, nothing said', () => expect(describeFindings([])).toBe(''));
});
