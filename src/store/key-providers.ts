// Where the data key comes from, in DESIGN §5's order: BYOK_KEY (CI secret stores), the OS
// keyring, a passphrase (BYOK_PASSPHRASE or a prompt, stretched with scrypt), a key file next to
// the config. An existing file's header says which kind of key sealed it.
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStateError, UsageError } from '../core/errors.js';
import { deriveKeyFromPassphrase, SCRYPT_PARAMS, type KeyHeader } from './crypto.js';

export interface KeyInfo {
  source: 'env' | 'keyring' | 'passphrase' | 'key-file';
  detail: string;
  warning?: string;
}

export interface PasswordPrompter {
  password(message: string): Promise<string>;
}

export interface KeyProviderOptions {
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Who can be asked for a passphrase; a function is asked only when a passphrase is needed. */
  prompter?: PasswordPrompter | (() => PasswordPrompter | undefined);
  platform?: NodeJS.Platform;
  /** The keyring to use instead of the OS one (tests; an embedding application). */
  keyring?: KeyringBackend;
}

export interface KeyringBackend {
  get(service: string, account: string): Promise<string | undefined>;
  set(service: string, account: string, value: string): Promise<void>;
}

export type KeySource = KeyInfo['source'];
export const KEY_SOURCES: readonly KeySource[] = ['env', 'keyring', 'passphrase', 'key-file'];

export interface ResolvedKey { key: Buffer; header: KeyHeader; info: KeyInfo }

/** Said when byok has just made the key file itself: the same advice, without the alarm meant for a config found sealed that way. */
const KEY_FILE_NEW_WARNING = 'The new config is sealed with a key file next to it (no BYOK_KEY, BYOK_PASSPHRASE, terminal or OS keyring was at hand): that only protects against the config file leaking alone. For real use, set BYOK_KEY from a secret store or BYOK_PASSPHRASE, and pin the choice with BYOK_KEY_SOURCE.';
const KEY_FILE_WARNING = 'The config is encrypted with a key file next to it: that only protects against the config file leaking alone. Set BYOK_KEY from a secret store, or use a passphrase (BYOK_PASSPHRASE). If you chose a passphrase or the OS keyring, this config is not yours: stop, and pin your key source with BYOK_KEY_SOURCE.';

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
  if (o.keyring) return false;
  // Linux keyrings live behind the D-Bus secret service; with no session bus there is none, and
  // probing for one can block on D-Bus timeouts. Skip it rather than risk hanging a CI job.
  return (o.platform ?? process.platform) === 'linux' && !o.env.DBUS_SESSION_BUS_ADDRESS;
}

const KEYRING_TIMEOUT_MS = 1500;

/** The OS keyring (@napi-rs/keyring), every call bounded by a timeout; undefined answers "unavailable". */
export const osKeyring: KeyringBackend = {
  async get(service, account) {
    const mod = await import('@napi-rs/keyring');
    return (await new mod.AsyncEntry(service, account).getPassword()) ?? undefined;
  },
  async set(service, account, value) {
    const mod = await import('@napi-rs/keyring');
    await new mod.AsyncEntry(service, account).setPassword(value);
  },
};

async function bounded<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
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

/** One keyring entry (service, the config dir), or undefined where no keyring is usable. */
export function keyringEntry(o: KeyProviderOptions, service: string): { get(): Promise<string | undefined>; set(v: string): Promise<boolean> } | undefined {
  if (keyringDisabled(o)) return undefined;
  const k = o.keyring ?? osKeyring;
  return {
    get: () => bounded(k.get(service, o.configDir)),
    set: async (v) => (await bounded(k.set(service, o.configDir, v).then(() => true))) === true,
  };
}

/** Reads (or with `create`, stores) the data key in the OS keyring; undefined when unavailable. */
async function keyringKey(o: KeyProviderOptions, create: boolean): Promise<Buffer | undefined> {
  const entry = keyringEntry(o, 'byok');
  if (!entry) return undefined;
  const existing = await entry.get();
  if (existing) {
    const k = Buffer.from(existing, 'base64');
    return k.length === 32 ? k : undefined;
  }
  if (!create) return undefined;
  const k = randomBytes(32);
  if (!(await entry.set(k.toString('base64')))) return undefined;
  return (await entry.get()) === k.toString('base64') ? k : undefined;
}

function keyFilePath(configDir: string): string {
  return join(configDir, 'key');
}

/** The key file, refused (as ssh refuses a private key) when it is not a regular file of ours that only we can read. */
function readKeyFile(configDir: string): Buffer | undefined {
  const p = keyFilePath(configDir);
  const st = lstatSync(p, { throwIfNoEntry: false });
  if (!st) return undefined;
  const fix = `Only you may read it: chmod 600 ${p} (and check who else could have read it; if anyone could, treat the config's secrets as exposed and rotate them).`;
  if (!st.isFile()) throw new LocalStateError('key-file-not-a-file', `The key file ${p} is not a regular file${st.isSymbolicLink() ? ' (it is a symbolic link)' : ''}; byok will not use it.`, 'Replace it with the key file the config was written with.');
  if ((st.mode & 0o077) !== 0) throw new LocalStateError('key-file-permissions', `The key file ${p} can be read or written by other users (mode ${(st.mode & 0o777).toString(8)}); byok will not use it.`, fix);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new LocalStateError('key-file-owner', `The key file ${p} belongs to another user (uid ${st.uid}); byok will not use it.`, fix);
  const k = Buffer.from(readFileSync(p, 'utf8').trim(), 'base64');
  return k.length === 32 ? k : undefined;
}

/**
 * A passphrase from BYOK_PASSPHRASE (an empty value counts as unset) or the prompt. For a new
 * config it must be 8 characters or more, from either place, and a prompted one is asked twice (a
 * typo would seal the config for good). For an existing config any passphrase is tried as given:
 * the one it was sealed with is the only one that opens it.
 */
async function passphrase(o: KeyProviderOptions, forNew: boolean): Promise<string | undefined> {
  const env = o.env.BYOK_PASSPHRASE;
  if (env !== undefined && env !== '') {
    if (forNew && env.length < 8) throw new UsageError('passphrase-too-short', 'BYOK_PASSPHRASE is shorter than 8 characters; a new config is not sealed with it.', 'Set a longer BYOK_PASSPHRASE (a generated one kept in your secret store). Nothing was written.');
    return env;
  }
  const prompter = typeof o.prompter === 'function' ? o.prompter() : o.prompter;
  if (!prompter) return undefined;
  const p = await prompter.password('Passphrase for the byok config:');
  if (forNew) {
    const again = await prompter.password('Repeat the passphrase:');
    if (again !== p) throw new UsageError('passphrase-mismatch', 'The two passphrases differ; nothing was written.', 'Run the command again.');
    if (p.length < 8) throw new UsageError('passphrase-too-short', 'The passphrase is shorter than 8 characters.', 'Choose a longer passphrase. Nothing was written.');
  }
  return p;
}

/** Levenshtein distance, for naming a near miss of a short keyword. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** For a config that does not exist yet: the first source available, in DESIGN order. */
export async function keyForNewConfig(o: KeyProviderOptions): Promise<ResolvedKey> {
  const e = envKey(o.env);
  if (e) return { key: e, header: { source: 'raw', origin: 'env' }, info: { source: 'env', detail: 'BYOK_KEY environment variable' } };
  // The same order configuredKeySource() reads back: an explicit setting beats the ambient keyring.
  const pinned = (await configuredKeySource(o))?.source;
  if (pinned === 'env') throw new UsageError('invalid-byok-key', 'BYOK_KEY_SOURCE is env, but BYOK_KEY is not set.', 'Set BYOK_KEY (openssl rand -base64 32, kept in your secret store) or unset BYOK_KEY_SOURCE.');
  const explicitPass = pinned === 'passphrase';
  if (!explicitPass && (pinned === undefined || pinned === 'keyring')) {
    const k = await keyringKey(o, true);
    if (k) return { key: k, header: { source: 'raw', origin: 'keyring' }, info: { source: 'keyring', detail: `OS keyring entry "byok" / ${o.configDir}` } };
    if (pinned === 'keyring') throw new LocalStateError('keyring-unavailable', 'BYOK_KEY_SOURCE is keyring, but no OS keyring answered.', 'Unlock or start the keyring (secret service), or choose another key source.');
  }
  if (pinned !== 'key-file') {
    const pass = await passphrase(o, true);
    if (pass !== undefined) {
      const salt = randomBytes(16);
      return { key: await deriveKeyFromPassphrase(pass, salt), header: { source: 'scrypt', salt: salt.toString('base64'), ...SCRYPT_PARAMS }, info: { source: 'passphrase', detail: o.env.BYOK_PASSPHRASE ? 'BYOK_PASSPHRASE (scrypt)' : 'passphrase prompt (scrypt)' } };
    }
    if (explicitPass) throw new LocalStateError('config-locked-by-passphrase', 'BYOK_KEY_SOURCE is passphrase, but no passphrase was given.', 'Set BYOK_PASSPHRASE, or run byok in a terminal to be asked for it.');
  }
  const p = keyFilePath(o.configDir);
  let key = readKeyFile(o.configDir);
  if (!key && lstatSync(p, { throwIfNoEntry: false })) {
    // There, but not a key byok wrote: never replaced (a config may still need it), never used.
    throw new LocalStateError('key-file-unusable', `The key file ${p} does not hold a 32-byte key (base64); byok will not use it or replace it.`, `If no config needs it any more, move it aside (mv ${p} ${p}.old) and run the command again. Nothing was written.`);
  }
  const made = !key;
  if (!key) {
    key = randomBytes(32);
    writeFileSync(p, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(p, 0o600);
  }
  return { key, header: { source: 'raw', origin: 'key-file' }, info: { source: 'key-file', detail: p, warning: made ? KEY_FILE_NEW_WARNING : KEY_FILE_WARNING } };
}

const SOURCE_WORDS: Record<KeySource, string> = { env: 'BYOK_KEY', keyring: 'the OS keyring', passphrase: 'a passphrase', 'key-file': 'a key file next to the config' };

export function headerSource(header: KeyHeader): KeySource {
  return header.source === 'scrypt' ? 'passphrase' : header.origin;
}

/**
 * The key source the user's environment and settings decide, before the file is looked at:
 * BYOK_KEY, BYOK_KEY_SOURCE, the state anchor's record, BYOK_PASSPHRASE, a keyring entry for this
 * config. undefined when none decides (then the file may only be opened with a prompted
 * passphrase or the key file).
 */
export async function configuredKeySource(o: KeyProviderOptions, anchored?: KeySource): Promise<{ source: KeySource; why: string } | undefined> {
  const pinned = o.env.BYOK_KEY_SOURCE?.trim();
  if (pinned && !(KEY_SOURCES as readonly string[]).includes(pinned)) {
    // The value is not repeated (a key or passphrase pasted into the wrong variable would be printed); a near miss is named.
    const near = KEY_SOURCES.find((k) => editDistance(k, pinned.toLowerCase()) <= 2);
    throw new UsageError('invalid-key-source', `BYOK_KEY_SOURCE must be one of ${KEY_SOURCES.join(', ')}; it is set to something else (${pinned.length} characters).`, `${near ? `Did you mean ${near}? ` : ''}Set it to the key source your config is sealed with, or unset it.`);
  }
  if (envKey(o.env)) {
    if (pinned && pinned !== 'env') throw new UsageError('invalid-key-source', `BYOK_KEY is set, but BYOK_KEY_SOURCE says ${pinned}: the two disagree about which key seals the config.`, 'Unset one of them: BYOK_KEY (with BYOK_KEY_SOURCE unset or env) for a key from a secret store, or BYOK_KEY_SOURCE alone.');
    return { source: 'env', why: 'BYOK_KEY is set' };
  }
  if (pinned) return { source: pinned as KeySource, why: `BYOK_KEY_SOURCE is ${pinned}` };
  if (anchored) return { source: anchored, why: `the state anchor records ${SOURCE_WORDS[anchored]}` };
  if (o.env.BYOK_PASSPHRASE !== undefined && o.env.BYOK_PASSPHRASE !== '') return { source: 'passphrase', why: 'BYOK_PASSPHRASE is set' };
  const entry = keyringEntry(o, 'byok');
  if (entry && (await entry.get())) return { source: 'keyring', why: `the OS keyring holds a key for ${o.configDir}` };
  return undefined;
}

/**
 * For an existing config. The environment decides the key source; the file's header may only
 * agree with it: a header naming another source is refused, so a planted config with a key file
 * of its own is never accepted in place of one sealed with a passphrase or the keyring.
 */
export async function keyForExistingConfig(o: KeyProviderOptions, header: KeyHeader, path: string, anchored?: KeySource): Promise<ResolvedKey> {
  const configured = await configuredKeySource(o, anchored);
  const named = headerSource(header);
  const compatible = !configured || configured.source === named || (configured.source === 'env' && header.source === 'raw');
  if (!compatible) {
    throw new LocalStateError(
      'key-source-mismatch',
      `The config ${path} says it is sealed with ${SOURCE_WORDS[named]}, but ${configured.why}, so it must be sealed with ${SOURCE_WORDS[configured.source]}. byok does not let the file choose its own key: someone who can write the config directory could have planted a config and a key of their own.`,
      'Nothing was read or changed. If this is not your config, move the directory aside and keep it as evidence. If you changed key source on purpose, set BYOK_KEY_SOURCE to the one the file uses.',
    );
  }
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
  const f = header.origin === 'key-file' ? readKeyFile(o.configDir) : undefined;
  if (f) return { key: f, header, info: { source: 'key-file', detail: keyFilePath(o.configDir), warning: KEY_FILE_WARNING } };
  throw new LocalStateError(
    'no-key',
    `No key is available to open the config ${path} (it was sealed with a key from ${header.origin === 'env' ? 'BYOK_KEY' : header.origin === 'keyring' ? 'the OS keyring' : 'a key file'}).`,
    'Set BYOK_KEY to the key it was written with, unlock the OS keyring, or restore the key file next to the config.',
  );
}
