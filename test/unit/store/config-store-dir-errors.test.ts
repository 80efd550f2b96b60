// A config directory byok cannot create or restrict (README "Local state", exit 3): said at once
// as what is wrong with it (permissions, a read-only file system) with its errno and how to fix
// it, and nothing is written. Tests run as root, where mkdir and chmod are not refused for these
// reasons, so the file system's answer is injected: node:fs is the real one, with a switch that
// makes mkdirSync or chmodSync fail with a given errno for the directory under test only.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigStore } from '../../../src/store/config-store.js';

const fault = vi.hoisted(() => ({ path: undefined as string | undefined, mkdir: undefined as string | null | undefined, chmod: undefined as string | null | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  // null: an error without an errno code.
  const fail = (code: string | null) => Object.assign(new Error(`simulated ${code ?? 'failure'}`), code === null ? {} : { code });
  const mkdirSync = ((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => {
    if (fault.mkdir !== undefined && String(p) === fault.path) throw fail(fault.mkdir);
    return real.mkdirSync(p, o);
  }) as typeof real.mkdirSync;
  const chmodSync = ((p: fs.PathLike, m: fs.Mode) => {
    if (fault.chmod !== undefined && String(p) === fault.path) throw fail(fault.chmod);
    return real.chmodSync(p, m);
  }) as typeof real.chmodSync;
  return { ...real, default: { ...real, mkdirSync, chmodSync }, mkdirSync, chmodSync };
});

const roots: string[] = [];
afterEach(() => {
  fault.path = undefined;
  fault.mkdir = undefined;
  fault.chmod = undefined;
  for (const d of roots.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function place() {
  const root = fs.mkdtempSync(join(tmpdir(), 'byok-store-dir-'));
  roots.push(root);
  const dir = join(root, 'cfg');
  const warnings: string[] = [];
  const s = new ConfigStore({ configDir: dir, env: { BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off' }, now: () => new Date('2026-11-28T00:00:00Z'), user: () => 'alice', warn: (m) => warnings.push(m) });
  return { root, dir, s, warnings };
}
const write = (s: ConfigStore) => s.update((doc, tx) => {
  doc.currentWorkspace = 'bank';
  tx.audit({ type: 'policy-changed', user: 'alice', workspace: null, details: {} });
});
async function refusal(f: () => Promise<unknown>): Promise<{ code: string; exitCode: number; message: string; hint?: string; cause?: { message?: string } }> {
  try {
    await f();
  } catch (e) {
    return e as { code: string; exitCode: number; message: string; hint?: string; cause?: { message?: string } };
  }
  throw new Error('expected a refusal');
}

describe('a config directory byok cannot create', () => {
  it('says why with the errno: not yours (EACCES, EPERM), a read-only file system (EROFS), or plainly cannot be created; and nothing is made', async () => {
    const why: Record<string, string> = { EACCES: 'cannot be created by you', EPERM: 'cannot be created by you', EROFS: 'is on a read-only file system', EIO: 'cannot be created', ENOTDIR: 'is under a file, not a directory' };
    for (const [code, words] of Object.entries(why)) {
      const p = place();
      fault.path = p.dir;
      fault.mkdir = code;
      const e = await refusal(() => write(p.s));
      expect(e, code).toMatchObject({ code: 'config-dir-unusable', exitCode: 3 });
      expect(e.message).toBe(`The config directory ${p.dir} ${words} (${code}).`);
      expect(e.hint).toBe('Point BYOK_CONFIG_DIR at a directory of yours (it is created 0700 if missing). Nothing was changed.');
      expect(e.cause?.message).toBe(`simulated ${code}`);
      expect(fs.existsSync(p.dir)).toBe(false);
    }
  });

  it('an error without an errno is still said as the directory that cannot be created', async () => {
    const p = place();
    fault.path = p.dir;
    fault.mkdir = null;
    const e = await refusal(() => write(p.s));
    expect(e).toMatchObject({ code: 'config-dir-unusable', exitCode: 3 });
    expect(e.message).toBe(`The config directory ${p.dir} cannot be created (error).`);
  });
});

describe('a config directory open to others that byok cannot restrict', () => {
  it('is refused config-dir-permissions (exit 3) with the errno and the chmod to run, after saying it was open; nothing is written in it', async () => {
    for (const code of ['EPERM', null] as const) {
      const p = place();
      fs.mkdirSync(p.dir);
      fs.chmodSync(p.dir, 0o755);
      fault.path = p.dir;
      fault.chmod = code;
      const e = await refusal(() => write(p.s));
      expect(e, String(code)).toMatchObject({ code: 'config-dir-permissions', exitCode: 3 });
      expect(e.message).toBe(`${p.dir} is open to other users and byok cannot restrict it (${code ?? 'error'}).`);
      expect(e.hint).toBe(`Run: chmod 700 ${p.dir} (it must be a directory of yours). Nothing was changed.`);
      expect(e.cause?.message).toBe(`simulated ${code ?? 'failure'}`);
      expect(p.warnings.some((w) => w.includes('was open to other users (mode 755)'))).toBe(true);
      expect(fs.readdirSync(p.dir)).toEqual([]);
    }
  });
});
