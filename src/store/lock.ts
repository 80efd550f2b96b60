// Inter-process lock around every read-modify-write of the config (proper-lockfile: an atomic
// mkdir with an mtime heartbeat), so concurrent byok processes never lose each other's writes.
// Only "someone else holds it" is waited on; a directory byok cannot write is said at once. A
// holder that was paused (SIGSTOP) long enough for another process to take the lock over learns
// it has lost the lock before its next write, and stops with exit 3 instead of a stack trace.
import { join } from 'node:path';
import { LocalStateError } from '../core/errors.js';

const WAIT_MS = 30_000;

export interface LockGuard {
  /** Throws (exit 3) when the lock was taken over while we held it: nothing more may be written. */
  assertHeld(): void;
}

function denied(code: string, configDir: string, cause: unknown): LocalStateError {
  const why = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by you';
  return new LocalStateError('config-dir-unwritable', `The config directory ${configDir} ${why} (${code}), so byok cannot change anything in it.`, `Check its owner and mode (it should be yours, 0700): ls -ld ${configDir}. Nothing was changed.`, { cause });
}

export async function withLock<T>(configDir: string, target: string, fn: (guard: LockGuard) => Promise<T>): Promise<T> {
  const lockPath = join(configDir, 'config.lock');
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  // Loaded here, not at the top: commands that only read never take the lock.
  const { default: lockfile } = await import('proper-lockfile');
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; release === undefined; attempt++) {
    try {
      release = await lockfile.lock(target, {
        lockfilePath: lockPath,
        realpath: false,
        // A live holder refreshes the lock's mtime every second; one killed with SIGKILL stops, and
        // after 4 s its lock is taken over. Holds are milliseconds long, so 4 s is generous.
        stale: 4_000,
        update: 1_000,
        retries: 0,
        onCompromised: (err) => {
          compromised = err;
        },
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw denied(code, configDir, e);
      if (code !== 'ELOCKED') throw new LocalStateError('config-lock-failed', `The config lock ${lockPath} cannot be taken (${code || 'error'}).`, `Check the config directory ${configDir}; nothing was changed.`, { cause: e });
      if (Date.now() > deadline) throw new LocalStateError('config-locked', 'Another byok process holds the config lock and did not release it in time.', `Wait and retry. If no byok process is running, remove the stale lock directory ${lockPath}.`, { cause: e });
      const ms = Math.min(150, 10 * 1.3 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
  const guard: LockGuard = {
    assertHeld() {
      if (compromised) {
        throw new LocalStateError('config-lock-lost', 'This byok process lost the config lock while it held it (it was paused or too slow, and another process took the lock over); it stopped before writing anything more.', 'Run the command again. Check byok audit verify if it was interrupted mid-change.', { cause: compromised });
      }
    },
  };
  try {
    return await fn(guard);
  } finally {
    if (!compromised) await release().catch(() => undefined);
  }
}
