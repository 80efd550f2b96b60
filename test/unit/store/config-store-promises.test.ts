// The config store's promises beyond sealing (README "Local state"): it says honestly what its
// integrity rests on for each key source (the README's table), it refuses a config file that is
// not a regular file (a directory, a symbolic link) and leaves it as it is, it warns when others
// can write the config directory, and the key-file warning is said once per config and key file.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anchorFor } from '../../../src/store/anchor.js';
import { ConfigStore, defaultConfigDir, integrityInfo } from '../../../src/store/config-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function root(): string {
  const d = mkdtempSync(join(tmpdir(), 'byok-store-promises-'));
  dirs.push(d);
  return d;
}
function store(configDir: string, env: Record<string, string>, warnings: string[] = []) {
  return new ConfigStore({ configDir, env: { BYOK_KEYRING: 'off', ...env }, now: () => new Date('2026-11-28T00:00:00Z'), user: () => 'alice', warn: (m) => warnings.push(m) });
}
const create = (s: ConfigStore) => s.update((doc, tx) => {
  doc.currentWorkspace = 'bank';
  tx.audit({ type: 'test-event', user: 'alice', workspace: null, details: {} });
});

describe('what the integrity rests on, per key source (README "Local state" table)', () => {
  it('a key file next to the config detects nothing done by someone who can write the config directory, and says so', () => {
    const i = integrityInfo('key-file', undefined);
    expect(i.keySource).toBe('key-file');
    expect(i.detected).toEqual(['changes by someone who can read the config but not the key file']);
    expect(i.notDetected.join(' ')).toMatch(/anything by someone who can write the config directory/);
  });

  it('without an anchor: an older config and log put back together is not detected, and the fix (BYOK_STATE_ANCHOR) is named', () => {
    for (const source of ['env', 'passphrase'] as const) {
      const i = integrityInfo(source, undefined);
      expect(i.anchor).toBeNull();
      expect(i.detected.join(' ')).toMatch(/edited or flipped config/);
      expect(i.detected.join(' ')).toMatch(/removed, inserted or reordered audit event/);
      expect(i.detected.join(' ')).not.toMatch(/put back together/);
      expect(i.notDetected.join(' ')).toMatch(/older config and log put back together \(no anchor: set BYOK_STATE_ANCHOR/);
      expect(i.notDetected.join(' ')).toMatch(/someone who knows the key/);
    }
  });

  it('with an anchor: an older config and log put back together and a deleted anchor are detected; the anchor is named', () => {
    const r = root();
    const anchor = anchorFor({ configDir: join(r, 'cfg'), env: { BYOK_STATE_ANCHOR: join(r, 'anchor.json') } }, 'env');
    const i = integrityInfo('env', anchor);
    expect(i.anchor).toBe(join(r, 'anchor.json'));
    expect(i.detected.join(' ')).toMatch(/older config and log put back together \(generation kept in the anchor\)/);
    expect(i.detected.join(' ')).toMatch(/deleted or missing anchor/);
    expect(i.notDetected.join(' ')).toMatch(/also write the anchor, or who knows the key/);
    // A key file beside the config is no better with an anchor: the key is readable to the same writers.
    expect(integrityInfo('key-file', anchor).notDetected.join(' ')).toMatch(/anything by someone who can write the config directory/);
  });
});

describe('the config file itself', () => {
  it('a config.json that is a directory, or a symbolic link (even to a real config), is refused config-unreadable (exit 3) and left as it is', async () => {
    const r = root();
    const env = { BYOK_KEY: randomBytes(32).toString('base64') };
    const real = join(r, 'real');
    await create(store(real, env));
    const linked = join(r, 'linked');
    mkdirSync(linked, { mode: 0o700 });
    symlinkSync(join(real, 'config.json'), join(linked, 'config.json'));
    const e1 = await store(linked, env).read().catch((e: unknown) => e);
    expect(e1).toMatchObject({ code: 'config-unreadable', exitCode: 3 });
    expect((e1 as Error).message).toMatch(/\(ENOTREG\)/);
    expect(readlinkSync(join(linked, 'config.json'))).toBe(join(real, 'config.json'));
    const asDir = join(r, 'dir');
    mkdirSync(join(asDir, 'config.json'), { recursive: true });
    const e2 = await store(asDir, env).read().catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: 'config-unreadable' });
    expect((e2 as Error).message).toMatch(/\(EISDIR\)/);
  });

  it('a config directory others can write is warned about with the fix (chmod 700); one only its owner can write is not', async () => {
    const r = root();
    const env = { BYOK_KEY: randomBytes(32).toString('base64') };
    const dir = join(r, 'cfg');
    await create(store(dir, env));
    for (const [mode, warned] of [[0o700, false], [0o755, false], [0o770, true], [0o702, true], [0o720, true]] as const) {
      chmodSync(dir, mode);
      const warnings: string[] = [];
      await store(dir, env, warnings).read();
      const w = warnings.filter((m) => m.includes('can be written by other users'));
      expect(w.length, mode.toString(8)).toBe(warned ? 1 : 0);
      if (warned) expect(w[0]).toContain(`chmod 700 ${dir}`);
    }
    chmodSync(dir, 0o700);
  });

  it('the key-file warning is said on the first read, and no more once a write has recorded it for that key', async () => {
    const r = root();
    const dir = join(r, 'cfg');
    const first: string[] = [];
    await create(store(dir, {}, first));
    const keyWarning = (ws: string[]) => ws.filter((m) => m.includes('key file next to it')).length;
    expect(keyWarning(first)).toBe(1);
    const second: string[] = [];
    await store(dir, {}, second).read();
    expect(keyWarning(second)).toBe(0);
  });

  it('the config directory: BYOK_CONFIG_DIR with blanks trimmed; blank or unset means the per-user config directory, named byok', () => {
    expect(defaultConfigDir({ BYOK_CONFIG_DIR: ' /srv/byok ' })).toBe('/srv/byok');
    for (const env of [{}, { BYOK_CONFIG_DIR: '  ' }]) expect(defaultConfigDir(env)).toMatch(/[/\\]byok$/);
  });
});
