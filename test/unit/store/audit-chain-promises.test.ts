// The audit log's promise (README "Local state", DESIGN §5): an edited, removed, inserted or
// reordered event is found by `byok audit verify`, wherever it sits in the log — not only at its
// end, which the head sealed in the config already covers. Each case edits events in the middle
// of a real log, written by byok, the way someone with write access to the file could.
// Hashes an attacker would forge are computed here from the published rule (SHA-256 of the
// previous hash and the canonical JSON of seq, at and event), not with byok's own function.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../../src/store/audit-log.js';
import { ConfigStore } from '../../../src/store/config-store.js';
import { runInProcess, tempConfig, type TestEnv } from '../../helpers/context.js';

const temps: TestEnv[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) t.cleanup();
});

interface Line { seq: number; at: string; prev: string; hash: string; event: { type: string; user: string; workspace: string | null; details: Record<string, unknown> } }

/** Keys sorted at every level, no spaces: the canonical form the hash covers. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
const forge = (l: Omit<Line, 'hash'>): string => createHash('sha256').update(l.prev).update(canonical({ seq: l.seq, at: l.at, event: l.event })).digest('hex');

/** A log of eight events written by byok: a workspace, its settings and three policy changes. */
async function writtenLog() {
  const t = tempConfig();
  temps.push(t);
  const must = async (args: string[]) => {
    const r = await runInProcess(args, { env: t.env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await must(['workspace', 'create', 'bank', '--plan', 'enterprise']);
  await must(['config', 'set', 'geography', 'eu']);
  await must(['config', 'set', 'region', 'eu-west-1']);
  await must(['policy', 'set', 'warn']);
  await must(['policy', 'set', 'allow']);
  await must(['policy', 'set', 'strict']);
  await must(['workspace', 'add-member', 'bob']);
  await must(['workspace', 'add-member', 'carol']);
  const path = join(t.env.BYOK_CONFIG_DIR!, 'audit.jsonl');
  const read = (): Line[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
  const write = (lines: Line[]) => writeFileSync(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  // The head, count and size sealed in the config, read before the log is touched.
  const sealed = (await new ConfigStore({ configDir: t.env.BYOK_CONFIG_DIR!, env: t.env, now: () => new Date(), user: () => 'alice' }).read()).doc.audit;
  const seal = async () => sealed;
  const verifyCli = () => runInProcess(['audit', 'verify', '--json'], { env: t.env });
  const lines = read();
  expect(lines.length).toBeGreaterThanOrEqual(8);
  // Sanity, and the test's own reading of the rule: every event as written verifies, and the forge matches byok's hashes.
  for (const l of lines) expect(forge(l)).toBe(l.hash);
  expect((await verifyAuditLog(path, await seal())).ok).toBe(true);
  return { t, path, lines, write, seal, verifyCli };
}
const middle = (lines: Line[]) => Math.floor(lines.length / 2);
const problemsOf = (r: { problems: { line: number; problem: string }[] }) => r.problems.map((p) => `${p.line}: ${p.problem}`).join('\n');

describe('audit verify finds an event changed in the middle of the log', () => {
  // Edits of the same length in bytes: the log's size and its last event stay as sealed, so only the chain can tell.
  it('a middle event edited (who changed the policy: alice becomes bobby) with its hash left as it was: verify fails on that line, the content no longer matches its hash', async () => {
    const w = await writtenLog();
    const lines = structuredClone(w.lines);
    const i = lines.findIndex((l, n) => n > 0 && n < lines.length - 1 && l.event.type === 'policy-changed');
    const edited = lines[i]!;
    expect(edited.event.user).toBe('alice');
    edited.event.user = 'bobby';
    w.write(lines);
    const r = await verifyAuditLog(w.path, await w.seal());
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(new RegExp(`^${edited.seq}: its content does not match its hash`, 'm'));
    const cli = await w.verifyCli();
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false });
  });

  it('a middle event edited and its own hash forged to match: verify fails on the next line, which no longer links to it', async () => {
    const w = await writtenLog();
    const lines = structuredClone(w.lines);
    const m = middle(lines);
    const edited = lines[m]!;
    expect(edited.event.user).toBe('alice');
    edited.event.user = 'bobby';
    edited.hash = forge(edited);
    w.write(lines);
    const r = await verifyAuditLog(w.path, await w.seal());
    expect(r.ok).toBe(false);
    expect(problemsOf(r)).toMatch(new RegExp(`^${edited.seq + 1}: does not link to the previous event`, 'm'));
    expect((await w.verifyCli()).code).toBe(1);
  });

  it('a middle event removed, the events after it renumbered and their links and hashes forged, up to the end: verify fails (the head sealed in the config no longer matches)', async () => {
    const w = await writtenLog();
    const kept = structuredClone(w.lines).filter((_, i) => i !== middle(w.lines));
    let prev = kept[middle(w.lines) - 1]!.hash;
    for (let i = middle(w.lines); i < kept.length; i++) {
      const l = kept[i]!;
      l.seq = i + 1;
      l.prev = prev;
      l.hash = forge(l);
      prev = l.hash;
    }
    w.write(kept);
    const r = await verifyAuditLog(w.path, await w.seal());
    expect(r.ok).toBe(false);
    expect((await w.verifyCli()).code).toBe(1);
  });

  it('a middle event removed and nothing else changed: verify fails where the gap is', async () => {
    const w = await writtenLog();
    const m = middle(w.lines);
    w.write(w.lines.filter((_, i) => i !== m));
    const r = await verifyAuditLog(w.path, await w.seal());
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.line === m + 1)).toBe(true);
  });

  it('two middle events swapped: verify fails on both', async () => {
    const w = await writtenLog();
    const lines = structuredClone(w.lines);
    const m = middle(lines);
    [lines[m], lines[m + 1]] = [lines[m + 1]!, lines[m]!];
    w.write(lines);
    const r = await verifyAuditLog(w.path, await w.seal());
    expect(r.ok).toBe(false);
    expect(new Set(r.problems.map((p) => p.line))).toEqual(new Set([m + 1, m + 2, m + 3].filter((n) => n <= lines.length)));
  });

  it('a forged event inserted in the middle, its own link and hash correct: verify fails on the event after it', async () => {
    const w = await writtenLog();
    const lines = structuredClone(w.lines);
    const m = middle(lines);
    const before = lines[m - 1]!;
    const forged: Omit<Line, 'hash'> = { seq: before.seq + 1, at: before.at, prev: before.hash, event: { type: 'policy-changed', user: 'alice', workspace: 'bank', details: { from: 'strict', to: 'allow' } } };
    lines.splice(m, 0, { ...forged, hash: forge(forged) });
    w.write(lines);
    const r = await verifyAuditLog(w.path, await w.seal());
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.line === m + 2)).toBe(true);
  });
});
