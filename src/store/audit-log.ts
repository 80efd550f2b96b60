// The append-only audit log: JSON lines chained by SHA-256 (core/audit-event.ts). The chain
// detects an edited, removed, inserted or reordered line; the head kept in the sealed config
// detects a cut-off tail or a wholesale rewrite.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { GENESIS_HASH, linkHash, validateAuditEvent, type AuditEventInput } from '../core/audit-event.js';
import { LocalStateError } from '../core/errors.js';

export interface AuditEntry { seq: number; at: string; prev: string; hash: string; event: AuditEventInput }
export interface AuditHead { count: number; head: string }

function parseLines(path: string): { entries: (AuditEntry | null)[]; raw: string[] } {
  if (!existsSync(path)) return { entries: [], raw: [] };
  const text = readFileSync(path, 'utf8');
  const raw = text.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  const entries = raw.map((line) => {
    try {
      const v = JSON.parse(line) as AuditEntry;
      return typeof v === 'object' && v !== null && typeof v.seq === 'number' && typeof v.hash === 'string' ? v : null;
    } catch {
      return null;
    }
  });
  return { entries, raw };
}

export async function readAuditLog(path: string): Promise<AuditEntry[]> {
  return parseLines(path).entries.filter((e): e is AuditEntry => e !== null);
}

export async function verifyAuditLog(path: string, expectedHead?: AuditHead): Promise<{ ok: boolean; count: number; problems: { line: number; problem: string }[] }> {
  const { entries } = parseLines(path);
  const problems: { line: number; problem: string }[] = [];
  let prev = GENESIS_HASH;
  entries.forEach((e, i) => {
    const line = i + 1;
    if (!e) {
      problems.push({ line, problem: 'not a valid audit entry (edited or damaged)' });
      return;
    }
    if (e.seq !== line) problems.push({ line, problem: `sequence number ${e.seq} where ${line} was expected (an event was removed, inserted or reordered)` });
    if (e.prev !== prev) problems.push({ line, problem: 'does not link to the previous event (an event was removed, inserted or reordered)' });
    if (linkHash(e.prev, e.seq, e.at, e.event) !== e.hash) problems.push({ line, problem: 'its content does not match its hash (the event was edited)' });
    prev = e.hash;
  });
  if (expectedHead) {
    if (entries.length < expectedHead.count) problems.push({ line: entries.length, problem: `the log has ${entries.length} events but the sealed config recorded ${expectedHead.count} (the tail was cut off)` });
    else if (entries.length > expectedHead.count) problems.push({ line: expectedHead.count + 1, problem: `the log has ${entries.length} events but the sealed config recorded ${expectedHead.count} (events were added outside byok)` });
    else if (prev !== expectedHead.head) problems.push({ line: entries.length, problem: 'the last hash differs from the head sealed in the config (the log was rewritten)' });
  }
  return { ok: problems.length === 0, count: entries.length, problems };
}

/** Appends events after the current tail; called under the config lock. Returns the new head. */
export function appendAuditEvents(path: string, events: AuditEventInput[], now: Date): AuditHead {
  for (const e of events) {
    const v = validateAuditEvent(e);
    if (!v.ok) throw new LocalStateError('audit-event-invalid', `Refusing to write an audit event: ${v.reason}.`, 'This is a bug in byok; nothing was changed.');
  }
  const { entries } = parseLines(path);
  const last = entries[entries.length - 1];
  if (entries.length > 0 && !last) {
    throw new LocalStateError('audit-log-damaged', `The audit log ${path} ends with a damaged line; byok will not extend it.`, 'Run byok audit verify and restore the log from a backup.');
  }
  let prev = last ? last.hash : GENESIS_HASH;
  let seq = entries.length;
  const at = now.toISOString();
  const lines = events.map((event) => {
    seq += 1;
    const hash = linkHash(prev, seq, at, event);
    const entry: AuditEntry = { seq, at, prev, hash, event };
    prev = hash;
    return `${JSON.stringify(entry)}\n`;
  });
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (e) {
    throw new LocalStateError('audit-log-unwritable', `The audit log ${path} cannot be written.`, 'Check the permissions and free space of the config directory; nothing was changed.', { cause: e });
  }
  try {
    writeSync(fd, lines.join(''));
    fsyncSync(fd);
  } catch (e) {
    throw new LocalStateError('audit-log-unwritable', `The audit log ${path} cannot be written.`, 'Check the permissions and free space of the config directory; nothing was changed.', { cause: e });
  } finally {
    closeSync(fd);
  }
  return { count: seq, head: prev };
}
