// More of the key sources' promises (README "Local state", DESIGN §5), in-process: what each
// refusal tells the user (the variable or file it is about, and how to fix it), which source wins
// when several are at hand, that a keyring which does not really keep a key is never trusted with
// one, that an existing config is never opened with a key from a source its header does not name,
// and that a key file is never overwritten. Complements key-sources-promises.test.ts (issue 15).
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configuredKeySource, envKey, keyForExistingConfig, keyForNewConfig, keyringEntry, type KeyringBackend } from '../../../src/store/key-providers.js';
import { memoryKeyring } from '../../helpers/memory-keyring.js';
import { scriptedPrompter } from '../../helpers/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.useRealTimers();
});
function configDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'byok-keys-'));
  dirs.push(root);
  const d = join(root, 'cfg');
  mkdirSync(d, { mode: 0o700 });
  return d;
}
const B64 = (n: number) => randomBytes(n).toString('base64');
const SCRYPT_HEADER = () => ({ source: 'scrypt', salt: B64(16), N: 2 ** 15, r: 8, p: 1 }) as const;

const prompter = scriptedPrompter;
type Refusal = { code?: string; exitCode?: number; message: string; hint?: string };
async function refusal(f: () => Promise<unknown> | unknown): Promise<Refusal> {
  try {
    await f();
  } catch (e) {
    return e as Refusal;
  }
  throw new Error('expected a refusal');
}
function keyFile(dir: string, key: Buffer = randomBytes(32)): Buffer {
  writeFileSync(join(dir, 'key'), `${key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(join(dir, 'key'), 0o600);
  return key;
}

describe('BYOK_KEY', () => {
  it('a malformed BYOK_KEY is refused naming the variable and the 32 bytes it must hold', async () => {
    const e = await refusal(() => envKey({ BYOK_KEY: B64(16) }));
    expect(e.code).toBe('invalid-byok-key');
    expect(e.message).toMatch(/BYOK_KEY/);
    expect(e.message).toMatch(/32/);
  });

  it('stray characters before or after the base64 (a pasted label, an unbalanced quote) are refused, not decoded around', async () => {
    const good = B64(32);
    for (const bad of [`'${good}`, `:${good}`, `${good}'`, `${good}"`, `key:${good}`]) {
      expect(await refusal(() => envKey({ BYOK_KEY: bad })), bad).toMatchObject({ code: 'invalid-byok-key', exitCode: 2 });
    }
  });

  it('the trailing "=" padding may be left off: the same 32 bytes', () => {
    const raw = randomBytes(32);
    const unpadded = raw.toString('base64').replace(/=+$/, '');
    expect(unpadded).toHaveLength(43);
    expect(envKey({ BYOK_KEY: unpadded })?.equals(raw)).toBe(true);
  });

  it('a config sealed or opened with BYOK_KEY says so: "BYOK_KEY environment variable"', async () => {
    const raw = B64(32);
    const n = await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY: raw } });
    expect(n.info).toEqual({ source: 'env', detail: 'BYOK_KEY environment variable' });
    const x = await keyForExistingConfig({ configDir: configDir(), env: { BYOK_KEY: raw } }, { source: 'raw', origin: 'env' }, 'c');
    expect(x.info).toEqual({ source: 'env', detail: 'BYOK_KEY environment variable' });
  });

  it('BYOK_KEY_SOURCE=env without BYOK_KEY names both variables, and the hint says how to make a key', async () => {
    const e = await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'env' } }));
    expect(e.code).toBe('invalid-byok-key');
    expect(e.message).toMatch(/BYOK_KEY_SOURCE is env/);
    expect(e.message).toMatch(/BYOK_KEY is not set/);
    expect(e.hint).toMatch(/openssl rand -base64 32/);
    expect(e.hint).toMatch(/unset BYOK_KEY_SOURCE/);
  });
});

describe('the OS keyring', () => {
  it('with no platform given, the running one decides: on Linux without a session bus no keyring is probed, but an injected one is used', () => {
    const probed = keyringEntry({ configDir: '/c', env: {} }, 'byok');
    if (process.platform === 'linux') expect(probed).toBeUndefined();
    else expect(probed).toBeDefined();
    expect(keyringEntry({ configDir: '/c', env: {}, platform: 'linux', keyring: memoryKeyring() }, 'byok')).toBeDefined();
  });

  it('a keyring that answers leaves no timer running behind it', async () => {
    vi.useFakeTimers();
    const entry = keyringEntry({ configDir: '/c', env: {}, keyring: memoryKeyring() }, 'byok')!;
    expect(await entry.set('v')).toBe(true);
    expect(await entry.get()).toBe('v');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a keyring that reports a failed write is not trusted with a new config's key, even if the value reads back", async () => {
    const dir = configDir();
    const entries = new Map<string, string>();
    const flaky: KeyringBackend = {
      get: async (s, a) => entries.get(`${s}|${a}`),
      set: async (s, a, v) => {
        entries.set(`${s}|${a}`, v);
        throw new Error('write not confirmed');
      },
    };
    const k = await keyForNewConfig({ configDir: dir, env: {}, keyring: flaky });
    expect(k.info.source).toBe('key-file');
  });

  it('a keyring that accepts a write but does not keep it is not used (the config could never be opened again)', async () => {
    const forgetful: KeyringBackend = { get: async () => undefined, set: async () => undefined };
    expect((await keyForNewConfig({ configDir: configDir(), env: {}, keyring: forgetful })).info.source).toBe('key-file');
    const e = await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'keyring' }, keyring: forgetful }));
    expect(e).toMatchObject({ code: 'keyring-unavailable', exitCode: 3 });
    expect(e.message).toMatch(/BYOK_KEY_SOURCE is keyring/);
    expect(e.hint).toMatch(/Unlock or start the keyring/);
    expect(e.hint).toMatch(/another key source/);
  });

  it('BYOK_KEY_SOURCE=keyring seals a new config with the keyring even with BYOK_PASSPHRASE set, and says which entry', async () => {
    const dir = configDir();
    const keyring = memoryKeyring();
    const k = await keyForNewConfig({ configDir: dir, env: { BYOK_KEY_SOURCE: 'keyring', BYOK_PASSPHRASE: 'long enough pass' }, keyring });
    expect(k.info).toEqual({ source: 'keyring', detail: `OS keyring entry "byok" / ${dir}` });
    expect(keyring.entries.get(`byok|${dir}`)).toBe(k.key.toString('base64'));
    const again = await keyForExistingConfig({ configDir: dir, env: {}, keyring }, k.header, 'c');
    expect(again.key.equals(k.key)).toBe(true);
    expect(again.info).toEqual({ source: 'keyring', detail: `OS keyring entry "byok" / ${dir}` });
  });

  it('a keyring-sealed config whose keyring entry is gone is no-key: no new key is made in the keyring, and a key file lying next to it is not used', async () => {
    const dir = configDir();
    keyFile(dir);
    const keyring = memoryKeyring();
    const e = await refusal(() => keyForExistingConfig({ configDir: dir, env: {}, keyring }, { source: 'raw', origin: 'keyring' }, join(dir, 'config.json')));
    expect(e).toMatchObject({ code: 'no-key', exitCode: 3 });
    expect(e.message).toContain(join(dir, 'config.json'));
    expect(e.message).toMatch(/from the OS keyring/);
    expect(e.hint).toMatch(/BYOK_KEY/);
    expect(e.hint).toMatch(/unlock the OS keyring/);
    expect(e.hint).toMatch(/restore the key file/);
    expect(keyring.entries.size).toBe(0);
  });

  it('BYOK_KEY_SOURCE=key-file opens a key-file config with the key file, even when the keyring holds a key for that directory', async () => {
    const dir = configDir();
    const fileKey = keyFile(dir);
    const keyring = memoryKeyring();
    keyring.entries.set(`byok|${dir}`, B64(32));
    const k = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEY_SOURCE: 'key-file' }, keyring }, { source: 'raw', origin: 'key-file' }, 'c');
    expect(k.key.equals(fileKey)).toBe(true);
    expect(k.info).toMatchObject({ source: 'key-file', detail: join(dir, 'key') });
    expect(k.info.warning).toMatch(/only protects against the config file leaking alone/);
  });
});

describe('a passphrase', () => {
  it('opening an existing passphrase config asks once, and the same passphrase, prompted or from BYOK_PASSPHRASE, gives the same key', async () => {
    const dir = configDir();
    const made = await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: prompter('correct horse', 'correct horse') });
    const p = prompter('correct horse');
    const byPrompt = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: p }, made.header, 'c');
    expect(p.asked).toEqual(['Passphrase for the byok config:']);
    expect(byPrompt.key.equals(made.key)).toBe(true);
    expect(byPrompt.info).toEqual({ source: 'passphrase', detail: 'passphrase prompt (scrypt)' });
    const byEnv = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'correct horse' } }, made.header, 'c');
    expect(byEnv.key.equals(made.key)).toBe(true);
    expect(byEnv.info).toEqual({ source: 'passphrase', detail: 'BYOK_PASSPHRASE (scrypt)' });
  });

  it('two different prompted passphrases are refused saying nothing was written; one too short says the 8-character minimum', async () => {
    const dir = configDir();
    const m = await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: prompter('correct horse', 'correct h0rse') }));
    expect(m.code).toBe('passphrase-mismatch');
    expect(m.message).toMatch(/differ/);
    expect(m.message).toMatch(/nothing was written/);
    expect(m.hint).toMatch(/again/);
    const s = await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: prompter('short', 'short') }));
    expect(s.code).toBe('passphrase-too-short');
    expect(s.message).toMatch(/8 characters/);
    expect(s.hint).toMatch(/longer passphrase/);
    expect(statSync(join(dir, 'key'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('no passphrase to be had: a new config pinned to one, or a passphrase-sealed config, is refused saying to set BYOK_PASSPHRASE or use a terminal', async () => {
    const n = await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEY_SOURCE: 'passphrase', BYOK_KEYRING: 'off' } }));
    expect(n.code).toBe('config-locked-by-passphrase');
    expect(n.message).toMatch(/BYOK_KEY_SOURCE is passphrase/);
    expect(n.hint).toMatch(/BYOK_PASSPHRASE/);
    expect(n.hint).toMatch(/terminal/);
    const dir = configDir();
    const x = await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }, SCRYPT_HEADER(), join(dir, 'config.json')));
    expect(x.code).toBe('config-locked-by-passphrase');
    expect(x.message).toContain(join(dir, 'config.json'));
    expect(x.message).toMatch(/protected by a passphrase/);
    expect(x.hint).toMatch(/BYOK_PASSPHRASE/);
    expect(x.hint).toMatch(/terminal/);
  });
  it('a new config is not sealed with a BYOK_PASSPHRASE shorter than 8 characters (the same minimum as the prompt): refused, nothing written', async () => {
    const dir = configDir();
    const s = await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'abc1234' } }));
    expect(s.code).toBe('passphrase-too-short');
    expect(s.message).toMatch(/BYOK_PASSPHRASE is shorter than 8 characters/);
    expect(s.hint).toMatch(/longer BYOK_PASSPHRASE/);
    expect(s.hint).toMatch(/Nothing was written/);
    expect(statSync(join(dir, 'key'), { throwIfNoEntry: false })).toBeUndefined();
    // Eight characters is enough.
    expect((await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'abcd1234' } })).info.source).toBe('passphrase');
  });

  it('an existing config is opened with the passphrase given, whatever its length: the minimum is for sealing a new config, and a prompted short one is tried, not refused', async () => {
    const dir = configDir();
    const made = await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'correct horse' } });
    // A short answer at the prompt gives a (wrong) key to try: the config's seal says whether it opens.
    const p = prompter('short');
    const tried = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' }, prompter: p }, made.header, 'c');
    expect(p.asked).toEqual(['Passphrase for the byok config:']);
    expect(tried.key.equals(made.key)).toBe(false);
    // BYOK_PASSPHRASE of any length opens the config it sealed (an older byok let short ones seal).
    const short = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'abc' } }, made.header, 'c');
    expect(short.info.source).toBe('passphrase');
  });

  it('BYOK_PASSPHRASE set but empty counts as unset: a new config prompts for the passphrase twice, as with no variable at all', async () => {
    const p = prompter('correct horse', 'correct horse');
    const k = await keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: '' }, prompter: p });
    expect(p.asked).toEqual(['Passphrase for the byok config:', 'Repeat the passphrase:']);
    expect(k.info).toEqual({ source: 'passphrase', detail: 'passphrase prompt (scrypt)' });
    // A typo in the second answer is caught, not sealed in.
    expect(await refusal(() => keyForNewConfig({ configDir: configDir(), env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: '' }, prompter: prompter('correct horse', 'correct h0rse') }))).toMatchObject({ code: 'passphrase-mismatch' });
  });
});

describe('a key file', () => {
  it.skipIf(process.getuid?.() !== 0)('one that belongs to another user is refused key-file-owner, naming the file and its owner', async () => {
    const dir = configDir();
    keyFile(dir);
    chownSync(join(dir, 'key'), 4321, 4321);
    const e = await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }, { source: 'raw', origin: 'key-file' }, 'c'));
    expect(e).toMatchObject({ code: 'key-file-owner', exitCode: 3 });
    expect(e.message).toContain(join(dir, 'key'));
    expect(e.message).toMatch(/another user \(uid 4321\)/);
    expect(e.hint).toMatch(/chmod 600/);
  });

  it('where the OS has no user ids (no process.getuid), a 0600 key file is used on its mode alone', async () => {
    const dir = configDir();
    const k = keyFile(dir);
    const getuid = process.getuid;
    (process as { getuid?: unknown }).getuid = undefined;
    try {
      const opened = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }, { source: 'raw', origin: 'key-file' }, 'c');
      expect(opened.key.equals(k)).toBe(true);
    } finally {
      process.getuid = getuid;
    }
  });

  it('one that is not a regular file is refused naming the file, with a hint to put the right key file back', async () => {
    const dir = configDir();
    mkdirSync(join(dir, 'key'));
    const e = await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }));
    expect(e.code).toBe('key-file-not-a-file');
    expect(e.message).toContain(`${join(dir, 'key')} is not a regular file; byok will not use it`);
    expect(e.hint).toMatch(/Replace it with the key file the config was written with/);
  });

  it('one that can be read by others is refused naming the file', async () => {
    const dir = configDir();
    keyFile(dir);
    chmodSync(join(dir, 'key'), 0o644);
    const e = await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }, { source: 'raw', origin: 'key-file' }, 'c'));
    expect(e.code).toBe('key-file-permissions');
    expect(e.message).toContain(`The key file ${join(dir, 'key')} can be read or written by other users`);
    expect(e.hint).toContain(`chmod 600 ${join(dir, 'key')}`);
  });

  it('a new config never overwrites a key file already there, even one it cannot use: that one is refused as key-file-unusable, saying to move it aside', async () => {
    const dir = configDir();
    const short = `${B64(31)}\n`;
    writeFileSync(join(dir, 'key'), short, { mode: 0o600 });
    const e = await refusal(() => keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off' } }));
    // Said as what it is, with what to do: not a raw EEXIST from the file system.
    expect(e.code).toBe('key-file-unusable');
    expect(e.message).toBe(`The key file ${join(dir, 'key')} does not hold a 32-byte key (base64); byok will not use it or replace it.`);
    expect(e.hint).toMatch(/move it aside/);
    expect(e.hint).toMatch(/Nothing was written/);
    expect(readFileSync(join(dir, 'key'), 'utf8')).toBe(short);
  });
});

describe('an existing config: what the refusals say', () => {
  it('an unknown BYOK_KEY_SOURCE is refused listing the four accepted values, naming a near miss, and never repeating the value (a pasted key or passphrase)', async () => {
    const e = await refusal(() => configuredKeySource({ configDir: '/c', env: { BYOK_KEY_SOURCE: 'keyfile' } }));
    expect(e).toMatchObject({ code: 'invalid-key-source', exitCode: 2 });
    expect(e.message).toBe('BYOK_KEY_SOURCE must be one of env, keyring, passphrase, key-file; it is set to something else (7 characters).');
    expect(e.hint).toBe('Did you mean key-file? Set it to the key source your config is sealed with, or unset it.');
    for (const pasted of [B64(32), 'correct horse battery staple']) {
      const x = await refusal(() => configuredKeySource({ configDir: '/c', env: { BYOK_KEY_SOURCE: pasted } }));
      expect(x.code).toBe('invalid-key-source');
      expect(`${x.message} ${x.hint}`).not.toContain(pasted.slice(0, 8));
      expect(x.hint).toBe('Set it to the key source your config is sealed with, or unset it.');
    }
  });

  it('BYOK_KEY with a BYOK_KEY_SOURCE that disagrees is refused naming both, with a hint to unset one', async () => {
    const e = await refusal(() => configuredKeySource({ configDir: '/c', env: { BYOK_KEY: B64(32), BYOK_KEY_SOURCE: 'keyring' } }));
    expect(e).toMatchObject({ code: 'invalid-key-source', exitCode: 2 });
    expect(e.message).toMatch(/BYOK_KEY is set, but BYOK_KEY_SOURCE says keyring/);
    expect(e.hint).toMatch(/Unset one of them/);
  });

  it('key-source-mismatch says what in the environment expects another source, and that nothing was read', async () => {
    const dir = configDir();
    const path = join(dir, 'config.json');
    const byKey = await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEY: B64(32) } }, SCRYPT_HEADER(), path));
    expect(byKey).toMatchObject({ code: 'key-source-mismatch', exitCode: 3 });
    expect(byKey.message).toContain(`The config ${path} says it is sealed with a passphrase, but BYOK_KEY is set, so it must be sealed with BYOK_KEY`);
    expect(byKey.hint).toMatch(/Nothing was read or changed/);
    expect(byKey.hint).toMatch(/set BYOK_KEY_SOURCE to the one the file uses/);
    const pinned = await refusal(() => keyForExistingConfig({ configDir: dir, env: { BYOK_KEY_SOURCE: 'keyring' } }, { source: 'raw', origin: 'key-file' }, path));
    expect(pinned.message).toMatch(/but BYOK_KEY_SOURCE is keyring, so it must be sealed with the OS keyring/);
    const keyring = memoryKeyring();
    keyring.entries.set(`byok|${dir}`, B64(32));
    const held = await refusal(() => keyForExistingConfig({ configDir: dir, env: {}, keyring }, SCRYPT_HEADER(), path));
    expect(held.message).toContain(`but the OS keyring holds a key for ${dir}, so it must be sealed with the OS keyring`);
  });

  it('BYOK_PASSPHRASE set but empty counts as unset for an existing config too: the prompt is asked', async () => {
    const dir = configDir();
    const made = await keyForNewConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: 'correct horse' } });
    const p = prompter('correct horse');
    const k = await keyForExistingConfig({ configDir: dir, env: { BYOK_KEYRING: 'off', BYOK_PASSPHRASE: '' }, prompter: p }, made.header, 'c');
    expect(p.asked).toHaveLength(1);
    expect(k.key.equals(made.key)).toBe(true);
    expect(k.info.detail).toBe('passphrase prompt (scrypt)');
  });
});
