// The config lock (src/store/lock.ts): concurrent read-modify-writes never interleave, the lock
// is released after every hold (also one that throws), a holder waits for another instead of
// failing, and a lock it cannot take for another reason is said with exit 3. Written for the
// mutation pass (issue 15).
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, LocalStateError } from '../../../src/core/errors.js';
import { withLock } from '../../../src/store/lock.js';

const dirs: string[] = [];
function configDir(): { dir: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'byok-lock-'));
  dirs.push(dir);
  const target = join(dir, 'config.json');
  writeFileSync(target, '{}');
  return { dir, target };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the config lock', () => {
  it('holds never overlap: every read-modify-write sees the previous one\'s result', async () => {
    const { dir, target } = configDir();
    let inside = 0;
    let maxInside = 0;
    let counter = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withLock(dir, target, async (guard) => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          const read = counter;
          await new Promise((r) => setTimeout(r, 5));
          guard.assertHeld();
          counter = read + 1;
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(counter).toBe(8);
    expect(existsSync(join(dir, 'config.lock'))).toBe(false);
  });

  it('returns what the hold returns, and releases the lock after it', async () => {
    const { dir, target } = configDir();
    await expect(withLock(dir, target, async () => 42)).resolves.toBe(42);
    expect(existsSync(join(dir, 'config.lock'))).toBe(false);
    await expect(withLock(dir, target, async () => 'again')).resolves.toBe('again');
  });

  it('a hold that throws releases the lock, and its error is the one surfaced', async () => {
    const { dir, target } = configDir();
    await expect(withLock(dir, target, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(existsSync(join(dir, 'config.lock'))).toBe(false);
    await expect(withLock(dir, target, async () => 1)).resolves.toBe(1);
  });

  it('a lock that cannot be taken for another reason (its directory is missing) is a local-state error naming it', async () => {
    const { dir, target } = configDir();
    const missing = join(dir, 'no-such-dir');
    const e = await withLock(missing, target, async () => 1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LocalStateError);
    expect(e).toMatchObject({ code: 'config-lock-failed', exitCode: EXIT.localState });
    expect((e as Error).message).toContain(join(missing, 'config.lock'));
    expect((e as Error).message).toMatch(/\(ENOENT\)/);
  });

  it('a holder that keeps its lock is not disturbed: assertHeld passes while it holds', async () => {
    const { dir, target } = configDir();
    await withLock(dir, target, async (guard) => {
      await new Promise((r) => setTimeout(r, 1200));
      expect(() => guard.assertHeld()).not.toThrow();
    });
  });

  it('a holder whose lock was taken over while it was paused learns it before its next write: assertHeld stops it with config-lock-lost (exit 3), and its release leaves the new holder\'s lock alone', async () => {
    const { dir, target } = configDir();
    const lockDir = join(dir, 'config.lock');
    let err: unknown;
    await withLock(dir, target, async (guard) => {
      // Another process judged the lock stale and took it over: the directory is replaced by its own.
      rmSync(lockDir, { recursive: true, force: true });
      mkdirSync(lockDir);
      // With another mtime than the holder's last heartbeat set (a directory made in the same second
      // could carry the same one where the file system keeps whole seconds).
      const past = new Date(Date.now() - 3_600_000);
      utimesSync(lockDir, past, past);
      // The holder's next heartbeat (every second) finds the lock is no longer the one it made.
      // Polled rather than one fixed wait: on a loaded machine the heartbeat's timer runs late.
      for (let waited = 0; err === undefined && waited < 20_000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250));
        try {
          guard.assertHeld();
        } catch (e) {
          err = e;
        }
      }
    });
    expect(err).toBeInstanceOf(LocalStateError);
    expect(err).toMatchObject({ code: 'config-lock-lost', exitCode: EXIT.localState });
    expect(existsSync(lockDir)).toBe(true);
  });

  it('a holder waits for another holder to finish rather than failing, then takes the lock', async () => {
    const { dir, target } = configDir();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = withLock(dir, target, async () => {
      order.push('first holds');
      await new Promise<void>((r) => (releaseFirst = r));
      order.push('first done');
    });
    while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
    const second = withLock(dir, target, async () => void order.push('second holds'));
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(['first holds']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first holds', 'first done', 'second holds']);
  });
});
