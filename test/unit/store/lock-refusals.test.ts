// The config lock's refusals and its waiting, in-process (src/store/lock.ts). proper-lockfile is
// replaced by a stand-in that fails as the file system would: running as root here, a directory
// cannot be made unwritable or read-only, and a 30 s wait is not waited for real. The lock's real
// behaviour (holds never overlap, release, take-over) is in lock.test.ts.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../../src/core/errors.js';
import { withLock } from '../../../src/store/lock.js';

type LockOptions = { lockfilePath: string; onCompromised: (e: Error) => void };
const lib = vi.hoisted(() => ({
  calls: 0,
  lock: (async () => async () => undefined) as (file: string, o: LockOptions) => Promise<() => Promise<void>>,
}));
vi.mock('proper-lockfile', () => ({
  default: {
    lock: (file: string, o: LockOptions) => {
      lib.calls += 1;
      return lib.lock(file, o);
    },
  },
}));

const DIR = '/var/lib/byok-test/cfg';
const sysErr = (code: string | undefined, what = 'mkdir') => Object.assign(new Error(`${code ?? 'failure'}: ${what} '${DIR}/config.lock'`), code ? { code } : {});

afterEach(() => {
  lib.calls = 0;
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function refusal(p: Promise<unknown>): Promise<{ code?: string; exitCode?: number; message: string; hint?: string; cause?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a refusal');
}

describe('a config directory byok cannot write', () => {
  it('not writable (EACCES or EPERM) is said at once, not waited on: config-dir-unwritable (exit 3), naming the directory and how to check it, nothing run', async () => {
    for (const code of ['EACCES', 'EPERM']) {
      lib.calls = 0;
      const cause = sysErr(code);
      lib.lock = async () => {
        throw cause;
      };
      let ran = false;
      const e = await refusal(withLock(DIR, DIR, async () => void (ran = true)));
      expect(e, code).toMatchObject({ code: 'config-dir-unwritable', exitCode: EXIT.localState });
      expect(e.message).toBe(`The config directory ${DIR} is not writable by you (${code}), so byok cannot change anything in it.`);
      expect(e.hint).toContain(`ls -ld ${DIR}`);
      expect(e.hint).toMatch(/Nothing was changed/);
      expect(e.cause).toBe(cause);
      expect(lib.calls).toBe(1);
      expect(ran).toBe(false);
    }
  });

  it('on a read-only file system (EROFS) it says so, not that the directory is not yours', async () => {
    lib.lock = async () => {
      throw sysErr('EROFS');
    };
    const e = await refusal(withLock(DIR, DIR, async () => 1));
    expect(e.code).toBe('config-dir-unwritable');
    expect(e.message).toContain(`${DIR} is on a read-only file system (EROFS)`);
    expect(e.message).not.toMatch(/not writable by you/);
    expect(lib.calls).toBe(1);
  });

  it('any other failure is config-lock-failed naming the lock and the config directory, "(error)" when the system gave no code, and keeps the cause', async () => {
    const cause = sysErr(undefined);
    lib.lock = async () => {
      throw cause;
    };
    const e = await refusal(withLock(DIR, DIR, async () => 1));
    expect(e).toMatchObject({ code: 'config-lock-failed', exitCode: EXIT.localState });
    expect(e.message).toBe(`The config lock ${join(DIR, 'config.lock')} cannot be taken (error).`);
    expect(e.hint).toContain(`Check the config directory ${DIR}; nothing was changed.`);
    expect(e.cause).toBe(cause);
  });
});

describe('waiting for another holder', () => {
  /** The lock is held by someone else for `busy` attempts, then free; each attempt may move the clock. */
  function heldFor(busy: number, clock?: (attempt: number) => void) {
    const delays: number[] = [];
    lib.lock = async () => {
      clock?.(lib.calls);
      if (lib.calls <= busy) throw sysErr('ELOCKED', 'lock');
      return async () => undefined;
    };
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as never);
    return delays;
  }

  it('retries start about 10 ms apart and back off to about 150 ms, each jittered between half and one and a half times that', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const low = heldFor(14);
    await expect(withLock(DIR, DIR, async () => 'held')).resolves.toBe('held');
    expect(lib.calls).toBe(15);
    expect(low).toHaveLength(14);
    expect(low[0]).toBeCloseTo(5);
    expect(low.at(-1)).toBeCloseTo(75);
    for (let i = 1; i < low.length; i++) expect(low[i]!, `retry ${i}`).toBeGreaterThanOrEqual(low[i - 1]!);
    expect(low[5]!).toBeGreaterThan(low[0]!);

    vi.restoreAllMocks();
    lib.calls = 0;
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const high = heldFor(14);
    await withLock(DIR, DIR, async () => 1);
    expect(high[0]).toBeCloseTo(14.99, 1);
    expect(Math.max(...high)).toBeLessThan(225);
    expect(high.at(-1)).toBeCloseTo(224.85, 1);
    for (const d of high) expect(d).toBeGreaterThan(0);
  });

  it('a holder that keeps the lock for more than 30 s: config-locked (exit 3) once the clock is past the 30 s, never before, naming the stale lock directory to remove', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    // The clock at each attempt: at the start, 10 s in, exactly 30 s in (still waited), then past it.
    const at = [0, 10_000, 30_000, 30_001];
    const cause = sysErr('ELOCKED', 'lock');
    lib.lock = async () => {
      vi.setSystemTime(start + (at[lib.calls - 1] ?? 60_000));
      if (lib.calls < 8) throw cause;
      return async () => undefined;
    };
    let ran = false;
    const e = await refusal(withLock(DIR, DIR, async () => void (ran = true)));
    expect(lib.calls).toBe(4);
    expect(ran).toBe(false);
    expect(e).toMatchObject({ code: 'config-locked', exitCode: EXIT.localState });
    expect(e.message).toMatch(/Another byok process holds the config lock and did not release it in time/);
    expect(e.hint).toMatch(/Wait and retry/);
    expect(e.hint).toContain(`remove the stale lock directory ${join(DIR, 'config.lock')}`);
    expect(e.cause).toBe(cause);
  });
});

describe('a lock lost while held', () => {
  it('assertHeld stops the holder with config-lock-lost, whose hint says to run again and check the audit log, keeping the lock library\'s reason', async () => {
    let compromise!: (e: Error) => void;
    lib.lock = async (_f, o) => {
      expect(o.lockfilePath).toBe(join(DIR, 'config.lock'));
      compromise = o.onCompromised;
      return async () => undefined;
    };
    const reason = new Error('Unable to update lock within the stale threshold');
    const e = await withLock(DIR, DIR, async (guard) => {
      guard.assertHeld();
      compromise(reason);
      try {
        guard.assertHeld();
      } catch (x) {
        return x as { code: string; exitCode: number; hint: string; cause: unknown };
      }
      throw new Error('assertHeld did not stop the holder');
    });
    expect(e).toMatchObject({ code: 'config-lock-lost', exitCode: EXIT.localState });
    expect(e.hint).toMatch(/Run the command again/);
    expect(e.hint).toMatch(/byok audit verify/);
    expect(e.cause).toBe(reason);
  });
});
