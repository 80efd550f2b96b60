// The audit log under failing storage (README "Local state": events are appended whole and
// fsync'd — a short write is cut back — or not at all). Root ignores permissions and this machine
// has no full or failing disk to offer, so the faults are injected at the one seam there is: the
// node:fs calls the log makes. Everything else is the real file system; each fault is switched on
// for one call, by name, and the rest of node:fs is untouched.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GENESIS_HASH } from '../../../src/core/audit-event.js';
import { checkAuditState, prepareAuditEvents, verifyAuditLog, writeAuditData, type AuditHead } from '../../../src/store/audit-log.js';

/** What the next node:fs call of that name does instead of its job. */
const faults = vi.hoisted(() => ({
  open: undefined as string | undefined,
  /** The next write stores only this many bytes (a short write), or fails with this code. */
  write: [] as (number | string)[],
  fsync: undefined as string | undefined,
  ftruncate: undefined as string | undefined,
  /** Reads return at most this many bytes; after `stopAt` bytes of the file, they return 0 (the file shrank). */
  readChunk: undefined as number | undefined,
  stopAt: undefined as number | undefined,
  reads: 0,
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const err = (code: string) => Object.assign(new Error(`${code}: injected by the test`), { code });
  const mocked = {
    ...fs,
    openSync: (...a: Parameters<typeof fs.openSync>) => {
      const code = faults.open;
      faults.open = undefined;
      if (code) throw err(code);
      return fs.openSync(...a);
    },
    writeSync: (fd: number, buf: Buffer, off: number, len: number, pos: number) => {
      const f = faults.write.shift();
      if (typeof f === 'string') throw err(f);
      return fs.writeSync(fd, buf, off, f === undefined ? len : Math.min(f, len), pos);
    },
    fsyncSync: (fd: number) => {
      const code = faults.fsync;
      faults.fsync = undefined;
      if (code) throw err(code);
      fs.fsyncSync(fd);
    },
    ftruncateSync: (fd: number, len?: number) => {
      const code = faults.ftruncate;
      faults.ftruncate = undefined;
      if (code) throw err(code);
      fs.ftruncateSync(fd, len);
    },
    readSync: (fd: number, buf: Buffer, off: number, len: number, pos: number) => {
      faults.reads += 1;
      if (faults.reads > 10_000) throw new Error('the reader keeps reading a file that ended');
      if (faults.stopAt !== undefined && pos >= faults.stopAt) return 0;
      const max = Math.min(len, faults.readChunk ?? len, faults.stopAt === undefined ? len : faults.stopAt - pos);
      return fs.readSync(fd, buf, off, max, pos);
    },
  };
  return { ...mocked, default: mocked };
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  Object.assign(faults, { open: undefined, write: [], fsync: undefined, ftruncate: undefined, readChunk: undefined, stopAt: undefined, reads: 0 });
});
const AT = new Date('2026-11-27T12:00:00Z');
const START: AuditHead = { count: 0, head: GENESIS_HASH, bytes: 0 };
const events = (from: AuditHead, n: number) => prepareAuditEvents(from, Array.from({ length: n }, (_, i) => ({ type: 'policy-changed', user: 'alice', workspace: 'bank', details: { n: from.count + i + 1 } })), AT);
function logOf(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'byok-audit-io-'));
  dirs.push(dir);
  const path = join(dir, 'audit.jsonl');
  const { data, head } = events(START, n);
  writeFileSync(path, data);
  return { path, data, head, seal: { count: head.count, head: head.head, bytes: head.bytes } };
}
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string; hint?: string; cause?: unknown };
  }
  throw new Error('expected a refusal');
};

describe('a write is whole and on disk, or not there at all', () => {
  it('short writes are continued where they stopped until the whole event is on disk', async () => {
    const { path, data, head } = logOf(3);
    const next = events(head, 2);
    faults.write = [17, 1, 40];
    writeAuditData(path, head.bytes, next.data);
    expect(readFileSync(path)).toEqual(Buffer.concat([data, next.data]));
    expect(await verifyAuditLog(path, { count: next.head.count, head: next.head.head, bytes: next.head.bytes })).toMatchObject({ ok: true, count: 5 });
  });

  it('a write that fails part way (ENOSPC after a short write) is cut back to the sealed end: the log is as it was; audit-log-unwritable with the code', () => {
    const { path, data, head, seal } = logOf(3);
    faults.write = [25, 'ENOSPC'];
    const e = refusal(() => writeAuditData(path, head.bytes, events(head, 1).data));
    expect(e).toMatchObject({ code: 'audit-log-unwritable', message: `The audit log ${path} cannot be written (ENOSPC).`, hint: 'Check the permissions and free space of the config directory; nothing was changed.' });
    expect(e.cause).toMatchObject({ code: 'ENOSPC' });
    expect(readFileSync(path)).toEqual(data);
    expect(checkAuditState(path, seal)).toEqual({ kind: 'ok' });
  });

  it('a failed fsync (EIO): the events written are cut back, not left for a later reader to trust', () => {
    const { path, data, head } = logOf(3);
    faults.fsync = 'EIO';
    const e = refusal(() => writeAuditData(path, head.bytes, events(head, 2).data));
    expect(e).toMatchObject({ code: 'audit-log-unwritable', message: `The audit log ${path} cannot be written (EIO).` });
    expect(readFileSync(path)).toEqual(data);
  });

  it('if cutting back fails too, the partial event stays beyond the sealed head, where it is reported as an interrupted write, and the original error is the one reported', async () => {
    const { path, data, head, seal } = logOf(3);
    const next = events(head, 1);
    faults.write = [25, 'ENOSPC'];
    faults.ftruncate = 'EIO';
    // The file is at the sealed end already, so the only ftruncate is the cut back.
    expect(refusal(() => writeAuditData(path, head.bytes, next.data))).toMatchObject({ code: 'audit-log-unwritable', message: `The audit log ${path} cannot be written (ENOSPC).` });
    expect(readFileSync(path)).toEqual(Buffer.concat([data, next.data.subarray(0, 25)]));
    const r = await verifyAuditLog(path, { ...seal, pending: next.head });
    expect(r).toMatchObject({ count: 3, uncommitted: 1 });
  });
});

describe('reading the log', () => {
  it('a log the system will not open once found (EACCES) is audit-log-unreadable, "cannot be opened", with the code and how to fix it', async () => {
    const { path, seal } = logOf(2);
    faults.open = 'EACCES';
    let e: { code?: string; message?: string; hint?: string; cause?: unknown } = {};
    await verifyAuditLog(path, seal).catch((x: typeof e) => (e = x));
    expect(e).toMatchObject({ code: 'audit-log-unreadable', message: `The audit log ${path} cannot be opened (EACCES).`, hint: expect.stringContaining('It must be a regular file owned by you (mode 0600).') });
    expect(e.cause).toMatchObject({ code: 'EACCES' });
  });

  it('reads that return a little at a time still read the whole log, for verify and for the open check', async () => {
    const { path, head, seal } = logOf(40);
    appendFileSync(path, events(head, 1).data);
    faults.readChunk = 97;
    expect(await verifyAuditLog(path, { ...seal, pending: events(head, 1).head })).toMatchObject({ count: 40, uncommitted: 1 });
    expect(checkAuditState(path, { ...seal, pending: events(head, 1).head })).toMatchObject({ kind: 'uncommitted', events: 1 });
    expect(faults.reads).toBeGreaterThan(40);
  });

  it('a log that shrinks while it is read is read up to where it ended (and found short), not waited on', async () => {
    const { path, seal } = logOf(5);
    faults.stopAt = seal.bytes - 30;
    const r = await verifyAuditLog(path);
    expect(r.ok).toBe(false);
    expect(r.problems.at(-1)?.problem).toBe('the last line is incomplete (a write was cut off)');
  });
});
