// The config store's refusals and records, in-process on the real store (README "Local state"):
// the config directory is created 0700 or refused with why; a config that is missing while its log
// or anchor remembers it is refused; the state anchor is compared on every open and each
// disagreement is said as what happened, with how to recover; an interrupted write is warned about
// once and rolled back by the next write; a read never waits on the lock unless what it saw looks
// wrong; the key-file warning comes back when the notice was dropped; reset-anchor re-seals with a
// generation that keeps growing.
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../../src/core/audit-event.js';
import type { ConfigDoc } from '../../../src/core/config-doc.js';
import { anchorFor } from '../../../src/store/anchor.js';
import { readAuditLog } from '../../../src/store/audit-log.js';
import { ConfigStore, integrityInfo, type StoreOptions } from '../../../src/store/config-store.js';
import { seal } from '../../../src/store/crypto.js';
import { withLock } from '../../../src/store/lock.js';
import { memoryKeyring } from '../../helpers/memory-keyring.js';
import { CrashingStore } from '../../helpers/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function root(): string {
  const d = mkdtempSync(join(tmpdir(), 'byok-store-state-'));
  dirs.push(d);
  return d;
}
type Env = Record<string, string | undefined>;
function opts(configDir: string, env: Env, more: Partial<StoreOptions> = {}): StoreOptions & { warnings: string[] } {
  const warnings: string[] = [];
  return { configDir, env: { BYOK_KEYRING: 'off', ...env }, now: () => new Date('2026-11-28T00:00:00Z'), user: () => 'alice', warn: (m) => warnings.push(m), warnings, ...more };
}
function store(configDir: string, env: Env, more: Partial<StoreOptions> = {}) {
  const o = opts(configDir, env, more);
  return Object.assign(new ConfigStore(o), { warnings: o.warnings });
}
const event = (type = 'policy-changed'): AuditEventInput => ({ type, user: 'alice', workspace: null, details: {} });
const withEvents = (n: number, ws = 'bank') => (doc: ConfigDoc, tx: { audit(e: AuditEventInput): void }) => {
  doc.currentWorkspace = ws;
  for (let i = 0; i < n; i++) tx.audit(event());
};
const noEvents = (ws = 'bank') => (doc: ConfigDoc) => {
  doc.currentWorkspace = ws;
};
async function refusal(f: () => Promise<unknown>): Promise<{ code: string; exitCode: number; message: string; hint?: string }> {
  try {
    await f();
  } catch (e) {
    return e as { code: string; exitCode: number; message: string; hint?: string };
  }
  throw new Error('expected a refusal');
}
const key = () => randomBytes(32).toString('base64');
const snapshot = (dir: string) => Object.fromEntries(['config.json', 'audit.jsonl'].filter((f) => existsSync(join(dir, f))).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));



describe('the config file as it is on disk', () => {
  it('a config.json that is not a regular file is config-unreadable: the message names the file and why, the hint says what it must be', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(join(dir, 'config.json'), { recursive: true });
    const e = await refusal(() => store(dir, { BYOK_KEY: key() }).update(noEvents()));
    expect(e).toMatchObject({ code: 'config-unreadable', exitCode: 3 });
    expect(e.message).toBe(`The config file ${join(dir, 'config.json')} cannot be read (EISDIR).`);
    expect(e.hint).toBe('It must be a regular file owned by you (0600). Nothing was changed.');
    expect((e as unknown as { cause?: { code?: string } }).cause?.code).toBe('EISDIR');
    expect(statSync(join(dir, 'config.json')).isDirectory()).toBe(true);
  });

  it('a config sealed with the right key whose content is not JSON is refused as changed outside byok, and left as it is', async () => {
    const dir = join(root(), 'cfg');
    const k = key();
    await store(dir, { BYOK_KEY: k }).update(noEvents());
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(seal(Buffer.from('{"version":1,', 'utf8'), Buffer.from(k, 'base64'), { source: 'raw', origin: 'env' })));
    const before = readFileSync(path);
    const e = await refusal(() => store(dir, { BYOK_KEY: k }).update(noEvents('x')));
    expect(e).toMatchObject({ code: 'config-tampered-or-wrong-key', exitCode: 3 });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a config of a version this byok does not know is config-unsupported, naming the file and the version, and is left untouched by a write', async () => {
    const dir = join(root(), 'cfg');
    const k = key();
    await store(dir, { BYOK_KEY: k }).update(noEvents());
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(seal(Buffer.from(JSON.stringify({ version: 2, workspaces: {} }), 'utf8'), Buffer.from(k, 'base64'), { source: 'raw', origin: 'env' })));
    const before = readFileSync(path);
    const e = await refusal(() => store(dir, { BYOK_KEY: k }).update(noEvents('x')));
    expect(e).toMatchObject({ code: 'config-unsupported', exitCode: 3 });
    expect(e.message).toBe(`The config file ${path} is not one this byok understands: unsupported config version 2.`);
    expect(e.hint).toBe('Use the byok version that wrote it; the file was left untouched.');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a typed passphrase is asked once for all the reads and writes of one command', async () => {
    const dir = join(root(), 'cfg');
    await store(dir, { BYOK_PASSPHRASE: 'correct horse battery' }).update(withEvents(1));
    const asked: string[] = [];
    const prompter = { password: async (m: string) => (asked.push(m), 'correct horse battery') };
    const s = store(dir, {}, { prompter });
    await s.read();
    await s.update(noEvents('b'));
    expect((await s.read()).doc.currentWorkspace).toBe('b');
    expect(asked).toHaveLength(1);
  });

  it('a config re-sealed under another salt by another process is opened with its own key, not the one remembered', async () => {
    const dir = join(root(), 'cfg');
    const env = { BYOK_PASSPHRASE: 'correct horse battery' };
    const s = store(dir, env);
    await s.update(noEvents('first'));
    expect((await s.read()).doc.currentWorkspace).toBe('first');
    rmSync(join(dir, 'config.json'));
    await store(dir, env).update(noEvents('second'));
    expect((await s.read()).doc.currentWorkspace).toBe('second');
  });
});

describe('the config directory', () => {
  it('a missing config directory is created, with its missing parents, 0700 and without a warning', async () => {
    const dir = join(root(), 'a', 'b', 'cfg');
    const s = store(dir, { BYOK_KEY: key() });
    await s.update(noEvents());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(s.warnings).toEqual([]);
  });

  it('an existing config directory open to others is restricted to 0700, and the user is told so with its old mode', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(dir);
    chmodSync(dir, 0o750);
    const s = store(dir, { BYOK_KEY: key() });
    await s.update(noEvents());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(s.warnings.filter((w) => w.includes('open to other users'))).toEqual([`The config directory ${dir} was open to other users (mode 750); byok restricted it to 0700.`]);
  });

  it('a config directory that is a file is refused config-dir-not-a-directory (exit 3), and the file is left as it is', async () => {
    const r = root();
    const file = join(r, 'cfg');
    writeFileSync(file, 'not a directory\n', { mode: 0o644 });
    const e = await refusal(() => store(file, { BYOK_KEY: key() }).update(noEvents()));
    expect(e).toMatchObject({ code: 'config-dir-not-a-directory', exitCode: 3 });
    expect(e.message).toContain(file);
    expect(e.hint).toContain('BYOK_CONFIG_DIR');
    expect(readFileSync(file, 'utf8')).toBe('not a directory\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('a config directory under a file is refused config-dir-unusable, saying it is under a file (ENOTDIR) and how to fix it', async () => {
    const r = root();
    writeFileSync(join(r, 'plain'), 'x');
    const dir = join(r, 'plain', 'cfg');
    const e = await refusal(() => store(dir, { BYOK_KEY: key() }).update(noEvents()));
    expect(e).toMatchObject({ code: 'config-dir-unusable', exitCode: 3 });
    expect(e.message).toBe(`The config directory ${dir} is under a file, not a directory (ENOTDIR).`);
    expect(e.hint).toMatch(/Point BYOK_CONFIG_DIR at a directory of yours.*Nothing was changed/);
    expect((e as unknown as { cause?: { code?: string } }).cause?.code).toBe('ENOTDIR');
  });

  it('a config directory byok may not create (even root may not create one under /sys) is refused at once: cannot be created by you, with its errno', async () => {
    const dir = '/sys/kernel/byok-test-cfg';
    const e = await refusal(() => store(dir, { BYOK_KEY: key() }).update(noEvents()));
    expect(e).toMatchObject({ code: 'config-dir-unusable', exitCode: 3 });
    // EROFS where /sys does not exist and / is read-only (macOS).
    expect(e.message).toMatch(new RegExp(`^The config directory ${dir} (cannot be created by you \\((EPERM|EACCES)\\)|is on a read-only file system \\(EROFS\\))\\.$`));
    expect(existsSync(dir)).toBe(false);
  });
});

describe('a config that is missing while something remembers it', () => {
  it('a missing config beside an empty audit log is a fresh start: nothing is refused', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'audit.jsonl'), '');
    const s = store(dir, { BYOK_KEY: key() });
    const r = await s.read();
    expect(r.key).toBeNull();
    await s.update(withEvents(1));
    expect(await readAuditLog(join(dir, 'audit.jsonl'))).toHaveLength(1);
  });

  it('a missing config beside a non-empty audit log is refused config-missing (read and write), naming both files and how to start over; nothing is changed', async () => {
    const dir = join(root(), 'cfg');
    const env = { BYOK_KEY: key() };
    await store(dir, env).update(withEvents(2));
    rmSync(join(dir, 'config.json'));
    const before = snapshot(dir);
    const log = join(dir, 'audit.jsonl');
    for (const f of [() => store(dir, env).read(), () => store(dir, env).update(withEvents(1))]) {
      const e = await refusal(f);
      expect(e).toMatchObject({ code: 'config-missing', exitCode: 3 });
      expect(e.message).toContain(join(dir, 'config.json'));
      expect(e.message).toContain(log);
      expect(e.hint).toContain('Restore config.json from your backup');
      expect(e.hint).toContain(`mv ${log} ${log}.old`);
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it('a missing config and log that the anchor file remembers are refused config-missing, saying which entry to remove to start over', async () => {
    const r = root();
    const dir = join(r, 'cfg');
    const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: join(r, 'anchor.json') };
    await store(dir, env).update(withEvents(1));
    rmSync(join(dir, 'config.json'));
    rmSync(join(dir, 'audit.jsonl'));
    const e = await refusal(() => store(dir, env).update(withEvents(1)));
    expect(e).toMatchObject({ code: 'config-missing', exitCode: 3 });
    expect(e.message).toContain(`state anchor (${join(r, 'anchor.json')}) recorded one here at generation 2`);
    expect(e.hint).toBe(`Restore it (and audit.jsonl) from your backup. To start over on purpose, remove the entry for ${dir} from ${join(r, 'anchor.json')}.`);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  });

  it('a missing config that the keyring anchor remembers is refused config-missing, naming the keyring entry "byok-anchor" to delete to start over', async () => {
    const dir = join(root(), 'cfg');
    const keyring = memoryKeyring();
    const env = { BYOK_KEYRING: undefined };
    await store(dir, env, { keyring }).update(withEvents(1));
    expect(keyring.entries.has(`byok-anchor|${dir}`)).toBe(true);
    rmSync(join(dir, 'config.json'));
    rmSync(join(dir, 'audit.jsonl'));
    const e = await refusal(() => store(dir, env, { keyring }).read());
    expect(e).toMatchObject({ code: 'config-missing', exitCode: 3 });
    expect(e.hint).toContain(`delete the keyring entry "byok-anchor" for ${dir}`);
  });
});

describe('the state anchor is compared on every open', () => {
  async function anchored() {
    const r = root();
    const dir = join(r, 'cfg');
    const anchorPath = join(r, 'anchor.json');
    const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: anchorPath };
    await store(dir, env).update(withEvents(1));
    const anchor = anchorFor({ configDir: dir, env }, 'env')!;
    return { r, dir, anchorPath, env, anchor };
  }

  it('the first write records its generation and head in the anchor, and the config names its anchor, with or without events', async () => {
    for (const fn of [withEvents(1), noEvents()]) {
      const r = root();
      const dir = join(r, 'cfg');
      const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: join(r, 'anchor.json') };
      const { doc } = await store(dir, env).update(fn);
      const rec = await anchorFor({ configDir: dir, env }, 'env')!.read();
      expect(rec).toEqual({ generation: doc.audit!.generation, count: doc.audit!.count, head: doc.audit!.head, keySource: 'env' });
      expect(doc.audit!.anchor).toBe(join(r, 'anchor.json'));
      // Opened without the anchor, it is refused: the sealed config says where its anchor is.
      expect(await refusal(() => store(dir, { ...env, BYOK_STATE_ANCHOR: undefined }).read())).toMatchObject({ code: 'state-anchor-missing' });
    }
  });

  it('the generation grows with every write, with or without events', async () => {
    const dir = join(root(), 'cfg');
    const s = store(dir, { BYOK_KEY: key() });
    let last = 0;
    for (const fn of [withEvents(1), noEvents('a'), withEvents(2, 'b'), noEvents('c')]) {
      const { doc } = await s.update(fn);
      expect(doc.audit!.generation).toBeGreaterThan(last);
      last = doc.audit!.generation!;
    }
  });

  it('an anchor up to two writes behind (its update after the config was lost) is accepted; three behind is refused config-swapped, saying how many writes', async () => {
    const a = await anchored();
    const saved = readFileSync(a.anchorPath);
    await store(a.dir, a.env).update(withEvents(2, 'two')); // announce + commit: two generations
    writeFileSync(a.anchorPath, saved);
    expect((await store(a.dir, a.env).read()).doc.currentWorkspace).toBe('two');
    await store(a.dir, a.env).update(noEvents('three'));
    writeFileSync(a.anchorPath, saved);
    const e = await refusal(() => store(a.dir, a.env).read());
    expect(e).toMatchObject({ code: 'config-swapped', exitCode: 3 });
    expect(e.message).toContain('is 3 writes newer than the state anchor');
    expect(e.message).toContain('(generation 2)');
    expect(e.hint).toContain('byok audit verify');
    expect(e.hint).toContain('byok audit reset-anchor --reason');
  });

  it('a config only one write older, put back with its log (the copy from the start of the last write), is refused config-rolled-back: an anchor detects it (README footnote 1)', async () => {
    const a = await anchored();
    const old = snapshot(a.dir);
    await store(a.dir, a.env).update(noEvents('newer')); // one generation: no events, no announce step
    for (const [f, b] of Object.entries(old)) writeFileSync(join(a.dir, f), Buffer.from(b, 'base64'));
    const e = await refusal(() => store(a.dir, a.env).read());
    expect(e).toMatchObject({ code: 'config-rolled-back', exitCode: 3 });
    expect(e.message).toMatch(/generation (\d+) < (\d+)/);
    const [, was, now] = /generation (\d+) < (\d+)/.exec(e.message)!;
    expect(Number(now) - Number(was)).toBe(1);
  });

  it('an older config and its log put back together are refused config-rolled-back, with both generations', async () => {
    const a = await anchored();
    const old = snapshot(a.dir);
    await store(a.dir, a.env).update(withEvents(1, 'newer'));
    for (const [f, b] of Object.entries(old)) writeFileSync(join(a.dir, f), Buffer.from(b, 'base64'));
    const e = await refusal(() => store(a.dir, a.env).read());
    expect(e).toMatchObject({ code: 'config-rolled-back', exitCode: 3 });
    expect(e.message).toContain('(generation 2 < 4)');
  });

  it('an anchor that disagrees at the same generation, on the event count or on the head, is refused config-swapped', async () => {
    const a = await anchored();
    const rec = (await a.anchor.read())!;
    for (const forged of [{ ...rec, count: rec.count + 1 }, { ...rec, head: 'b'.repeat(64) }]) {
      await a.anchor.write(forged);
      const e = await refusal(() => store(a.dir, a.env).read());
      expect(e).toMatchObject({ code: 'config-swapped', exitCode: 3 });
      expect(e.message).toBe(`The config ${join(a.dir, 'config.json')} is not the one the state anchor (${a.anchorPath}) recorded at generation ${rec.generation}: it was replaced.`);
    }
    await a.anchor.write(rec);
    expect((await store(a.dir, a.env).read()).doc.currentWorkspace).toBe('bank');
  });

  it('an anchor that records another key source than the one that opened the config is refused key-source-mismatch, naming both', async () => {
    const a = await anchored();
    await a.anchor.write({ ...(await a.anchor.read())!, keySource: 'passphrase' });
    const e = await refusal(() => store(a.dir, a.env).read());
    expect(e).toMatchObject({ code: 'key-source-mismatch', exitCode: 3 });
    expect(e.message).toBe(`The state anchor (${a.anchorPath}) records a config sealed with passphrase, but this one opened with env.`);
  });

  it('a config opened with another anchor than its own (even one with a record for it) is refused state-anchor-missing, naming both and the setting to restore', async () => {
    const a = await anchored();
    const other = join(a.r, 'other.json');
    copyFileSync(a.anchorPath, other);
    const e = await refusal(() => store(a.dir, { ...a.env, BYOK_STATE_ANCHOR: other }).read());
    expect(e).toMatchObject({ code: 'state-anchor-missing', exitCode: 3 });
    expect(e.message).toBe(`The config ${join(a.dir, 'config.json')} is anchored at ${a.anchorPath}, but this run uses ${other}.`);
    expect(e.hint).toContain(`Set BYOK_STATE_ANCHOR=${a.anchorPath}`);
    const none = await refusal(() => store(a.dir, { ...a.env, BYOK_STATE_ANCHOR: undefined }).read());
    expect(none.message).toContain('but no state anchor is set for this run');
  });

  it('a config whose anchor lost its record is refused state-anchor-missing, with restore-from-backup (not a setting) as the fix', async () => {
    const a = await anchored();
    rmSync(a.anchorPath);
    const e = await refusal(() => store(a.dir, a.env).read());
    expect(e).toMatchObject({ code: 'state-anchor-missing', exitCode: 3 });
    expect(e.message).toContain('has no record of the config');
    expect(e.hint).toMatch(/^Restore the anchor from your backup\. .*byok audit reset-anchor --reason/);
    expect(e.hint).not.toContain('Set BYOK_STATE_ANCHOR');
  });

  it('a config anchored in the keyring, opened where the keyring is off, is never told to set BYOK_STATE_ANCHOR to a keyring entry', async () => {
    const dir = join(root(), 'cfg');
    const keyring = memoryKeyring();
    await store(dir, { BYOK_KEYRING: undefined }, { keyring }).update(withEvents(1));
    const dataKey = keyring.entries.get(`byok|${dir}`)!;
    const e = await refusal(() => store(dir, { BYOK_KEY: dataKey }).read());
    expect(e).toMatchObject({ code: 'state-anchor-missing', exitCode: 3 });
    expect(e.message).toContain('anchored at OS keyring entry "byok-anchor"');
    expect(e.hint).toMatch(/^Restore the anchor from your backup/);
    expect(e.hint).not.toContain('BYOK_STATE_ANCHOR=');
  });

  it('a config copied in from another directory is refused config-swapped, and the hint gives the reset-anchor command for a move on purpose', async () => {
    const r = root();
    const env = { BYOK_KEY: key() };
    const from = join(r, 'staging');
    await store(from, env).update(withEvents(1));
    const to = join(r, 'cfg');
    cpSync(from, to, { recursive: true });
    const e = await refusal(() => store(to, env).read());
    expect(e).toMatchObject({ code: 'config-swapped', exitCode: 3 });
    expect(e.message).toContain(`sealed for another directory (${from})`);
    expect(e.hint).toContain(`byok audit reset-anchor --reason "moved from ${from}"`);
  });

  it('a write interrupted after its announce leaves a config that still names its directory and its anchor', async () => {
    const r = root();
    const dir = join(r, 'cfg');
    const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: join(r, 'anchor.json') };
    await store(dir, env).update(withEvents(1));
    await expect(new CrashingStore(opts(dir, env), 2).update(withEvents(1, 'lost'))).rejects.toThrow('simulated crash');
    expect((await store(dir, env).read()).state?.audit.kind).toBe('uncommitted');
    expect(await refusal(() => store(dir, { ...env, BYOK_STATE_ANCHOR: undefined }).read())).toMatchObject({ code: 'state-anchor-missing' });
    const copy = join(r, 'copy');
    cpSync(dir, copy, { recursive: true });
    // Its own record in the same anchor file, so only the directory can tell the copy apart.
    await anchorFor({ configDir: copy, env }, 'env')!.write((await anchorFor({ configDir: dir, env }, 'env')!.read())!);
    expect(await refusal(() => store(copy, env).read())).toMatchObject({ code: 'config-swapped' });
  });
});

describe('an interrupted write', () => {
  async function interrupted(events: number, env: Env) {
    const dir = join(root(), 'cfg');
    await store(dir, env).update(withEvents(1, 'allow'));
    await expect(new CrashingStore(opts(dir, env), 2).update(withEvents(events, 'lost'))).rejects.toThrow('simulated crash');
    return dir;
  }

  it('a read warns once that one uncommitted event will be rolled back by the next change', async () => {
    const env = { BYOK_KEY: key() };
    const dir = await interrupted(1, env);
    const s = store(dir, env);
    expect((await s.read()).doc.currentWorkspace).toBe('allow');
    expect(s.warnings).toEqual(['The audit log has 1 uncommitted event after its sealed head (a byok write was interrupted); the next change rolls it back and records that.']);
  });

  it('with several uncommitted events the warning counts them, once', async () => {
    const env = { BYOK_KEY: key() };
    const dir = await interrupted(2, env);
    const s = store(dir, env);
    await s.read();
    expect(s.warnings).toEqual(['The audit log has 2 uncommitted events after its sealed head (a byok write was interrupted); the next change rolls them back and records that.']);
  });

  it('the next write rolls it back without warning that a later one will, and records the rollback as byok when no user is named', async () => {
    const env = { BYOK_KEY: key() };
    const dir = await interrupted(1, env);
    const s = store(dir, env, { user: undefined });
    await s.update(withEvents(1, 'warn'));
    expect(s.warnings.filter((w) => w.includes('uncommitted'))).toEqual([]);
    const entries = await readAuditLog(join(dir, 'audit.jsonl'));
    expect(entries.map((e) => e.event.type)).toEqual(['policy-changed', 'audit-uncommitted-rolled-back', 'policy-changed']);
    expect(entries[1]!.event.user).toBe('byok');
    const again = store(dir, env);
    await again.read();
    expect(again.warnings).toEqual([]);
  });
});

describe('reads and the lock', () => {
  it('a read of a sound config does not wait for a writer holding the lock (a paused writer never blocks a reader)', async () => {
    const dir = join(root(), 'cfg');
    const env = { BYOK_KEY: key() };
    await store(dir, env).update(withEvents(1));
    const seen = await withLock(dir, dir, async () => (await store(dir, env).read()).doc.currentWorkspace);
    expect(seen).toBe('bank');
  }, 5_000);

  it('a read that saw a write half-way (config read before two writes, anchor after) looks again under the lock and reports what is on disk', async () => {
    const dir = join(root(), 'cfg');
    const shared = memoryKeyring();
    const env = { BYOK_KEYRING: undefined };
    await store(dir, env, { keyring: shared }).update(withEvents(1, 'v1'));
    const writer = store(dir, env, { keyring: shared });
    let raced = false;
    // The reader's keyring: when it asks for the anchor the first time, two writes complete first.
    const readerKeyring = {
      get: async (service: string, account: string) => {
        if (service === 'byok-anchor' && !raced) {
          raced = true;
          await writer.update(withEvents(1, 'v2'));
          await writer.update(withEvents(1, 'v3'));
        }
        return shared.get(service, account);
      },
      set: (service: string, account: string, value: string) => shared.set(service, account, value),
    };
    const r = await store(dir, env, { keyring: readerKeyring }).read();
    expect(raced).toBe(true);
    expect(r.doc.currentWorkspace).toBe('v3');
    expect(r.state?.problems).toEqual([]);
  });
});

describe('the key-file warning', () => {
  it('comes back on the next read once a write with another key source dropped the notice, and is recorded again by the next key-file write', async () => {
    const dir = join(root(), 'cfg');
    const viaFile = () => store(dir, {});
    const kw = (ws: string[]) => ws.filter((w) => w.includes('key file next to it')).length;
    const first = viaFile();
    await first.update(withEvents(1));
    expect(kw(first.warnings)).toBe(1);
    // CI opens the same config with the key file's key in BYOK_KEY: the notice is the key file's, not its own.
    const fileKey = readFileSync(join(dir, 'key'), 'utf8').trim();
    const ci = store(dir, { BYOK_KEY: fileKey });
    await ci.update(noEvents('ci'));
    expect(kw(ci.warnings)).toBe(0);
    const back = viaFile();
    await back.read();
    expect(kw(back.warnings)).toBe(1);
    const writes = viaFile();
    await writes.update(noEvents('again'));
    expect(kw(writes.warnings)).toBe(1);
    const quiet = viaFile();
    await quiet.read();
    expect(kw(quiet.warnings)).toBe(0);
  });
});

describe('byok audit reset-anchor (the store side)', () => {
  const resetEvent = (seen: unknown[]) => (found: Parameters<Parameters<ConfigStore['resetAnchor']>[0]>[0]): AuditEventInput => {
    seen.push(found);
    return { type: 'audit-anchor-reset', user: 'alice', workspace: null, details: { reason: 'test' } };
  };

  it('with no config there is nothing to re-seal: no-config (exit 3), naming where it looked', async () => {
    const dir = join(root(), 'cfg');
    const e = await refusal(() => store(dir, { BYOK_KEY: key() }).resetAnchor(resetEvent([]), () => undefined));
    expect(e).toMatchObject({ code: 'no-config', exitCode: 3 });
    expect(e.message).toBe(`There is no config at ${join(dir, 'config.json')}.`);
    expect(e.hint).toBe('Nothing to re-seal.');
  });

  it('a log whose own chain is broken is not re-sealed: audit-log-damaged naming the line, with the mv to keep it as evidence; nothing is changed', async () => {
    const dir = join(root(), 'cfg');
    const env = { BYOK_KEY: key() };
    await store(dir, env).update(withEvents(3));
    const log = join(dir, 'audit.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"alice"', '"bobby"');
    writeFileSync(log, lines.join('\n'));
    const before = snapshot(dir);
    const e = await refusal(() => store(dir, env).resetAnchor(resetEvent([]), () => undefined));
    expect(e).toMatchObject({ code: 'audit-log-damaged', exitCode: 3 });
    expect(e.message).toContain(`The audit log ${log} is damaged inside (line 2: `);
    expect(e.hint).toContain(`mv ${log} ${log}.damaged`);
    expect(snapshot(dir)).toEqual(before);
  });

  it('after an older config and log were put back, it re-seals above every generation seen, records the problems it found, and keeps the anchor in step', async () => {
    const r = root();
    const dir = join(r, 'cfg');
    const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: join(r, 'anchor.json') };
    await store(dir, env).update(withEvents(1));
    const old = snapshot(dir);
    for (const ws of ['a', 'b', 'c']) await store(dir, env).update(withEvents(1, ws));
    const anchor = anchorFor({ configDir: dir, env }, 'env')!;
    const newest = (await anchor.read())!.generation;
    for (const [f, b] of Object.entries(old)) writeFileSync(join(dir, f), Buffer.from(b, 'base64'));
    const diag = await store(dir, env).read({ diagnose: true });
    const problems = diag.state!.problems.map((p) => p.message);
    expect(problems.length).toBeGreaterThan(0);
    const seen: { problems: string; anchorGeneration: number | null }[] = [];
    await store(dir, env).resetAnchor(resetEvent(seen) as never, () => undefined);
    expect(seen[0]!.anchorGeneration).toBe(newest);
    for (const p of problems) expect(seen[0]!.problems).toContain(p);
    const after = await store(dir, env).read();
    expect(after.state!.problems).toEqual([]);
    expect(after.doc.audit!.generation).toBeGreaterThan(newest);
    expect(await anchor.read()).toEqual({ generation: after.doc.audit!.generation, count: after.doc.audit!.count, head: after.doc.audit!.head, keySource: 'env' });
    expect(after.doc.audit!.anchor).toBe(join(r, 'anchor.json'));
    expect(await refusal(() => store(dir, { ...env, BYOK_STATE_ANCHOR: undefined }).read())).toMatchObject({ code: 'state-anchor-missing' });
  });

  it('a reset-anchor interrupted after its announce leaves a config that still names its anchor: without BYOK_STATE_ANCHOR it is refused, never opened and re-sealed anchor-less', async () => {
    const r = root();
    const dir = join(r, 'cfg');
    const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: join(r, 'anchor.json') };
    await store(dir, env).update(withEvents(1));
    await expect(new CrashingStore(opts(dir, env), 2).resetAnchor(resetEvent([]), () => undefined)).rejects.toThrow('simulated crash');
    const before = snapshot(dir);
    const unset = { ...env, BYOK_STATE_ANCHOR: undefined };
    expect(await refusal(() => store(dir, unset).read())).toMatchObject({ code: 'state-anchor-missing', exitCode: 3 });
    expect(await refusal(() => store(dir, unset).update(noEvents('x')))).toMatchObject({ code: 'state-anchor-missing', exitCode: 3 });
    expect(snapshot(dir)).toEqual(before);
    // With the anchor, it reads as the interrupted write it is.
    expect((await store(dir, env).read()).state?.audit.kind).toBe('uncommitted');
  });

  it('the problems it records are each said, separated, and kept to 1000 characters', async () => {
    const r = root();
    const env = { BYOK_KEY: key(), BYOK_STATE_ANCHOR: join(r, 'anchor.json') };
    // Long directory names, so that what was found is more than the record keeps.
    const long = join('d'.repeat(200), 'e'.repeat(200));
    const from = join(r, long, 'staging');
    await store(from, env).update(withEvents(1));
    const dir = join(r, long, 'cfg');
    cpSync(from, dir, { recursive: true });
    // Two problems: sealed for another directory, and the anchor has no record for this one.
    const problems = (await store(dir, env).read({ diagnose: true })).state!.problems.map((p) => p.message);
    expect(problems).toHaveLength(2);
    const seen: { problems: string }[] = [];
    await store(dir, env).resetAnchor(resetEvent(seen) as never, () => undefined);
    const said = seen[0]!.problems;
    expect(problems.join(' | ').length).toBeGreaterThan(1000);
    expect(said.startsWith(`${problems[0]} | `)).toBe(true);
    expect(problems.join(' | ').startsWith(said)).toBe(true);
    expect(said).toHaveLength(1000);
  });
});

describe('what the integrity rests on (README "Local state" table)', () => {
  it('without an anchor: every per-file change is detected, by name; what is not detected is said', () => {
    const i = integrityInfo('env', undefined);
    expect(i.detected).toEqual([
      'an edited or flipped config (authenticated encryption)',
      'a config copied in from another directory (sealed with its directory)',
      'an edited, removed, inserted or reordered audit event (hash chain)',
      'a cut-off, deleted or extended audit log (head sealed in the config)',
      'an older config put back over a newer log',
    ]);
    expect(i.notDetected).toContain('the copy of the config from the start of the last write put back (it reads as an interrupted write: rolled back and recorded)');
    expect(i.notDetected).toContain('changes by someone who knows the key');
  });

  it('with an anchor: the same, plus the old pair put back and a deleted anchor; only the anchor\'s writers or the key\'s holders are not detected', () => {
    const r = root();
    const anchor = anchorFor({ configDir: join(r, 'cfg'), env: { BYOK_STATE_ANCHOR: join(r, 'anchor.json') } }, 'passphrase');
    const i = integrityInfo('passphrase', anchor);
    expect(i.detected).toEqual([...integrityInfo('passphrase', undefined).detected, 'an older config and log put back together (generation kept in the anchor)', 'a deleted or missing anchor (the config records where it is)']);
    expect(i.notDetected).toEqual(['changes by someone who can also write the anchor, or who knows the key']);
  });
});
