// Inter-process lock around every read-modify-write of the config (proper-lockfile: an atomic
// mkdir with an mtime heartbeat), so concurrent byok processes never lose each other's writes.
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { LocalStateError } from '../core/errors.js';

export async function withLock<T>(configDir: string, target: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = join(configDir, 'config.lock');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      lockfilePath: lockPath,
      realpath: false,
      // A live holder refreshes the lock's mtime every second; one killed with SIGKILL stops, and
      // after 4 s its lock is taken over. Holds are milliseconds long, so 4 s is generous.
      stale: 4_000,
      update: 1_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 150, randomize: true },
    });
  } catch (e) {
    throw new LocalStateError('config-locked', 'Another byok process holds the config lock and did not release it in time.', `Wait and retry. If no byok process is running, remove the stale lock directory ${lockPath}.`, { cause: e });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
