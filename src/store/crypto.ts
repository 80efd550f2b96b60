// The config file is one AES-256-GCM envelope: confidentiality for every secret and integrity for
// the whole document (a flipped `policy` is detected). The header is bound as additional
// authenticated data, so editing it is detected too.
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from 'node:crypto';
import { canonicalJson } from '../core/audit-event.js';
import { LocalStateError } from '../core/errors.js';

export type KeyHeader =
  | { source: 'raw'; origin: 'env' | 'keyring' | 'key-file' }
  | { source: 'scrypt'; salt: string; N: number; r: number; p: number };

export interface Envelope {
  byok: 1;
  alg: 'aes-256-gcm';
  key: KeyHeader;
  iv: string;
  tag: string;
  data: string;
}

export const SCRYPT_PARAMS = { N: 32768, r: 8, p: 1 } as const;

function aad(key: KeyHeader): Buffer {
  return Buffer.from(canonicalJson({ byok: 1, alg: 'aes-256-gcm', key }));
}

export function seal(plaintext: Buffer, key: Buffer, header: KeyHeader): Envelope {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad(header));
  const data = Buffer.concat([c.update(plaintext), c.final()]);
  return { byok: 1, alg: 'aes-256-gcm', key: header, iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function tamperedError(path: string, cause?: unknown): LocalStateError {
  return new LocalStateError(
    'config-tampered-or-wrong-key',
    `The config file ${path} cannot be opened: it was changed outside byok, is damaged, or the key is wrong.`,
    'Check BYOK_KEY / BYOK_PASSPHRASE (or the OS keyring entry) is the one this config was written with. The file was left exactly as it is: restore it from a backup, or move it aside to start over.',
    // Stryker disable next-line ObjectLiteral: equivalent, the cause of this refusal is never shown or read (exit 3 shows the message and hint only)
    { cause },
  );
}

// Stryker disable next-line Regex: equivalent, B64 below also requires the text to survive a decode/encode round trip, which only canonical base64 does
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** Canonical base64 only: Node's decoder ignores unused trailing bits, so a flipped bit there would go unnoticed. */
const B64 = { test: (s: string): boolean => B64_RE.test(s) && Buffer.from(s, 'base64').toString('base64') === s };

/** Parses the file text into an envelope, strictly: anything unexpected is tampering. */
export function parseEnvelope(text: string, path: string): Envelope {
  let v: unknown;
  // Stryker disable BlockStatement: equivalent, unparsable text is refused below as well, only without the (never shown) cause
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw tamperedError(path, e);
  }
  // Stryker restore BlockStatement
  const e = v as Partial<Envelope>;
  const k = e?.key as Partial<Record<string, unknown>> | undefined;
  const ok =
    typeof e === 'object' && e !== null && e.byok === 1 && e.alg === 'aes-256-gcm' &&
    typeof e.iv === 'string' && B64.test(e.iv) && typeof e.tag === 'string' && B64.test(e.tag) && typeof e.data === 'string' && B64.test(e.data) &&
    typeof k === 'object' && k !== null &&
    ((k.source === 'raw' && (k.origin === 'env' || k.origin === 'keyring' || k.origin === 'key-file')) ||
      (k.source === 'scrypt' && typeof k.salt === 'string' && B64.test(k.salt) && k.N === SCRYPT_PARAMS.N && k.r === SCRYPT_PARAMS.r && k.p === SCRYPT_PARAMS.p));
  if (!ok) throw tamperedError(path);
  return e as Envelope;
}

export function open(env: Envelope, key: Buffer, path: string): Buffer {
  try {
    const iv = Buffer.from(env.iv, 'base64');
    const tag = Buffer.from(env.tag, 'base64');
    // Stryker disable next-line StringLiteral: equivalent, this text is only the (never shown) cause. Left enabled on purpose: `iv.length !== 12` -> false survives
    // as an equivalent (GCM derives another counter from another IV length, so the tag check refuses it anyway), but a blanket disable would hide the tag-length check.
    if (iv.length !== 12 || tag.length !== 16) throw new Error('bad iv or tag length');
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad(env.key));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(Buffer.from(env.data, 'base64')), d.final()]);
  } catch (e) {
    throw tamperedError(path, e);
  }
}

export function deriveKeyFromPassphrase(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(passphrase.normalize('NFC'), salt, 32, { ...SCRYPT_PARAMS, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
