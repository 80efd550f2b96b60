// The audit log's promises at the level of the file (README "Local state", src/store/audit-log.ts):
// `byok audit verify` names each damaged line and what is wrong with it; every command's open check
// tells a cut, deleted, rewritten or extended log from one interrupted write that the config
// announced beforehand (pending), and says how to recover; a write appends whole or not at all,
// after cutting an interrupted write back; a log that is not a regular file of the user's is
// refused, never followed. The logs here are written with byok's own pure line builder
// (prepareAuditEvents), then damaged the way someone with write access to the file could.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, type AuditEventInput } from '../../../src/core/audit-event.js';
import type { AuditSeal } from '../../../src/core/config-doc.js';
import {
  AUDIT_LOG_MAX_BYTES,
  auditStateError,
  checkAuditState,
  currentLogHead,
  describeBeyond,
  prepareAuditEvents,
  readAuditLog,
  sealedBytes,
  verifyAuditLog,
  writeAuditData,
  type AuditHead,
  type AuditState,
} from '../../../src/store/audit-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function place(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'byok-audit-'));
  dirs.push(dir);
  return { dir, path: join(dir, 'audit.jsonl') };
}

const AT = new Date('2026-11-27T12:00:00Z');
const START: AuditHead = { count: 0, head: GENESIS_HASH, bytes: 0 };
const event = (n: number, user = 'alice', type = 'policy-changed', extra: Record<string, string> = {}): AuditEventInput => ({ type, user, workspace: 'bank', details: { n, ...extra } });
/** `n` events after `from`, as byok would append them. */
const events = (from: AuditHead, n: number, user = 'alice') => prepareAuditEvents(from, Array.from({ length: n }, (_, i) => event(from.count + i + 1, user)), AT);
/** A log of `n` events on disk and the head its config seals. */
function logOf(path: string, n: number, user = 'alice'): { seal: AuditSeal; head: AuditHead; data: Buffer; lines: string[] } {
  const { data, head } = events(START, n, user);
  writeFileSync(path, data);
  return { seal: { count: head.count, head: head.head, bytes: head.bytes }, head, data, lines: data.toString('utf8').split('\n').slice(0, -1) };
}
const writeLines = (path: string, lines: string[]) => writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
const problemsOn = (r: { problems: { line: number; problem: string }[] }, line: number) => r.problems.filter((p) => p.line === line).map((p) => p.problem);
const refusal = (f: () => unknown): { code?: string; message: string; hint?: string; cause?: unknown } => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string; hint?: string; cause?: unknown };
  }
  throw new Error('expected a refusal');
};
const asyncRefusal = async (f: () => Promise<unknown>) => {
  try {
    await f();
  } catch (e) {
    return e as { code?: string; message: string; hint?: string; cause?: unknown };
  }
  throw new Error('expected a refusal');
};
const problem = (st: AuditState) => {
  expect(st.kind).toBe('problem');
  return st as AuditState & { kind: 'problem' };
};

describe('audit verify names each damaged line and what is wrong with it', () => {
  it('a log byok wrote verifies: every event counted, no problem', async () => {
    const { path } = place();
    const { seal } = logOf(path, 5);
    expect(await verifyAuditLog(path, seal)).toEqual({ ok: true, count: 5, uncommitted: 0, problems: [] });
  });

  it('with no sealed head (no config yet) verify checks the chain alone; no log at all is an empty, intact log', async () => {
    const { dir, path } = place();
    logOf(path, 4);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, count: 4, uncommitted: 0, problems: [] });
    expect(await verifyAuditLog(join(dir, 'none.jsonl'))).toEqual({ ok: true, count: 0, uncommitted: 0, problems: [] });
    expect(await readAuditLog(join(dir, 'none.jsonl'))).toEqual([]);
  });

  it('a line that is not an audit entry (not JSON, not an object, a field missing or of the wrong type) is reported as such on its line, and audit list skips it', async () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    const entry = JSON.parse(lines[2]!) as Record<string, unknown>;
    const without = (k: string) => JSON.stringify(Object.fromEntries(Object.entries(entry).filter(([key]) => key !== k)));
    const damaged = [
      '{"seq":3,', 'null', '5', '"x"', 'true', '[]', '{}',
      JSON.stringify({ ...entry, seq: '3' }), without('seq'),
      JSON.stringify({ ...entry, hash: 7 }), without('hash'),
      JSON.stringify({ ...entry, prev: null }), without('prev'),
      JSON.stringify({ ...entry, at: 0 }), without('at'),
      JSON.stringify({ ...entry, event: null }), JSON.stringify({ ...entry, event: 'policy-changed' }), without('event'),
    ];
    for (const bad of damaged) {
      writeLines(path, lines.map((l, i) => (i === 2 ? bad : l)));
      const r = await verifyAuditLog(path, seal);
      expect(r.ok, bad).toBe(false);
      expect(problemsOn(r, 3), bad).toEqual(['not a valid audit entry (edited or damaged)']);
      // The next event links to the one that is gone.
      expect(problemsOn(r, 4), bad).toEqual(['does not link to the previous event (an event was removed, inserted or reordered)']);
      expect((await readAuditLog(path)).map((e) => e.seq), bad).toEqual([1, 2, 4, 5]);
    }
  });

  it('an event renumbered, edited, or relinked is reported on its line with which check failed', async () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    const edit = (i: number, change: (e: Record<string, unknown>) => void) => {
      const e = JSON.parse(lines[i]!) as Record<string, unknown>;
      change(e);
      return JSON.stringify(e);
    };
    writeLines(path, lines.map((l, i) => (i === 2 ? edit(i, (e) => (e.seq = 7)) : l)));
    let r = await verifyAuditLog(path, seal);
    expect(problemsOn(r, 3)).toEqual(['sequence number 7 where 3 was expected (an event was removed, inserted or reordered)', 'its content does not match its hash (the event was edited)']);
    writeLines(path, lines.map((l, i) => (i === 1 ? edit(i, (e) => ((e.event as AuditEventInput).user = 'bobby')) : l)));
    r = await verifyAuditLog(path, seal);
    expect(r.problems).toEqual([{ line: 2, problem: 'its content does not match its hash (the event was edited)' }]);
    writeLines(path, lines.map((l, i) => (i === 3 ? edit(i, (e) => (e.prev = GENESIS_HASH)) : l)));
    r = await verifyAuditLog(path, seal);
    expect(problemsOn(r, 4)).toEqual(['does not link to the previous event (an event was removed, inserted or reordered)', 'its content does not match its hash (the event was edited)']);
  });

  it('a last line cut off mid-write, never announced, is reported as incomplete on its own line number', async () => {
    const { path } = place();
    const { head } = logOf(path, 5);
    const next = events(head, 1).data;
    appendFileSync(path, next.subarray(0, 40));
    const r = await verifyAuditLog(path);
    expect(r.ok).toBe(false);
    expect(problemsOn(r, 6)).toContain('the last line is incomplete (a write was cut off)');
    expect(problemsOn(r, 5)).toEqual([]);
    expect((await readAuditLog(path)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a log cut short: verify says it has fewer events than the sealed config recorded, and that the tail was cut off', async () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    writeLines(path, lines.slice(0, 3));
    const r = await verifyAuditLog(path, seal);
    expect(r).toMatchObject({ ok: false, count: 3 });
    expect(r.problems).toEqual([{ line: 3, problem: 'the log has 3 events but the sealed config recorded 5 (the tail was cut off or the log deleted)' }]);
  });

  it('events beyond the sealed head that no write announced: verify points at the first extra line and names the likely cause', async () => {
    const { path } = place();
    const { lines } = logOf(path, 5);
    const three = events(START, 3).head;
    const r = await verifyAuditLog(path, { count: 3, head: three.head, bytes: three.bytes });
    expect(r.problems).toEqual([{ line: 4, problem: 'the log has 5 events but the sealed config recorded 3 (an older config was put back, or events were added outside byok)' }]);
    expect(lines).toHaveLength(5);
  });

  it('a whole log replaced by another well-formed log of the same length and size: the last hash differs from the sealed head', async () => {
    const { path } = place();
    const { seal } = logOf(path, 5, 'alice');
    const other = logOf(path, 5, 'carol');
    expect(other.head.bytes).toBe(seal.bytes);
    const r = await verifyAuditLog(path, seal);
    expect(r.problems).toEqual([{ line: 5, problem: 'the last hash differs from the head sealed in the config (the log was rewritten)' }]);
    const st = problem(checkAuditState(path, seal));
    expect(st.code).toBe('audit-log-rewritten');
    expect(st.message).toBe(`The audit log ${path} does not end at the event sealed in the config (event 5): it was cut, replaced or rewritten outside byok.`);
  });

  it('an earlier event edited to another length: the chain names the line, and the sealed end no longer falls on the sealed event', async () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    writeLines(path, lines.map((l, i) => (i === 1 ? l.replace('"user":"alice"', '"user":"alice-the-second"') : l)));
    const r = await verifyAuditLog(path, seal);
    expect(problemsOn(r, 2)).toEqual(['its content does not match its hash (the event was edited)']);
    expect(problemsOn(r, 5)).toEqual([expect.stringContaining('does not end at the event sealed in the config (event 5)')]);
    expect(problem(checkAuditState(path, seal)).code).toBe('audit-log-rewritten');
  });
});

describe('an interrupted write: events beyond the sealed head that the config announced as pending', () => {
  /** Three events sealed, two more announced; `written` is what reached the disk of the two. */
  function interrupted(written: (next: Buffer) => Buffer, o: { bigger?: boolean } = {}) {
    const { path } = place();
    const { seal, head } = logOf(path, o.bigger ? 60 : 3);
    const next = events(head, 2);
    appendFileSync(path, written(next.data));
    return { path, seal: { ...seal, pending: next.head }, sealed: seal, next };
  }
  const firstLine = (d: Buffer) => d.subarray(0, d.indexOf('\n') + 1);

  it('both announced events on disk: verify counts the sealed events and reports two uncommitted events that the next write rolls back', async () => {
    const w = interrupted((d) => d);
    expect(checkAuditState(w.path, w.seal)).toEqual({ kind: 'uncommitted', events: 2, bytes: w.next.data.length });
    expect(await verifyAuditLog(w.path, w.seal)).toEqual({
      ok: false,
      count: 3,
      uncommitted: 2,
      problems: [{ line: 4, problem: '2 uncommitted events after the sealed head: a write was interrupted before its config change was saved; the next byok write rolls them back and records that' }],
    });
  });

  it('only the first announced event on disk, whole: one uncommitted event, rolled back by the next write', async () => {
    const w = interrupted(firstLine);
    expect(checkAuditState(w.path, w.seal)).toEqual({ kind: 'uncommitted', events: 1, bytes: firstLine(w.next.data).length });
    expect((await verifyAuditLog(w.path, w.seal)).problems).toEqual([{ line: 4, problem: '1 uncommitted event after the sealed head: a write was interrupted before its config change was saved; the next byok write rolls it back and records that' }]);
  });

  it('the write cut mid-line: still one uncommitted event, not a damaged log', async () => {
    const w = interrupted((d) => d.subarray(0, 50));
    expect(checkAuditState(w.path, w.seal)).toEqual({ kind: 'uncommitted', events: 1, bytes: 50 });
    const r = await verifyAuditLog(w.path, w.seal);
    expect(r).toMatchObject({ count: 3, uncommitted: 1 });
    expect(r.problems).toEqual([{ line: 4, problem: expect.stringMatching(/^1 uncommitted event after the sealed head/) }]);
  });

  it('in a log larger than the open check\'s first window (8 KiB), an interrupted write is still told apart', () => {
    const w = interrupted((d) => d, { bigger: true });
    expect(w.sealed.bytes).toBeGreaterThan(8 * 1024);
    expect(checkAuditState(w.path, w.seal)).toEqual({ kind: 'uncommitted', events: 2, bytes: w.next.data.length });
  });

  it('what is beyond the sealed end must be the announced events: other events of the same size, a damaged line, or more than announced are refused as an extended log', async () => {
    // Other events (carol's, not alice's) chained correctly, of exactly the announced size.
    const swapped = interrupted((d) => d);
    const carol = events({ count: swapped.sealed.count, head: swapped.sealed.head, bytes: swapped.sealed.bytes! }, 2, 'carol');
    expect(carol.data.length).toBe(swapped.next.data.length);
    writeFileSync(swapped.path, Buffer.concat([readFileSync(swapped.path).subarray(0, swapped.sealed.bytes), carol.data]));
    // A line that is not the next event, within the announced size.
    const garbage = interrupted((d) => Buffer.from(`${'x'.repeat(30)}\n`.padEnd(d.length - 10, 'y')));
    // Both announced events, and one more chained after them.
    const more = interrupted((d) => Buffer.concat([d, events(swapped.next.head, 1).data]));
    for (const w of [swapped, garbage, more]) {
      const st = problem(checkAuditState(w.path, w.seal));
      expect(st.code).toBe('audit-log-extended');
      expect(st.message).toBe(`The audit log ${w.path} holds events beyond the head sealed in the config (event 3): an older copy of the config was put back, or events were added outside byok.`);
      expect((await verifyAuditLog(w.path, w.seal)).uncommitted).toBe(0);
    }
  });

  it('a pending record that announces no event beyond the sealed head excuses no extra line', () => {
    const w = interrupted(firstLine);
    const st = checkAuditState(w.path, { ...w.sealed, pending: { count: w.sealed.count, head: w.next.head.head, bytes: w.next.head.bytes } });
    expect(problem(st).code).toBe('audit-log-extended');
  });

  it('the rollback record names what it rolls back: how many events, their types (damaged ones too, 400 characters at most) and the last hash', () => {
    const { path } = place();
    const { head } = logOf(path, 3);
    const beyond = prepareAuditEvents(head, [event(4), event(5, 'alice', 'member-added')], AT);
    appendFileSync(path, beyond.data);
    expect(describeBeyond(path, head.bytes)).toEqual({ events: 2, types: 'policy-changed,member-added', lastHash: beyond.head.head });
    appendFileSync(path, '{"seq":6,"at"\n');
    expect(describeBeyond(path, head.bytes)).toEqual({ events: 3, types: 'policy-changed,member-added,damaged', lastHash: null });
    const { path: long } = place();
    writeFileSync(long, events(START, 60).data);
    const d = describeBeyond(long, 0);
    expect(d.events).toBe(60);
    expect(d.types).toBe('policy-changed,'.repeat(60).slice(0, 400));
  });
});

describe('the open check every command makes: does the log end exactly at the sealed head?', () => {
  it('no events sealed and no log is fine; no events sealed but a log holding events is an extended log', () => {
    const { path } = place();
    expect(checkAuditState(path, undefined)).toEqual({ kind: 'ok' });
    expect(checkAuditState(path, { count: 0, head: GENESIS_HASH, bytes: 0 })).toEqual({ kind: 'ok' });
    logOf(path, 2);
    expect(problem(checkAuditState(path, undefined)).code).toBe('audit-log-extended');
    expect(problem(checkAuditState(path, { count: 0, head: GENESIS_HASH, bytes: 0 })).code).toBe('audit-log-extended');
  });

  it('the first write ever, interrupted (nothing sealed yet, its event announced): uncommitted, not extended', () => {
    const { path } = place();
    const first = events(START, 1);
    writeFileSync(path, first.data);
    expect(checkAuditState(path, { count: 0, head: GENESIS_HASH, bytes: 0, pending: first.head })).toEqual({ kind: 'uncommitted', events: 1, bytes: first.data.length });
  });

  it('a deleted log: said to be missing, with its path and how many events the config records in it', () => {
    const { path } = place();
    for (const [n, said] of [[1, '1 event'], [2, '2 events']] as const) {
      const { seal } = logOf(path, n);
      rmSync(path);
      const st = problem(checkAuditState(path, seal));
      expect(st.code).toBe('audit-log-cut');
      expect(st.message).toBe(`The audit log ${path} is missing: it was deleted or moved outside byok, and the config records ${said} in it. byok stops rather than start a new log that would hide the loss.`);
    }
  });

  it('a log cut short: said to be truncated, with its size and the sealed count and size', () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    writeLines(path, lines.slice(0, 2));
    const size = statSync(path).size;
    const st = problem(checkAuditState(path, seal));
    expect(st.code).toBe('audit-log-cut');
    expect(st.message).toBe(`The audit log ${path} was cut short (truncated) outside byok: it is ${size} bytes long, where the config records 5 events in ${seal.bytes} bytes. Events byok wrote are missing from its end, so byok stops rather than chain new events onto a log with a gap.`);
  });

  it('a log made shorter by an edit, every event still there: said to be edited, not cut (nothing is missing from its end)', () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    const edited = [...lines];
    edited[1] = edited[1]!.replace(/"type":"([a-z-]+)"/, (_m, t: string) => `"type":"${t.slice(0, -1)}"`);
    writeLines(path, edited);
    const size = statSync(path).size;
    expect(size).toBe(seal.bytes! - 1);
    const st = problem(checkAuditState(path, seal));
    expect(st.code).toBe('audit-log-rewritten');
    expect(st.message).toBe(`The audit log ${path} was changed outside byok: it still holds the 5 events the config records, ending at the sealed one, but is ${size} bytes long where the config records ${seal.bytes}, so an earlier event was edited (byok audit verify shows which).`);
    // The last event cut off instead: still a cut.
    writeLines(path, lines.slice(0, 4));
    expect(problem(checkAuditState(path, seal)).code).toBe('audit-log-cut');
  });

  it('the sealed end must hold the sealed event, by number as well as by hash', () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    writeLines(path, lines.map((l, i) => (i === 4 ? l.replace('"seq":5', '"seq":6') : l)));
    expect(statSync(path).size).toBe(seal.bytes);
    expect(problem(checkAuditState(path, seal)).code).toBe('audit-log-rewritten');
  });

  it('an earlier event shortened and an event appended, so the sealed size falls inside the appended line: rewritten, not merely extended', () => {
    const { path } = place();
    const { seal, lines, head } = logOf(path, 5);
    writeLines(path, [...lines.map((l, i) => (i === 1 ? l.replace('"user":"alice"', '"user":"al"') : l))]);
    appendFileSync(path, events(head, 1).data);
    expect(problem(checkAuditState(path, seal)).code).toBe('audit-log-rewritten');
  });

  it('large logs open without a false alarm: over 1 MiB, a last event over 8 KiB, events over 512 KiB each', () => {
    const words = (n: number) => 'lorem ipsum '.repeat(Math.ceil(n / 12)).slice(0, n);
    const cases: [string, AuditEventInput[]][] = [
      ['over 1 MiB', Array.from({ length: 5000 }, (_, i) => event(i + 1))],
      ['a last event over 8 KiB', [event(1), event(2), event(3, 'alice', 'policy-changed', { note: words(10 * 1024) })]],
      ['events over 512 KiB', [1, 2, 3].map((n) => event(n, 'alice', 'policy-changed', { note: words(600 * 1024) }))],
    ];
    for (const [what, evs] of cases) {
      const { path } = place();
      const { data, head } = prepareAuditEvents(START, evs, AT);
      writeFileSync(path, data);
      expect(checkAuditState(path, { count: head.count, head: head.head, bytes: head.bytes }), what).toEqual({ kind: 'ok' });
    }
  });

  it('a config from before the log size was sealed (count and head only): the sealed end is found by counting lines', () => {
    const { path } = place();
    const { seal, lines } = logOf(path, 5);
    const old: AuditSeal = { count: seal.count, head: seal.head };
    expect(checkAuditState(path, old)).toEqual({ kind: 'ok' });
    expect(sealedBytes(path, old)).toBe(seal.bytes);
    expect(sealedBytes(path, { count: 2, head: GENESIS_HASH })).toBe(Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`));
    expect(sealedBytes(path, undefined)).toBe(0);
    expect(sealedBytes(path, { count: 0, head: GENESIS_HASH })).toBe(0);
    expect(problem(checkAuditState(path, { count: 3, head: events(START, 3).head.head })).code).toBe('audit-log-extended');
    for (const [keep, said] of [[2, '2 events'], [1, '1 event']] as const) {
      writeLines(path, lines.slice(0, keep));
      const st = problem(checkAuditState(path, old));
      expect(st.code).toBe('audit-log-cut');
      expect(st.message).toContain(`it holds ${said}, where the config records 5 events.`);
    }
  });

  it('each refusal says how to recover: a cut log from the backup, anything else after inspecting it; both offer the owner\'s reset-anchor and say nothing was changed', () => {
    const { path } = place();
    const cut = auditStateError(path, { kind: 'problem', code: 'audit-log-cut', message: 'cut.' });
    expect(cut).toMatchObject({ code: 'audit-log-cut', message: 'cut.', exitCode: 3 });
    expect(cut.hint).toContain(`If you have a backup of the log, put it back at ${path}`);
    for (const code of ['audit-log-extended', 'audit-log-rewritten'] as const) {
      const e = auditStateError(path, { kind: 'problem', code, message: 'm.' });
      expect(e).toMatchObject({ code, message: 'm.', exitCode: 3 });
      expect(e.hint).toBe(
        `Inspect it with: byok audit verify (and keep a copy of ${path} as evidence). If you know why and accept the log as it is now, ` +
          'the workspace owner can re-seal it on purpose with: byok audit reset-anchor --reason "..." (recorded in the log, with what was missing). Nothing was changed.',
      );
    }
    expect(cut.hint).toMatch(/byok audit reset-anchor --reason .*Nothing was changed\.$/);
  });
});

describe('a log that is not a regular file of the user\'s is refused, never followed or read', () => {
  const HINT = 'It must be a regular file owned by you (mode 0600). Move whatever is there aside, restore the log from a backup, then run byok audit verify.';

  it('a directory, a symbolic link (even to a real log) or a device: audit-log-unreadable, saying which, for verify, the open check and a write', async () => {
    const { dir, path } = place();
    const real = join(dir, 'real.jsonl');
    const { seal } = logOf(real, 2);
    const link = join(dir, 'link.jsonl');
    symlinkSync(real, link);
    const folder = join(dir, 'folder.jsonl');
    mkdirSync(folder);
    for (const [p, what] of [[folder, 'is a directory, not a file'], [link, 'is a symbolic link, not a file'], ['/dev/null', 'is not a regular file']] as const) {
      for (const e of [await asyncRefusal(() => verifyAuditLog(p, seal)), refusal(() => checkAuditState(p, seal)), refusal(() => currentLogHead(p))]) {
        expect(e).toMatchObject({ code: 'audit-log-unreadable', message: `The audit log ${p} ${what}.`, hint: HINT });
      }
    }
    const data = events(START, 1).data;
    expect(refusal(() => writeAuditData(folder, 0, data))).toMatchObject({ code: 'audit-log-unreadable', message: `The audit log ${folder} is a directory, not a file.`, hint: HINT });
    expect(refusal(() => writeAuditData(link, 0, data))).toMatchObject({ code: 'audit-log-unreadable', message: `The audit log ${link} is not a regular file.` });
    expect(refusal(() => writeAuditData('/dev/null', 0, data))).toMatchObject({ code: 'audit-log-unreadable', message: 'The audit log /dev/null is not a regular file.' });
    // Nothing was written through the link, or into the directory.
    expect(readFileSync(real).length).toBe(seal.bytes);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a log that cannot even be examined (a path through a file): audit-log-unreadable with the system\'s code, not "no log"', async () => {
    const { dir } = place();
    writeFileSync(join(dir, 'file'), 'x');
    const p = join(dir, 'file', 'audit.jsonl');
    const e = await asyncRefusal(() => verifyAuditLog(p));
    expect(e).toMatchObject({ code: 'audit-log-unreadable', message: `The audit log ${p} cannot be examined (ENOTDIR).`, hint: HINT });
    expect(e.cause).toMatchObject({ code: 'ENOTDIR' });
  });

  it('a log larger than 256 MiB (a runaway file) is refused, not read whole', async () => {
    const { path } = place();
    writeFileSync(path, '');
    truncateSync(path, AUDIT_LOG_MAX_BYTES + 1);
    expect(await asyncRefusal(() => verifyAuditLog(path))).toMatchObject({ code: 'audit-log-unreadable', message: `The audit log ${path} is larger than ${AUDIT_LOG_MAX_BYTES} bytes.` });
  });
});

describe('a write appends whole, after the sealed end', () => {
  it('an interrupted write beyond the sealed end is cut back before the new events are appended: the log ends exactly with them', async () => {
    const { path } = place();
    const { seal, data, head } = logOf(path, 3);
    appendFileSync(path, `${'z'.repeat(900)}`);
    const next = events(head, 1);
    writeAuditData(path, seal.bytes!, next.data);
    expect(readFileSync(path)).toEqual(Buffer.concat([data, next.data]));
    expect(await verifyAuditLog(path, { count: next.head.count, head: next.head.head, bytes: next.head.bytes })).toMatchObject({ ok: true, count: 4 });
  });

  it('a new log is created mode 0600', () => {
    const { path } = place();
    writeAuditData(path, 0, events(START, 1).data);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a log whose directory is gone cannot be written: audit-log-unwritable with the system\'s code, and how to fix it', () => {
    const { dir } = place();
    const p = join(dir, 'gone', 'audit.jsonl');
    const e = refusal(() => writeAuditData(p, 0, events(START, 1).data));
    expect(e).toMatchObject({ code: 'audit-log-unwritable', message: `The audit log ${p} cannot be written (ENOENT).`, hint: 'Check the permissions and free space of the config directory; nothing was changed.' });
    expect(e.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('an event byok must not write (no user) is refused before anything is written, as a bug in byok', () => {
    const e = refusal(() => prepareAuditEvents(START, [event(1), { ...event(2), user: '' }], AT));
    expect(e).toMatchObject({ code: 'audit-event-invalid', message: 'Refusing to write an audit event: the event has no user.', hint: 'This is a bug in byok; nothing was changed.' });
  });

  it('reset-anchor\'s view of the log: whole events only (a cut-off last line is left beyond the head), and its chain problems', () => {
    const { path } = place();
    const { head, lines } = logOf(path, 4);
    appendFileSync(path, events(head, 1).data.subarray(0, 33));
    expect(currentLogHead(path)).toEqual({ head, problems: [] });
    writeLines(path, lines.map((l, i) => (i === 1 ? l.replace('"user":"alice"', '"user":"bobby"') : l)));
    expect(currentLogHead(path).problems).toEqual([{ line: 2, problem: 'its content does not match its hash (the event was edited)' }]);
  });
});

describe('reading and writing the log leaves no file descriptor open', () => {
  // /proc/self/fd lists this process's open descriptors (Linux).
  it.skipIf(process.platform !== 'linux')('after verify, the open check (every outcome), a write and its refusal, the process holds as many descriptors as before', async () => {
    const { dir, path } = place();
    const { seal, head } = logOf(path, 3);
    const pending = { ...seal, pending: events(head, 1).head };
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 20; i++) {
      await verifyAuditLog(path, seal);
      checkAuditState(path, seal);
      checkAuditState(path, { ...seal, count: 2 });
      checkAuditState(path, pending);
      writeAuditData(path, seal.bytes!, Buffer.alloc(0));
      refusal(() => writeAuditData(join(dir, 'gone', 'x'), 0, Buffer.alloc(0)));
    }
    expect(readdirSync('/proc/self/fd').length).toBe(before);
  });
});
