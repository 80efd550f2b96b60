// Where the data key comes from (DESIGN §5, README "Local state"): BYOK_KEY, then the OS keyring,
// then a passphrase (BYOK_PASSPHRASE or a prompt, at least 8 characters, asked twice for a new
// config), then a key file next to the config. The environment decides the key source of an
// existing config; the file's header may only agree (a planted config with its own key file is
// refused). A key file is used only as ssh uses a private key: a regular file of ours, mode 0600.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configuredKeySource, envKey, keyForExistingConfig, keyForNewConfig, keyringEntry, type KeyProviderOptions, type KeyringBackend } from '../../../src/store/key-providers.js';
import { memoryKeyring } from '../../helpers/memory-keyring.js';
import { scriptedPrompter } from '../../helpers/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function configDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'byok-keys-'));
  dirs.push(root);
  const d = join(root, 'cfg');
  mkdirSync(d, { mode: 0o700 });
  return d;
}
const B64 = (n: number) => randomBytes(n).toString('base64');

const prompter = scriptedPrompter;
async function refusal(f: () => Promise<unknown> | unknown): Promise<{ code?: string; exitCode?: number; message: string; hint?: string }> {
  try {
    await f();
  } catch (e) {
    return e as { code?: string; exitCode?: number; message: string; hint?: string };
  }
  throw new Error('expected a refusal');
}

describe('BYOK_KEY is the base64 encoding of exactly 32 bytes', () => {
  it('32 bytes, with blanks around, is the key; unset or blank is no key', () => {
    const raw = randomBytes(32);
    expect(envKey({ BYOK_KEY: ` ${raw.toString('base64')}\n` })?.equals(raw)).toBe(true);
    expect(envKey({})).toBeUndefined();
    expect(envKey({ BYOK_KEY: '  ' })).toBeUndefined();
  });

  it('31 or 33 bytes, or text that is not base64, is refused with invalid-byok-key (exit 2) and how to make one', async () => {
    for (const bad of [B64(31), B64(33), B64(16), 'not base64 at all!!', `${B64(32)}x`, '-'.repeat(44)]) {
      const e = await refusal(() => envKey({ BYOK_KEY: bad }));
      expect(e, bad).toMatchObject({ code: 'invalid-byok-key', exitCode: 2 });
      expect(e.hint).toMatch(/openssl rand -base64 32/);
    }
  });
});

describe('the OS keyring', () => {
  it('BYOK_KEYRING off, 0, false or no (any case, blanks around) switches it off, even with a keyring at hand', () => {
    for (const v of ['off', 'OFF', ' 0 ', 'false', 'No']) expect(keyringEntry({ configDir: '/c', env: { BYOK_KEYRING: v }, keyring: memoryKeyring() }, 'byok'), v).toBeUndefined();
    for (const v of ['on', '1', 'true', 'yes', '']) expect(keyringEntry({ configDir: '/c', env: { BYOK_KEYRING: v }, keyring: memoryKeyring() }, 'byok'), v).toBeDefined();
  });

  it("on Linux without a session bus the OS keyring is not probed (it could block on D-Bus); with one, or on macOS, it is", () => {
    expect(keyringEntry({ configDir: '/c', env: {}, platform: 'linux' }, 'byok')).toBeUndefined();
    expect(keyringEntry({ configDir: '/c', env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/bus' }, platform: 'linux' }, 'byok')).toBeDefined();
    expect(keyringEntry({ configDir: '/c', env: {}, platform: 'darwin' }, 'byok')).toBeDefined();
  });

  it('a keyring that never answers counts as unavailable after its timeout, and one that throws as unavailable at once', async () => {
    const hanging: KeyringBackend = { get: () => new Promise(() => undefined), set: () => new Promise(() => undefined) };
    const entry = keyringEntry({ configDir: '/c', env: {}, keyring: hanging }, 'byok')!;
    expect(await entry.get()).toBeUndefined();
    expect(await entry.set('x')).toBe(false);
    const throwing: KeyringBackend = { get: async () => { throw new Error('locked'); }, set: async () => { throw new Error('locked'); } };
    const t = keyringEntry({ configDir: '/c', env: {}, keyring: throwing }, 'byok')!;
    expect(await t.get()).toBeUndefined();
    expect(await t.set('x')).toBe(false);
  });
});

describe('a new config takes the first key source available, in order', () => {
  it('BYOK_KEY first, even with a keyring and a passphrase at hand', async () => {
    const raw = randomBytes(32);
    const k = await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY: raw.toString('base64'), BYOK_PASSPHRASE: 'long enough pass' }, keyring: memoryKeyring() });
    expect(k.info.source).toBe('env');
    expect(k.key.equals(raw)).toBe(true);
    expect(k.header).toEqual({ source: 'raw', origin: 'env' });
  });

  it('then the keyring: a new random key stored under "byok" for this config directory (a prompter at hand is not asked)', async () => {
    const dir = configDir();
    const keyring = memoryKeyring();
    const p = prompter('correct horse', 'correct horse');
    const k = await keyForNewConfig({ configDir: dir, env: {}, keyring, prompter: p });
    expect(p.asked).toEqual([]);
    expect(k.info.source).toBe('keyring');
    expect(k.header).toEqual({ source: 'raw', origin: 'keyring' });
    expect(keyring.entries.get(`byok|${dir}`)).toBe(k.key.toString('base64'));
    expect(k.key.length).toBe(32);
  });

  it('BYOK_PASSPHRASE set is an explicit choice: it beats an ambient keyring, which is left untouched', async () => {
    const keyring = memoryKeyring();
    const k = await keyForNewConfig({ configDir: configDir(), env: { BYOK_PASSPHRASE: 'long enough pass' }, keyring });
    expect(k.info.source).toBe('passphrase');
    expect(keyring.entries.size).toBe(0);
  });

  it('then a passphrase: BYOK_PASSPHRASE as given, or a prompt asked twice; scrypt with a fresh 16-byte salt', async () => {
    const a = await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'long enough pass' } });
    expect(a.info).toMatchObject({ source: 'passphrase', detail: 'BYOK_PASSPHRASE (scrypt)' });
    expect(a.header.source).toBe('scrypt');
    const b = await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'long enough pass' } });
    expect(a.header.source === 'scrypt' && b.header.source === 'scrypt' && a.header.salt !== b.header.salt).toBe(true);
    expect(a.header.source === 'scrypt' && Buffer.from(a.header.salt, 'base64').length).toBe(16);
    expect(a.key.equals(b.key)).toBe(false);
    const p = prompter('correct horse', 'correct horse');
    const c = await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off' }, prompter: p });
    expect(c.info).toMatchObject({ source: 'passphrase', detail: 'passphrase prompt (scrypt)' });
    expect(p.asked).toEqual(['Passphrase for the byok config:', 'Repeat the passphrase:']);
  });

  it('a prompted passphrase typed differently twice, or shorter than 8 characters, is refused (exit 2) and no key file is written', async () => {
    const dir = configDir();
    expect(await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: prompter('correct horse', 'correct h0rse') }))).toMatchObject({ code: 'passphrase-mismatch', exitCode: 2 });
    expect(await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: prompter('short12', 'short12') }))).toMatchObject({ code: 'passphrase-too-short', exitCode: 2 });
    // Exactly 8 is enough.
    expect((await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: prompter('12345678', '12345678') })).info.source).toBe('passphrase');
    expect(statSync(join(dir, 'key'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('a prompter given as a function is asked only when a passphrase is needed', async () => {
    let calls = 0;
    const lazy = () => {
      calls += 1;
      return prompter('correct horse', 'correct horse');
    };
    await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY: B64(32) }, prompter: lazy });
    expect(calls).toBe(0);
    expect((await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off' }, prompter: lazy })).info.source).toBe('passphrase');
    expect(calls).toBe(1);
    // A function that answers "nobody to ask" falls through to the key file.
    expect((await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off' }, prompter: () => undefined })).info.source).toBe('key-file');
  });

  it('last, a key file next to the config: 32 random bytes, mode 0600, with a warning that says what it protects', async () => {
    const dir = configDir();
    const k = await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } });
    expect(k.info.source).toBe('key-file');
    expect(k.info.detail).toBe(join(dir, 'key'));
    expect(k.info.warning).toMatch(/only protects against the config file leaking alone/);
    expect(statSync(join(dir, 'key')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(join(dir, 'key'), 'utf8').trim(), 'base64').equals(k.key)).toBe(true);
    // A second new config in the same directory reuses that key file.
    expect((await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } })).key.equals(k.key)).toBe(true);
  });

  it('BYOK_KEY_SOURCE pins the source: env without BYOK_KEY, keyring without a keyring, passphrase without one are refused; key-file skips the others', async () => {
    expect(await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'env' } }))).toMatchObject({ code: 'invalid-byok-key', exitCode: 2 });
    expect(await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'keyring', BYOK_KEYRING: 'off' } }))).toMatchObject({ code: 'keyring-unavailable', exitCode: 3 });
    expect(await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'passphrase', BYOK_KEYRING: 'off' } }))).toMatchObject({ code: 'config-locked-by-passphrase', exitCode: 3 });
    const keyring = memoryKeyring();
    expect((await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'key-file', BYOK_PASSPHRASE: 'long enough pass' }, keyring })).info.source).toBe('key-file');
    expect(keyring.entries.size).toBe(0);
    expect((await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'passphrase', BYOK_PASSPHRASE: 'long enough pass' }, keyring })).info.source).toBe('passphrase');
    expect(keyring.entries.size).toBe(0);
  });
});

describe('a key file byok will not use', () => {
  async function withKeyFile(make: (path: string) => void) {
    const dir = configDir();
    make(join(dir, 'key'));
    return refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }));
  }
  it('readable or writable by group or others (any of the six bits): key-file-permissions, exit 3, with chmod 600 in the hint', async () => {
    for (const mode of [0o640, 0o604, 0o620, 0o602, 0o610, 0o601]) {
      const e = await withKeyFile((p) => {
        writeFileSync(p, `${B64(32)}\n`);
        chmodSync(p, mode);
      });
      expect(e, mode.toString(8)).toMatchObject({ code: 'key-file-permissions', exitCode: 3 });
      expect(e.message).toContain(`mode ${mode.toString(8)}`);
      expect(e.hint).toMatch(/chmod 600/);
    }
  });

  it('a symbolic link, even to a good key file, or a directory: key-file-not-a-file', async () => {
    const link = await withKeyFile((p) => {
      writeFileSync(`${p}.real`, `${B64(32)}\n`, { mode: 0o600 });
      symlinkSync(`${p}.real`, p);
    });
    expect(link).toMatchObject({ code: 'key-file-not-a-file', exitCode: 3 });
    expect(link.message).toMatch(/symbolic link/);
    const dir = await withKeyFile((p) => mkdirSync(p));
    expect(dir).toMatchObject({ code: 'key-file-not-a-file' });
    expect(dir.message).not.toMatch(/symbolic link/);
  });
});

describe('an existing config: the environment decides, the header may only agree', () => {
  it('configuredKeySource: BYOK_KEY, then BYOK_KEY_SOURCE, then the anchor, then BYOK_PASSPHRASE, then a keyring entry for this config; else none', async () => {
    const dir = configDir();
    const keyring = memoryKeyring();
    const o = (env: Record<string, string>): KeyProviderOptions => ({ configDir: dir, env, keyring });
    expect((await configuredKeySource(o({ BYOK_KEY: B64(32), BYOK_PASSPHRASE: 'long enough pass' }), 'keyring'))?.source).toBe('env');
    expect((await configuredKeySource(o({ BYOK_KEY_SOURCE: 'key-file', BYOK_PASSPHRASE: 'long enough pass' }), 'keyring'))?.source).toBe('key-file');
    expect((await configuredKeySource(o({ BYOK_PASSPHRASE: 'long enough pass' }), 'keyring'))).toMatchObject({ source: 'keyring', why: 'the state anchor records the OS keyring' });
    expect((await configuredKeySource(o({ BYOK_PASSPHRASE: 'long enough pass' })))?.source).toBe('passphrase');
    expect(await configuredKeySource(o({ BYOK_PASSPHRASE: '' }))).toBeUndefined();
    keyring.entries.set(`byok|${dir}`, B64(32));
    expect((await configuredKeySource(o({})))?.source).toBe('keyring');
    expect(await configuredKeySource({ configDir: dir, env: { BYOK_KEYRING: 'off' }, keyring })).toBeUndefined();
  });

  it('BYOK_KEY_SOURCE outside the four, or disagreeing with a set BYOK_KEY, is refused invalid-key-source (exit 2)', async () => {
    expect(await refusal(() => configuredKeySource({ configDir: '/c', env: { BYOK_KEY_SOURCE: 'keyfile' } }))).toMatchObject({ code: 'invalid-key-source', exitCode: 2 });
    expect(await refusal(() => configuredKeySource({ configDir: '/c', env: { BYOK_KEY: B64(32), BYOK_KEY_SOURCE: 'passphrase' } }))).toMatchObject({ code: 'invalid-key-source' });
    expect((await configuredKeySource({ configDir: '/c', env: { BYOK_KEY: B64(32), BYOK_KEY_SOURCE: ' env ' } }))?.source).toBe('env');
  });

  it('a config whose header names a key file, opened where a passphrase is configured, is refused key-source-mismatch (a planted config): nothing is read', async () => {
    const dir = configDir();
    writeFileSync(join(dir, 'key'), `${B64(32)}\n`, { mode: 0o600 });
    const e = await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_PASSPHRASE: 'long enough pass' } }, { source: 'raw', origin: 'key-file' }, join(dir, 'config.json')));
    expect(e).toMatchObject({ code: 'key-source-mismatch', exitCode: 3 });
    expect(e.message).toMatch(/says it is sealed with a key file next to the config, but BYOK_PASSPHRASE is set/);
    // The same for a keyring-sealed config faced with a key-file header.
    const keyring = memoryKeyring();
    keyring.entries.set(`byok|${dir}`, B64(32));
    expect(await refusal(() => keyForExistingConfig({ configDir: dir, env: {}, keyring }, { source: 'raw', origin: 'key-file' }, 'c'))).toMatchObject({ code: 'key-source-mismatch' });
  });

  it('BYOK_KEY opens any raw-sealed header (CI holds the key the keyring or key file held), never a passphrase-sealed one', async () => {
    const raw = randomBytes(32);
    for (const origin of ['env', 'keyring', 'key-file'] as const) {
      const k = await keyForExistingConfig({ configDir: configDir(), env: { BYOK_KEY: raw.toString('base64') } }, { source: 'raw', origin }, 'c');
      expect(k.key.equals(raw), origin).toBe(true);
      expect(k.header).toEqual({ source: 'raw', origin });
    }
    expect(await refusal(() => keyForExistingConfig({ configDir: configDir(), env: { BYOK_KEY: raw.toString('base64') } }, { source: 'scrypt', salt: B64(16), N: 2 ** 15, r: 8, p: 1 } as never, 'c'))).toMatchObject({ code: 'key-source-mismatch' });
  });

  it('a passphrase-sealed config with no passphrase to be had is config-locked-by-passphrase; one with no key anywhere is no-key naming where the key was', async () => {
    const dir = configDir();
    expect(await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }, { source: 'scrypt', salt: B64(16), N: 2 ** 15, r: 8, p: 1 } as never, 'c'))).toMatchObject({ code: 'config-locked-by-passphrase', exitCode: 3 });
    const words: [string, RegExp][] = [['env', /sealed with a key from BYOK_KEY/], ['keyring', /from the OS keyring/], ['key-file', /from a key file/]];
    for (const [origin, re] of words) {
      const e = await refusal(() => keyForExistingConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off' } }, { source: 'raw', origin } as never, 'c'));
      expect(e, origin).toMatchObject({ code: 'no-key', exitCode: 3 });
      expect(e.message).toMatch(re);
    }
  });

  it('a key file of the wrong length, or a keyring entry of the wrong length, is no key at all', async () => {
    const dir = configDir();
    writeFileSync(join(dir, 'key'), `${B64(31)}\n`, { mode: 0o600 });
    expect(await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }, { source: 'raw', origin: 'key-file' }, 'c'))).toMatchObject({ code: 'no-key' });
    const d2 = configDir();
    const keyring = memoryKeyring();
    keyring.entries.set(`byok|${d2}`, B64(16));
    expect(await refusal(() => keyForExistingConfig({ configDir: d2, env: {}, keyring }, { source: 'raw', origin: 'keyring' }, 'c'))).toMatchObject({ code: 'no-key' });
    // The right length opens.
    const d3 = configDir();
    const good = randomBytes(32);
    const k3 = memoryKeyring();
    k3.entries.set(`byok|${d3}`, good.toString('base64'));
    const opened = await keyForExistingConfig({ configDir: d3, env: {}, keyring: k3 }, { source: 'raw', origin: 'keyring' }, 'c');
    expect(opened.key.equals(good)).toBe(true);
    expect(opened.info.source).toBe('keyring');
  });
});
