// Refuses an inference payload that carries raw cloud credentials: the product document promises
// they are never sent to the model ("What data is sent during inference"). Pure; reports what it
// found and where, never the value itself. The rules were built from, and are tested against, the
// credential-file formats in test/fixtures/credential-corpus (AWS CLI, console CSV, Terraform,
// s3cmd, boto, SDK code, env files, YAML, JSON, PEM/PGP) and the text there that must pass.

export interface CredentialFinding {
  kind: 'aws-access-key-id' | 'aws-secret-access-key' | 'aws-session-token' | 'private-key';
  /** Character offset of the credential itself in the scanned text. */
  offset: number;
}

// Characters of a secret access key or session token (base64). A value must not continue a longer
// run of them on either side: a 40-character slice of a hash or a blob is not a secret.
const B64 = 'A-Za-z0-9/+';
// Access key IDs: AKIA (long-term) and ASIA (temporary), 20 upper-case letters and digits
// (reference aws.md §6). Bounded by anything but those, so `_` or lower case may touch it.
const KEY_ID = '(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])';
// A secret is 40 characters de facto, and one AWS sample has 41 (reference aws.md §6).
const SECRET_VALUE = `(?<![${B64}])(?<value>[${B64}]{40,41})(?![${B64}])`;
// Between a name and its value: a quote (perhaps escaped, as in JSON inside a string), an operator
// (= : => :=), spaces, a YAML block indicator (| >, chomping + -), at most one line break followed
// by any indentation, another quote. Nothing else, so a name in prose does not reach a distant value.
// Each run of blanks follows a different token, so a long run cannot be split many ways (linear time).
const QUOTE = `(?:\\\\{0,2}["'\`])?`;
const SEP = `${QUOTE}[ \\t]*(?:(?:=>|:=|[:=])[ \\t]*)?(?:[|>][+-]?[ \\t]*)?(?:\\r?\\n[ \\t]*)?${QUOTE}`;
// Names people give a secret key: aws_secret_access_key, AWS_SECRET_KEY, secret_key (Terraform,
// s3cmd), secretKey (Java properties), SecretAccessKey (JSON), "Secret access key" (console CSV,
// aws configure), -SecretKey (PowerShell), aws_secret.
// `aws configure` shows the current value in brackets: "AWS Secret Access Key [****EKEY]: ".
const SECRET_LABEL = '(?:secret[_.\\s-]?(?:access[_.\\s-]?)?key|aws[_.\\s-]?secret)(?:[ \\t]*\\[[^\\]\\n]{0,40}\\])?';
// Names of a session token: aws_session_token, SessionToken, AWS_SECURITY_TOKEN, s3cmd's
// access_token, Terraform's token: all end in "token". Its value is hundreds of base64 characters;
// a JWT (base64url segments joined by dots) is not one.
const TOKEN_VALUE = `(?<![${B64}])(?<value>[${B64}]{100,}={0,2})(?![${B64}=]|\\.[A-Za-z0-9_-])`;

const RULES: { kind: CredentialFinding['kind']; re: RegExp }[] = [
  { kind: 'aws-access-key-id', re: new RegExp(`(?<value>${KEY_ID})`, 'dg') },
  { kind: 'aws-secret-access-key', re: new RegExp(`${SECRET_LABEL}${SEP}${SECRET_VALUE}`, 'dgi') },
  // A secret right after its key ID, as in the console's CSV or "ID:secret".
  { kind: 'aws-secret-access-key', re: new RegExp(`${KEY_ID}[\\s"',:;=|/_]{1,8}${SECRET_VALUE}`, 'dg') },
  { kind: 'aws-session-token', re: new RegExp(`token${SEP}${TOKEN_VALUE}`, 'dgi') },
  // STS session tokens begin with these well-known prefixes, named or not.
  { kind: 'aws-session-token', re: new RegExp(`(?<![${B64}])(?<value>(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AgoJb3JpZ2lu)[${B64}=]{40,})`, 'dg') },
  // PEM private keys of every algorithm, and OpenPGP's "PRIVATE KEY BLOCK".
  { kind: 'private-key', re: /(?<value>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)/dg },
];

export function findCredentials(text: string): CredentialFinding[] {
  const found = new Map<string, CredentialFinding>();
  for (const { kind, re } of RULES) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const offset = m.indices?.groups?.value?.[0] ?? m.index;
      // Two rules may find the same credential (a named token with a known prefix): report it once.
      found.set(`${kind}@${offset}`, { kind, offset });
    }
  }
  return [...found.values()].sort((a, b) => a.offset - b.offset);
}

export function describeFindings(found: CredentialFinding[]): string {
  const kinds = [...new Set(found.map((f) => f.kind))];
  return kinds.map((k) => k.replace(/-/g, ' ')).join(', ');
}
