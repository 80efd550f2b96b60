// Issue 9 item 12 and the lock half of item 13, in-process on the real store. A crash is injected
// by stopping the third step of a write (the commit of the config) the way a SIGKILL or ENOSPC would.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigDoc } from '../../../src/core/config-doc.js';
import { LocalStateError } from '../../../src/core/errors.js';
import { readAuditLog, verifyAuditLog } from '../../../src/store/audit-log.js';
import { ConfigStore, type StoreOptions } from '../../../src/store/config-store.js';
import { withLock } from '../../../src/store/lock.js';
import { CrashingStore } from '../../helpers/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function options(): StoreOptions {
  const dir = mkdtempSync(join(tmpdir(), 'byok-store-'));
  dirs.push(dir);
  return { configDir: join(dir, 'cfg'), env: { BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off' }, now: () => new Date('2026-11-27T12:00:00Z'), user: () => 'alice' };
}



const event = (type: string) => ({ type, user: 'alice', workspace: 'bank', details: { n: 1 } });
const setPolicy = (policy: string) => (doc: ConfigDoc, tx: { audit(e: ReturnType<typeof event>): void }) => {
  doc.currentWorkspace = policy;
  tx.audit(event('policy-changed'));
};

describe('a write interrupted between its audit event and its config change', () => {
  it('leaves an uncommitted event that audit verify reports as such, and the next writer rolls it back (never adopts it) with its own record', async () => {
    const o = options();
    const store = new ConfigStore(o);
    await store.update(setPolicy('allow'));
    // Second write: step 1 (announce) is write 1, step 3 (commit) is write 2 — crash there.
    await expect(new CrashingStore(o, 2).update(setPolicy('strict'))).rejects.toThrow('simulated crash');
    const log = join(o.configDir, 'audit.jsonl');
    expect(await readAuditLog(log)).toHaveLength(2);
    const fresh = new ConfigStore(o);
    const { doc } = await fresh.read();
    expect(doc.currentWorkspace).toBe('allow');
    const v = await verifyAuditLog(log, doc.audit);
    expect(v.ok).toBe(false);
    expect(v.uncommitted).toBe(1);
    expect(v.problems.at(-1)?.problem).toMatch(/uncommitted/);

    await fresh.update((d, tx) => {
      d.currentWorkspace = 'warn';
      tx.audit(event('policy-changed'));
    });
    const after = await fresh.read();
    const entries = await readAuditLog(log);
    expect(entries.map((e) => e.event.type)).toEqual(['policy-changed', 'audit-uncommitted-rolled-back', 'policy-changed']);
    expect(entries[1]!.event.details).toMatchObject({ events: 1, types: 'policy-changed', sealedCount: 1 });
    expect((await verifyAuditLog(log, after.doc.audit)).ok).toBe(true);
  });

  it('an interrupted announce (step 1) changes nothing at all', async () => {
    const o = options();
    await new ConfigStore(o).update(setPolicy('allow'));
    const log = join(o.configDir, 'audit.jsonl');
    const before = readFileSync(log);
    await expect(new CrashingStore(o, 1).update(setPolicy('strict'))).rejects.toThrow('simulated crash');
    expect(readFileSync(log).equals(before)).toBe(true);
    const { doc } = await new ConfigStore(o).read();
    expect((await verifyAuditLog(log, doc.audit)).ok).toBe(true);
  });

  it('events beyond the head that the config never announced are refused, not rolled back', async () => {
    const o = options();
    const store = new ConfigStore(o);
    await store.update(setPolicy('allow'));
    const config = join(o.configDir, 'config.json');
    const old = readFileSync(config);
    await store.update(setPolicy('strict'));
    await store.update(setPolicy('warn'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(config, old);
    await expect(new ConfigStore(o).update(setPolicy('allow'))).rejects.toMatchObject({ code: 'audit-log-extended', exitCode: 3 });
  });
});

describe('the config lock', () => {
  it('a holder that lost the lock (paused while another process took it over) stops before writing, with exit 3 and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byok-lock-'));
    dirs.push(dir);
    const err = await withLock(dir, dir, async (guard) => {
      // What a takeover looks like to the holder: the lock's mtime is no longer the one it set.
      utimesSync(join(dir, 'config.lock'), new Date(0), new Date(0));
      await sleep(1_300);
      try {
        guard.assertHeld();
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(LocalStateError);
    expect((err as LocalStateError).exitCode).toBe(3);
    expect((err as LocalStateError).message).toMatch(/lost the config lock/);
  });
});
