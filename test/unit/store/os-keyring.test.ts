// With no keyring injected, byok uses the OS keyring through @napi-rs/keyring (here replaced by an
// in-memory AsyncEntry, as test/helpers/fake-keyring does for the built CLI): a new config's key is
// kept under the service "byok" and the config directory, and read back from there to open it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyForExistingConfig, keyForNewConfig, osKeyring } from '../../../src/store/key-providers.js';

const store = vi.hoisted(() => new Map<string, string>());
vi.mock('@napi-rs/keyring', () => ({
  AsyncEntry: class {
    private readonly id: string;
    constructor(service: string, account: string) {
      this.id = `${service}|${account}`;
    }
    async getPassword(): Promise<string | null> {
      return store.get(this.id) ?? null;
    }
    async setPassword(v: string): Promise<void> {
      store.set(this.id, v);
    }
  },
}));

const dirs: string[] = [];
afterEach(() => {
  store.clear();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function configDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'byok-oskeyring-'));
  dirs.push(d);
  return d;
}

describe('the OS keyring, when none is injected', () => {
  it("keeps a new config's key under (\"byok\", the config directory) and opens the config with it again", async () => {
    const dir = configDir();
    const made = await keyForNewConfig({ configDir: dir, env: {}, platform: 'darwin' });
    expect(made.info.source).toBe('keyring');
    expect(store.get(`byok|${dir}`)).toBe(made.key.toString('base64'));
    const opened = await keyForExistingConfig({ configDir: dir, env: {}, platform: 'darwin' }, made.header, 'c');
    expect(opened.key.equals(made.key)).toBe(true);
  });

  it('an entry the OS keyring does not have reads as none (not as an empty key)', async () => {
    expect(await osKeyring.get('byok', configDir())).toBeUndefined();
    const dir = configDir();
    await osKeyring.set('byok', dir, randomBytes(32).toString('base64'));
    expect(await osKeyring.get('byok', dir)).toBe(store.get(`byok|${dir}`));
  });
});
