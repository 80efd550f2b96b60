// Where the data key comes from, in DESIGN §5's order: BYOK_KEY (CI secret stores), the OS
// keyring, a passphrase (BYOK_PASSPHRASE or a prompt, stretched with scrypt), a key file next to
// the config. An existing file's header says which kind of key sealed it.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStateError, UsageError } from '../core/errors.js';
import { deriveKeyFromPassphrase, SCRYPT_PARAMS, type KeyHeader } from './crypto.js';

export interface KeyInfo {
  source: 'env' | 'keyring' | 'passphrase' | 'key-file';
  detail: string;
  warning?: string;
}

export interface KeyProviderOptions {
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  prompter?: { password(message: string): Promise<string> };
  platform?: NodeJS.Platform;
}

export interface ResolvedKey { key: Buffer; header: KeyHeader; info: KeyInfo }

const KEY_FILE_WARNING = 'The config is encrypted with a key file next to it: that only protects against the config file leaking alone. Set BYOK_KEY from a secret store, or use a passphrase (BYOK_PASSPHRASE).';

export function envKey(env: KeyProviderOptions['env']): Buffer | undefined {
  const raw = env.BYOK_KEY;
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new UsageError('invalid-byok-key', 'BYOK_KEY must be the base64 encoding of exactly 32 random bytes.', 'Generate one with: openssl rand -base64 32 (and keep it in your secret store).');
  }
  return key;
}

function keyringDisabled(o: KeyProviderOptions): boolean {
  const v = o.env.BYOK_KEYRING?.trim().toLowerCase();
  if (v === 'off' || v === '0' || v === 'false' || v === 'no') return true;
  // Linux keyrings live behind the D-Bus secret service; with no session bus there is none, and
  // probing for one can block on D-Bus timeouts. Skip it rather than risk hanging a CI job.
  return (o.platform ?? process.platform) === 'linux' && !o.env.DBUS_SESSION_BUS_ADDRESS;
}

const KEYRING_TIMEOUT_MS = 1500;

/** Reads (or with `create`, stores) the data key in the OS keyring; undefined when unavailable. */
async function keyringKey(o: KeyProviderOptions, create: boolean): Promise<Buffer | undefined> {
  if (keyringDisabled(o)) return undefined;
  let mod: typeof import('@napi-rs/keyring');
  try {
    mod = await import('@napi-rs/keyring');
  } catch {
    return undefined;
  }
  const entry = new mod.AsyncEntry('byok', o.configDir);
  const attempt = async (): Promise<Buffer | undefined> => {
    const existing = await entry.getPassword();
    if (existing) {
      const k = Buffer.from(existing, 'base64');
      return k.length === 32 ? k : undefined;
    }
    if (!create) return undefined;
    const k = randomBytes(32);
    await entry.setPassword(k.toString('base64'));
    const back = await entry.getPassword();
    return back === k.toString('base64') ? k : undefined;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      attempt(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), KEYRING_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function keyFilePath(configDir: string): string {
  return join(configDir, 'key');
}

function readKeyFile(configDir: string): Buffer | undefined {
  const p = keyFilePath(configDir);
  if (!existsSync(p)) return undefined;
  const k = Buffer.from(readFileSync(p, 'utf8').trim(), 'base64');
  return k.length === 32 ? k : undefined;
}

async function passphrase(o: KeyProviderOptions, confirm: boolean): Promise<string | undefined> {
  const env = o.env.BYOK_PASSPHRASE;
  if (env !== undefined && env !== '') return env;
  if (!o.prompter) return undefined;
  const p = await o.prompter.password('Passphrase for the byok config:');
  if (confirm) {
    const again = await o.prompter.password('Repeat the passphrase:');
    if (again !== p) throw new UsageError('passphrase-mismatch', 'The two passphrases differ; nothing was written.', 'Run the command again.');
  }
  if (p.length < 8) throw new UsageError('passphrase-too-short', 'The passphrase is shorter than 8 characters.', 'Choose a longer passphrase.');
  return p;
}

/** For a config that does not exist yet: the first source available, in DESIGN order. */
export async function keyForNewConfig(o: KeyProviderOptions): Promise<ResolvedKey> {
  const e = envKey(o.env);
  if (e) return { key: e, header: { source: 'raw', origin: 'env' }, info: { source: 'env', detail: 'BYOK_KEY environment variable' } };
  const k = await keyringKey(o, true);
  if (k) return { key: k, header: { source: 'raw', origin: 'keyring' }, info: { source: 'keyring', detail: `OS keyring entry "byok" / ${o.configDir}` } };
  const pass = await passphrase(o, o.env.BYOK_PASSPHRASE === undefined);
  if (pass !== undefined) {
    const salt = randomBytes(16);
    return { key: await deriveKeyFromPassphrase(pass, salt), header: { source: 'scrypt', salt: salt.toString('base64'), ...SCRYPT_PARAMS }, info: { source: 'passphrase', detail: o.env.BYOK_PASSPHRASE ? 'BYOK_PASSPHRASE (scrypt)' : 'passphrase prompt (scrypt)' } };
  }
  const p = keyFilePath(o.configDir);
  let key = readKeyFile(o.configDir);
  if (!key) {
    key = randomBytes(32);
    writeFileSync(p, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(p, 0o600);
  }
  return { key, header: { source: 'raw', origin: 'key-file' }, info: { source: 'key-file', detail: p, warning: KEY_FILE_WARNING } };
}

/** For an existing config: the header says how it was sealed. */
export async function keyForExistingConfig(o: KeyProviderOptions, header: KeyHeader, path: string): Promise<ResolvedKey> {
  if (header.source === 'scrypt') {
    const pass = await passphrase(o, false);
    if (pass === undefined) {
      throw new LocalStateError('config-locked-by-passphrase', `The config ${path} is protected by a passphrase and none was given.`, 'Set BYOK_PASSPHRASE, or run byok in a terminal to be asked for it.');
    }
    return { key: await deriveKeyFromPassphrase(pass, Buffer.from(header.salt, 'base64')), header, info: { source: 'passphrase', detail: o.env.BYOK_PASSPHRASE ? 'BYOK_PASSPHRASE (scrypt)' : 'passphrase prompt (scrypt)' } };
  }
  const e = envKey(o.env);
  if (e) return { key: e, header: { source: 'raw', origin: header.origin }, info: { source: 'env', detail: 'BYOK_KEY environment variable' } };
  if (header.origin === 'keyring') {
    const k = await keyringKey(o, false);
    if (k) return { key: k, header, info: { source: 'keyring', detail: `OS keyring entry "byok" / ${o.configDir}` } };
  }
  const f = readKeyFile(o.configDir);
  if (f) return { key: f, header, info: { source: 'key-file', detail: keyFilePath(o.configDir), warning: KEY_FILE_WARNING } };
  throw new LocalStateError(
    'no-key',
    `No key is available to open the config ${path} (it was sealed with a key from ${header.origin === 'env' ? 'BYOK_KEY' : header.origin === 'keyring' ? 'the OS keyring' : 'a key file'}).`,
    'Set BYOK_KEY to the key it was written with, unlock the OS keyring, or restore the key file next to the config.',
  );
}
