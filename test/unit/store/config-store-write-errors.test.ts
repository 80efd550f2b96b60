// A config write the file system refuses (README "Local state", DESIGN exit 3): permissions, a
// read-only file system, a full disk or quota, a file too large are local state, said as
// config-unwritable naming the file and the errno, and the change is not made. Tests run as root,
// where none of these can be provoked for real, so the file system's answer is injected where the
// store hands the sealed document to conf (its atomic write): conf is the real one, with a switch
// that makes its write fail with a given errno.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigDoc } from '../../../src/core/config-doc.js';
import { ConfigStore, type AuditTx } from '../../../src/store/config-store.js';

const fault = vi.hoisted(() => ({ code: undefined as string | undefined }));

vi.mock('conf', async (importOriginal) => {
  const real = (await importOriginal<typeof import('conf')>()).default;
  class FaultyConf<T extends Record<string, unknown>> extends real<T> {
    override get store(): T {
      return super.store;
    }
    override set store(v: T) {
      if (fault.code !== undefined) throw Object.assign(new Error(`simulated write failure (${fault.code})`), { code: fault.code });
      super.store = v;
    }
  }
  return { default: FaultyConf };
});

const dirs: string[] = [];
afterEach(() => {
  fault.code = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function place() {
  const root = mkdtempSync(join(tmpdir(), 'byok-store-write-'));
  dirs.push(root);
  const dir = join(root, 'cfg');
  const s = new ConfigStore({ configDir: dir, env: { BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off' }, now: () => new Date('2026-11-28T00:00:00Z'), user: () => 'alice' });
  return { dir, s, config: join(dir, 'config.json'), log: join(dir, 'audit.jsonl') };
}
const setWs = (ws: string) => (doc: ConfigDoc, tx: AuditTx) => {
  doc.currentWorkspace = ws;
  tx.audit({ type: 'policy-changed', user: 'alice', workspace: null, details: {} });
};

describe('a config write the file system refuses', () => {
  it('is config-unwritable (exit 3) naming the file and the errno, for permissions, a read-only file system, a full disk, a file too large or a quota; config and log are left as they were', async () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EFBIG', 'EDQUOT']) {
      const p = place();
      await p.s.update(setWs('before'));
      const config = readFileSync(p.config);
      const log = readFileSync(p.log);
      fault.code = code;
      const e = await p.s.update(setWs('after')).then(() => undefined, (x: unknown) => x as { code: string; exitCode: number; message: string; hint: string; cause?: { code?: string } });
      fault.code = undefined;
      expect(e, code).toMatchObject({ code: 'config-unwritable', exitCode: 3 });
      expect(e!.message).toBe(`The config file ${p.config} cannot be written (${code}).`);
      expect(e!.hint).toBe('Check the permissions and free space of the config directory; the change was not made.');
      expect(e!.cause?.code).toBe(code);
      expect(readFileSync(p.config).equals(config), code).toBe(true);
      expect(readFileSync(p.log).equals(log), code).toBe(true);
      expect((await p.s.read()).doc.currentWorkspace).toBe('before');
    }
  });

  it('any other failure is passed on as it is, not dressed up as a full or read-only disk', async () => {
    const p = place();
    await p.s.update(setWs('before'));
    fault.code = 'EIO';
    const e = await p.s.update(setWs('after')).then(() => undefined, (x: unknown) => x as Error & { code?: string });
    expect(e?.message).toBe('simulated write failure (EIO)');
    expect(e?.code).toBe('EIO');
  });

  it('with the file system willing, the same write is made', async () => {
    const p = place();
    await p.s.update(setWs('before'));
    await p.s.update(setWs('after'));
    expect((await p.s.read()).doc.currentWorkspace).toBe('after');
  });
});
