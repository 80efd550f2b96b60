// Refuses an inference payload that carries raw cloud credentials: the product document promises
// they are never sent to the model ("What data is sent during inference"). Pure; reports what it
// found and where, never the value itself.

export interface CredentialFinding {
  kind: 'aws-access-key-id' | 'aws-secret-access-key' | 'aws-session-token' | 'private-key';
  /** Character offset in the scanned text. */
  offset: number;
}

const RULES: { kind: CredentialFinding['kind']; re: RegExp }[] = [
  // Access key IDs: AKIA (long-term) and ASIA (temporary), 20 upper-case alphanumerics (reference aws.md §6).
  { kind: 'aws-access-key-id', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  // A secret key is 40 characters of [A-Za-z0-9/+] (§6). Alone that shape also matches hashes and
  // base64, so require it next to a name that says what it is, or right after an access key ID.
  { kind: 'aws-secret-access-key', re: /(?:secret[_\s-]?access[_\s-]?key|aws_secret|secretkey|SecretAccessKey)["'\s:=]{1,6}[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi },
  { kind: 'aws-secret-access-key', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b[\s"',:;=|/]{1,8}[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g },
  // STS session tokens are long base64 blobs that begin with these well-known prefixes.
  { kind: 'aws-session-token', re: /\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AgoJb3JpZ2lu)[A-Za-z0-9/+=]{40,}/g },
  { kind: 'aws-session-token', re: /(?:session[_\s-]?token|SessionToken|security[_\s-]?token)["'\s:=]{1,6}[A-Za-z0-9/+=]{100,}/gi },
  { kind: 'private-key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
];

export function findCredentials(text: string): CredentialFinding[] {
  const found: CredentialFinding[] = [];
  for (const { kind, re } of RULES) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) found.push({ kind, offset: m.index });
  }
  return found.sort((a, b) => a.offset - b.offset);
}

export function describeFindings(found: CredentialFinding[]): string {
  const kinds = [...new Set(found.map((f) => f.kind))];
  return kinds.map((k) => k.replace(/-/g, ' ')).join(', ');
}
