// The append-only audit log: JSON lines chained by SHA-256 (core/audit-event.ts). The chain
// detects an edited, removed, inserted or reordered line; the head kept in the sealed config
// (event count, last hash, byte size) detects a cut-off tail, a deleted log or a wholesale rewrite,
// and events beyond it are either one interrupted write (announced in the config beforehand as
// `pending`) or a sign that an older config was put back.
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readSync, writeSync } from 'node:fs';
import { GENESIS_HASH, linkHash, validateAuditEvent, type AuditEventInput } from '../core/audit-event.js';
import type { AuditSeal } from '../core/config-doc.js';
import { LocalStateError } from '../core/errors.js';

export interface AuditEntry { seq: number; at: string; prev: string; hash: string; event: AuditEventInput }
export interface AuditHead { count: number; head: string; bytes: number }

/** A log larger than this is not read whole (a symlink to /dev/zero, a runaway file). */
export const AUDIT_LOG_MAX_BYTES = 256 * 1024 * 1024;

const RECOVER_HINT = (path: string): string =>
  `Inspect it with: byok audit verify (and keep a copy of ${path} as evidence). If you know why and accept the log as it is now, ` +
  'the workspace owner can re-seal it on purpose with: byok audit reset-anchor --reason "..." (recorded in the log, with what was missing). Nothing was changed.';

function unreadable(path: string, what: string, e?: unknown): LocalStateError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return new LocalStateError('audit-log-unreadable', `The audit log ${path} ${what}${code ? ` (${code})` : ''}.`, 'It must be a regular file owned by you (mode 0600). Move whatever is there aside, restore the log from a backup, then run byok audit verify.', { cause: e });
}

/** Opens the log for reading: absent is fine (null); anything but a regular file is refused. */
function openForRead(path: string): { fd: number; size: number } | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadable(path, 'cannot be examined', e);
  }
  if (!st.isFile()) throw unreadable(path, st.isSymbolicLink() ? 'is a symbolic link, not a file' : st.isDirectory() ? 'is a directory, not a file' : 'is not a regular file');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw unreadable(path, 'cannot be opened', e);
  }
  const size = fstatSync(fd).size;
  return { fd, size };
}

function readRange(fd: number, start: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, buf, off, length - off, start + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/** The first `limit` bytes of the log (all of it by default), bounded by AUDIT_LOG_MAX_BYTES. */
function readLogText(path: string, limit?: number): { text: string; size: number } {
  const f = openForRead(path);
  if (!f) return { text: '', size: 0 };
  try {
    const want = Math.min(f.size, limit ?? f.size);
    if (want > AUDIT_LOG_MAX_BYTES) throw unreadable(path, `is larger than ${AUDIT_LOG_MAX_BYTES} bytes`);
    return { text: readRange(f.fd, 0, want).toString('utf8'), size: f.size };
  } finally {
    closeSync(f.fd);
  }
}

function parseEntry(line: string): AuditEntry | null {
  try {
    const v = JSON.parse(line) as AuditEntry;
    return typeof v === 'object' && v !== null && typeof v.seq === 'number' && typeof v.hash === 'string' && typeof v.prev === 'string' && typeof v.at === 'string' && typeof v.event === 'object' && v.event !== null ? v : null;
  } catch {
    return null;
  }
}

function splitLines(text: string): { lines: string[]; torn: boolean } {
  const lines = text.split('\n');
  const torn = lines[lines.length - 1] !== '';
  if (!torn) lines.pop();
  return { lines, torn };
}

export async function readAuditLog(path: string): Promise<AuditEntry[]> {
  return splitLines(readLogText(path).text).lines.map(parseEntry).filter((e): e is AuditEntry => e !== null);
}

/** Chain problems of a run of lines that starts after `prev` at sequence number `firstSeq`. */
function chainProblems(lines: string[], prev: string, firstSeq: number): { problems: { line: number; problem: string }[]; head: string } {
  const problems: { line: number; problem: string }[] = [];
  lines.forEach((raw, i) => {
    const line = firstSeq + i;
    const e = parseEntry(raw);
    if (!e) {
      problems.push({ line, problem: 'not a valid audit entry (edited or damaged)' });
      return;
    }
    if (e.seq !== line) problems.push({ line, problem: `sequence number ${e.seq} where ${line} was expected (an event was removed, inserted or reordered)` });
    if (e.prev !== prev) problems.push({ line, problem: 'does not link to the previous event (an event was removed, inserted or reordered)' });
    if (linkHash(e.prev, e.seq, e.at, e.event) !== e.hash) problems.push({ line, problem: 'its content does not match its hash (the event was edited)' });
    prev = e.hash;
  });
  return { problems, head: prev };
}

export type AuditState =
  | { kind: 'ok' }
  /** One interrupted write: events (possibly torn) beyond the sealed head that the config announced as pending. */
  | { kind: 'uncommitted'; events: number; bytes: number }
  | { kind: 'problem'; code: 'audit-log-cut' | 'audit-log-extended' | 'audit-log-rewritten'; message: string };

function sealOf(seal: AuditSeal | undefined): AuditHead {
  return { count: seal?.count ?? 0, head: seal?.head ?? GENESIS_HASH, bytes: seal?.bytes ?? -1 };
}

/**
 * Does the log on disk end exactly at the head sealed in the config? Cheap when the config records
 * the log's size (a stat and one line read); a config from before that reads the whole log once.
 */
export function checkAuditState(path: string, seal: AuditSeal | undefined): AuditState {
  const s = sealOf(seal);
  const f = openForRead(path);
  const size = f?.size ?? 0;
  try {
    const events = `${s.count} event${s.count === 1 ? '' : 's'}`;
    // Said as what happened (the file lost its end, or is gone) and what byok knows, once each.
    const cut = (found: string): AuditState => ({ kind: 'problem', code: 'audit-log-cut', message: `The audit log ${path} was cut short (truncated) outside byok: ${found}. Events byok wrote are missing from its end, so byok stops rather than chain new events onto a log with a gap.` });
    if (s.count === 0 && size === 0) return { kind: 'ok' };
    if (!f) return { kind: 'problem', code: 'audit-log-cut', message: `The audit log ${path} is missing: it was deleted or moved outside byok, and the config records ${events} in it. byok stops rather than start a new log that would hide the loss.` };
    let sealedBytes = s.bytes;
    if (sealedBytes < 0) {
      // A config written before the size was sealed: find where event `count` ends.
      const { text } = readLogText(path);
      const { lines } = splitLines(text);
      if (lines.length < s.count) return cut(`it holds ${lines.length} event${lines.length === 1 ? '' : 's'}, where the config records ${events}`);
      sealedBytes = Buffer.byteLength(lines.slice(0, s.count).map((l) => `${l}\n`).join(''));
    }
    if (size < sealedBytes) {
      // Shorter than sealed: its end was cut off, or an event in it was edited to fewer bytes. Only
      // an edit leaves every event in place, ending at the sealed one: say which happened.
      const { lines, torn } = splitLines(readLogText(path).text);
      const last = !torn && lines.length === s.count ? parseEntry(lines[lines.length - 1]!) : null;
      if (last !== null && last.seq === s.count && last.hash === s.head) {
        return { kind: 'problem', code: 'audit-log-rewritten', message: `The audit log ${path} was changed outside byok: it still holds the ${events} the config records, ending at the sealed one, but is ${size} bytes long where the config records ${sealedBytes}, so an earlier event was edited (byok audit verify shows which).` };
      }
      return cut(`it is ${size} bytes long, where the config records ${events} in ${sealedBytes} bytes`);
    }
    if (s.count > 0) {
      // The line that ends at the sealed size must be event `count` with the sealed hash.
      const lastLine = (window: number): AuditEntry | null => {
        const from = Math.max(0, sealedBytes - window);
        const lines = readRange(f.fd, from, sealedBytes - from).toString('utf8').split('\n');
        // The first piece of a window that does not start at 0 may be a partial line: never use it.
        if (lines.length < 2 || lines[lines.length - 1] !== '' || (from > 0 && lines.length < 3)) return null;
        return parseEntry(lines[lines.length - 2]!);
      };
      const last = lastLine(8 * 1024) ?? lastLine(1024 * 1024);
      if (!last || last.seq !== s.count || last.hash !== s.head) {
        return { kind: 'problem', code: 'audit-log-rewritten', message: `The audit log ${path} does not end at the event sealed in the config (event ${s.count}): it was cut, replaced or rewritten outside byok.` };
      }
    }
    if (size === sealedBytes) return { kind: 'ok' };
    const p = seal?.pending;
    if (p && p.count > s.count && size <= p.bytes) {
      const extra = readRange(f.fd, sealedBytes, size - sealedBytes).toString('utf8');
      const { lines, torn } = splitLines(extra);
      const whole = torn ? lines.slice(0, -1) : lines;
      const c = chainProblems(whole, s.head, s.count + 1);
      const complete = !torn && size === p.bytes;
      if (c.problems.length === 0 && (!complete || c.head === p.head)) return { kind: 'uncommitted', events: lines.length, bytes: size - sealedBytes };
    }
    return {
      kind: 'problem',
      code: 'audit-log-extended',
      message: `The audit log ${path} holds events beyond the head sealed in the config (event ${s.count}): an older copy of the config was put back, or events were added outside byok.`,
    };
  } finally {
    if (f) closeSync(f.fd);
  }
}

/** For a cut or missing log: the usual way back is the backup; re-sealing accepts the loss. */
const CUT_HINT = (path: string): string =>
  `Keep a copy of ${path} as evidence, then see what is missing with: byok audit verify. If you have a backup of the log, put it back at ${path} and run byok again. ` +
  'If you cannot restore it and accept the loss, the workspace owner re-seals the log on purpose with: byok audit reset-anchor --reason "..." (recorded in the log, with how many events were missing). Nothing was changed.';

export function auditStateError(path: string, st: AuditState & { kind: 'problem' }): LocalStateError {
  return new LocalStateError(st.code, st.message, st.code === 'audit-log-cut' ? CUT_HINT(path) : RECOVER_HINT(path));
}

export interface VerifyResult {
  ok: boolean;
  count: number;
  uncommitted: number;
  problems: { line: number; problem: string }[];
}

export async function verifyAuditLog(path: string, expected?: AuditSeal): Promise<VerifyResult> {
  const { text } = readLogText(path);
  const { lines, torn } = splitLines(text);
  const s = sealOf(expected);
  const st = expected ? checkAuditState(path, expected) : ({ kind: 'ok' } as AuditState);
  const uncommitted = st.kind === 'uncommitted' ? st.events : 0;
  const committed = lines.slice(0, lines.length - uncommitted);
  const { problems, head } = chainProblems(committed, GENESIS_HASH, 1);
  if (torn && uncommitted === 0) problems.push({ line: lines.length, problem: 'the last line is incomplete (a write was cut off)' });
  if (expected) {
    if (committed.length < s.count) problems.push({ line: committed.length, problem: `the log has ${committed.length} events but the sealed config recorded ${s.count} (the tail was cut off or the log deleted)` });
    else if (committed.length > s.count) problems.push({ line: s.count + 1, problem: `the log has ${committed.length} events but the sealed config recorded ${s.count} (an older config was put back, or events were added outside byok)` });
    else if (head !== s.head) problems.push({ line: committed.length, problem: 'the last hash differs from the head sealed in the config (the log was rewritten)' });
    else if (st.kind === 'problem') problems.push({ line: committed.length, problem: st.message });
  }
  if (uncommitted > 0) problems.push({ line: committed.length + 1, problem: `${uncommitted} uncommitted event${uncommitted === 1 ? '' : 's'} after the sealed head: a write was interrupted before its config change was saved; the next byok write rolls ${uncommitted === 1 ? 'it' : 'them'} back and records that` });
  return { ok: problems.length === 0, count: committed.length, uncommitted, problems };
}

/** The lines for `events` after `from`, and the head they lead to. Pure: nothing is written. */
export function prepareAuditEvents(from: AuditHead, events: AuditEventInput[], now: Date): { data: Buffer; head: AuditHead } {
  for (const e of events) {
    const v = validateAuditEvent(e);
    if (!v.ok) throw new LocalStateError('audit-event-invalid', `Refusing to write an audit event: ${v.reason}.`, 'This is a bug in byok; nothing was changed.');
  }
  let prev = from.head;
  let seq = from.count;
  const at = now.toISOString();
  const lines = events.map((event) => {
    seq += 1;
    const hash = linkHash(prev, seq, at, event);
    const entry: AuditEntry = { seq, at, prev, hash, event };
    prev = hash;
    return `${JSON.stringify(entry)}\n`;
  });
  const data = Buffer.from(lines.join(''), 'utf8');
  return { data, head: { count: seq, head: prev, bytes: from.bytes + data.length } };
}

function unwritable(path: string, e: unknown): LocalStateError {
  const code = (e as NodeJS.ErrnoException).code;
  return new LocalStateError('audit-log-unwritable', `The audit log ${path} cannot be written${code ? ` (${code})` : ''}.`, 'Check the permissions and free space of the config directory; nothing was changed.', { cause: e });
}

/**
 * Writes `data` at byte `at` of the log (the sealed end, so anything after it — an interrupted
 * write being rolled back — is cut first), completely and fsync'd, or not at all: on any failure
 * the file is truncated back to `at` and the error thrown. Called under the config lock.
 */
export function writeAuditData(path: string, at: number, data: Buffer): void {
  let fd: number;
  try {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw unreadable(path, st.isDirectory() ? 'is a directory, not a file' : 'is not a regular file');
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if (e instanceof LocalStateError) throw e;
    throw unwritable(path, e);
  }
  try {
    fchmodSync(fd, 0o600);
    if (fstatSync(fd).size !== at) ftruncateSync(fd, at);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off, at + off);
    fsyncSync(fd);
  } catch (e) {
    try {
      ftruncateSync(fd, at);
      fsyncSync(fd);
    } catch {
      // The truncate failed too: the partial line stays beyond the sealed head, where the next
      // writer rolls it back (it is announced as pending) and audit verify reports it.
    }
    throw unwritable(path, e);
  } finally {
    closeSync(fd);
  }
}

/** Where the log's sealed end is, in bytes (for a config from before the size was sealed). */
export function sealedBytes(path: string, seal: AuditSeal | undefined): number {
  if (!seal || seal.count === 0) return 0;
  if (seal.bytes !== undefined) return seal.bytes;
  const { lines } = splitLines(readLogText(path).text);
  return Buffer.byteLength(lines.slice(0, seal.count).map((l) => `${l}\n`).join(''));
}

/** Summary of the events beyond the sealed end (for the record of a rollback or an anchor reset). */
export function describeBeyond(path: string, from: number): { events: number; types: string; lastHash: string | null } {
  const { text } = readLogText(path);
  const extra = Buffer.from(text, 'utf8').subarray(from).toString('utf8');
  const { lines } = splitLines(extra);
  const parsed = lines.map(parseEntry);
  const types = parsed.map((e) => e?.event.type ?? 'damaged').join(',');
  const last = parsed[parsed.length - 1];
  return { events: lines.length, types: types.slice(0, 400), lastHash: last?.hash ?? null };
}

/** The log as it is on disk, for `audit reset-anchor`: its own chain must hold. */
export function currentLogHead(path: string): { head: AuditHead; problems: { line: number; problem: string }[] } {
  const { text, size } = readLogText(path);
  const { lines, torn } = splitLines(text);
  const whole = torn ? lines.slice(0, -1) : lines;
  const c = chainProblems(whole, GENESIS_HASH, 1);
  const bytes = torn ? size - Buffer.byteLength(lines[lines.length - 1]!) : size;
  return { head: { count: whole.length, head: c.head, bytes }, problems: c.problems };
}
