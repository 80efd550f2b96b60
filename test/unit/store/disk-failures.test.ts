// When the disk fails under byok (README "Local state"; the brief: "bad input gets a clear error,
// and nothing is lost"): a config it may not read, a config directory it cannot create or
// restrict, a full or read-only disk while the config, the audit log or the state anchor is being
// written. Each time byok says which file, what failed and what to do, and leaves the state it
// found: the config as it was, the audit log cut back to its sealed end, nothing half-written
// that a later command would take for the truth. The failures are injected into node:fs in this
// process (test/helpers/fs-faults.ts): the tests run as root, for whom chmod stops nothing.
import { clearFsFaults, failFs } from '../../helpers/fs-faults.js';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStateError } from '../../../src/core/errors.js';
import { verifyAuditLog } from '../../../src/store/audit-log.js';
import { ConfigStore } from '../../../src/store/config-store.js';

const dirs: string[] = [];
afterEach(() => {
  clearFsFaults();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function root(): string {
  const d = mkdtempSync(join(tmpdir(), 'byok-disk-failures-'));
  dirs.push(d);
  return d;
}
const KEY = randomBytes(32).toString('base64');
function store(configDir: string, env: Record<string, string> = {}, warnings: string[] = []) {
  return new ConfigStore({ configDir, env: { BYOK_KEYRING: 'off', BYOK_KEY: KEY, ...env }, now: () => new Date('2026-11-28T00:00:00Z'), user: () => 'alice', warn: (m) => warnings.push(m) });
}
/** One change: the current workspace becomes `name`, with its audit event. */
const change = (s: ConfigStore, name: string) =>
  s.update((doc, tx) => {
    doc.currentWorkspace = name;
    tx.audit({ type: 'test-event', user: 'alice', workspace: null, details: { to: name } });
  });
/** A config directory with a config (workspace "bank") and a log of one event. */
async function written(env: Record<string, string> = {}) {
  const dir = join(root(), 'cfg');
  const s = store(dir, env);
  await change(s, 'bank');
  return { dir, s, config: join(dir, 'config.json'), audit: join(dir, 'audit.jsonl') };
}
async function refusal(p: Promise<unknown>): Promise<LocalStateError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'byok went on as if nothing had failed').toBeInstanceOf(LocalStateError);
  return e as LocalStateError;
}

describe('a config byok cannot read is refused, and named', () => {
  it('a config.json byok may not read (EACCES) is refused with config-unreadable: the file, the error and "nothing was changed"', async () => {
    const w = await written();
    const before = readFileSync(w.config);
    failFs('readFileSync', w.config, 'EACCES');
    const e = await refusal(store(w.dir).read());
    expect(e.code).toBe('config-unreadable');
    expect(e.message).toBe(`The config file ${w.config} cannot be read (EACCES).`);
    expect(e.hint).toMatch(/regular file owned by you \(0600\)/);
    expect(e.hint).toMatch(/Nothing was changed/);
    clearFsFaults();
    expect(readFileSync(w.config).equals(before)).toBe(true);
  });

  it('a write refuses the same way, before it writes anything: the log keeps its one event', async () => {
    const w = await written();
    const log = readFileSync(w.audit);
    failFs('readFileSync', w.config, 'EIO');
    const e = await refusal(change(store(w.dir), 'other'));
    expect(e.code).toBe('config-unreadable');
    expect(e.message).toMatch(/\(EIO\)/);
    clearFsFaults();
    expect(readFileSync(w.audit).equals(log)).toBe(true);
    expect((await store(w.dir).read()).doc.currentWorkspace).toBe('bank');
  });
});

describe('a config directory byok cannot make or keep private', () => {
  for (const [code, why] of [
    ['EACCES', 'cannot be created by you'],
    ['EPERM', 'cannot be created by you'],
    ['EROFS', 'is on a read-only file system'],
    ['EIO', 'cannot be created'],
  ] as const) {
    it(`a config directory that cannot be created (${code}) is refused with config-dir-unusable, saying it ${why}`, async () => {
      const dir = join(root(), 'new', 'cfg');
      failFs('mkdirSync', dir, code);
      const e = await refusal(change(store(dir), 'bank'));
      expect(e.code).toBe('config-dir-unusable');
      expect(e.message).toBe(`The config directory ${dir} ${why} (${code}).`);
      expect(e.hint).toMatch(/Point BYOK_CONFIG_DIR at a directory of yours/);
      expect(e.hint).toMatch(/Nothing was changed/);
      clearFsFaults();
      expect(existsSync(dir)).toBe(false);
    });
  }

  it('a failure without an errno is still said as a directory that cannot be created, "(error)"', async () => {
    const dir = join(root(), 'new', 'cfg');
    failFs('mkdirSync', dir, null);
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.code).toBe('config-dir-unusable');
    expect(e.message).toBe(`The config directory ${dir} cannot be created (error).`);
  });

  it('a config directory under a regular file (ENOTDIR, for real) is refused: it is under a file, not a directory', async () => {
    const r = root();
    writeFileSync(join(r, 'plain'), 'not a directory');
    const dir = join(r, 'plain', 'cfg');
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.code).toBe('config-dir-unusable');
    expect(e.message).toBe(`The config directory ${dir} is under a file, not a directory (ENOTDIR).`);
  });

  it.runIf(process.getuid?.() === 0)('a config directory that belongs to another user is refused with config-dir-owner, and left as it was (its owner could open it up again)', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.code).toBe('config-dir-owner');
    expect(e.message).toBe(`The config directory ${dir} belongs to another user (uid 65534), who could change it at any time.`);
    expect(e.hint).toMatch(/a directory of your own/);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
    expect(statSync(dir).uid).toBe(65534);
  });

  it('a config directory that is a regular file is refused with config-dir-not-a-directory, and the file is left as it was', async () => {
    const dir = join(root(), 'cfg');
    writeFileSync(dir, 'a file');
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.code).toBe('config-dir-not-a-directory');
    expect(e.message).toBe(`${dir} is not a directory.`);
    expect(e.hint).toMatch(/Point BYOK_CONFIG_DIR at a directory/);
    expect(readFileSync(dir, 'utf8')).toBe('a file');
  });

  it('a config directory open to others is restricted to 0700 before the first write, and byok says so', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const warnings: string[] = [];
    await change(store(dir, {}, warnings), 'bank');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(warnings).toContain(`The config directory ${dir} was open to other users (mode 755); byok restricted it to 0700.`);
  });

  it('a shared directory open to others (holding files that are not byok\'s) is refused, and its mode is left as it was', async () => {
    const dir = join(root(), 'shared');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.txt'), 'not byok');
    writeFileSync(join(dir, 'config.json.tmp-123'), '');
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.code).toBe('config-dir-permissions');
    expect(e.message).toBe(`${dir} is open to other users (mode 755) and holds files that are not byok's (notes.txt); byok will not change its mode.`);
    expect(e.hint).toMatch(/Point BYOK_CONFIG_DIR at a directory of its own/);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  });

  it('the refusal names at most three of the other files, then "…"', async () => {
    const dir = join(root(), 'shared');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const n of ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']) writeFileSync(join(dir, n), '');
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.message).toMatch(/holds files that are not byok's \((a|b|c|d|e)\.txt, (a|b|c|d|e)\.txt, (a|b|c|d|e)\.txt, …\); byok will not change its mode\.$/);
  });

  it("a file whose name only starts like one of byok's (keystore.jks, config.lockbox) is not byok's: the shared directory is refused", async () => {
    for (const name of ['keystore.jks', 'config.lockbox', 'keys']) {
      const dir = join(root(), 'shared');
      mkdirSync(dir, { mode: 0o755 });
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, name), '');
      const e = await refusal(change(store(dir), 'bank'));
      expect(e.code, name).toBe('config-dir-permissions');
      expect(statSync(dir).mode & 0o777).toBe(0o755);
    }
  });

  it("a directory holding only byok's files (config, log, lock, key file, the copies its hints make) is byok's own: restricted to 0700", async () => {
    const w = await written();
    // The copies byok's own hints tell the user to make (mv audit.jsonl audit.jsonl.old, mv key key.old).
    writeFileSync(join(w.dir, 'audit.jsonl.old'), '');
    writeFileSync(join(w.dir, 'key.old'), '');
    chmodSync(w.dir, 0o750);
    const warnings: string[] = [];
    await change(store(w.dir, {}, warnings), 'other');
    expect(statSync(w.dir).mode & 0o777).toBe(0o700);
    expect(warnings.join(' ')).toMatch(/was open to other users \(mode 750\); byok restricted it to 0700/);
  });

  it('a private config directory is not touched and draws no warning', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    const chmod = failFs('chmodSync', dir, 'EPERM');
    const warnings: string[] = [];
    await change(store(dir, {}, warnings), 'bank');
    expect(chmod.fired).toBe(0);
    expect(warnings.filter((w) => w.includes(dir))).toEqual([]);
  });

  it('a config directory open to others that byok cannot restrict is refused with config-dir-permissions, naming the chmod, and nothing is written', async () => {
    const dir = join(root(), 'cfg');
    mkdirSync(dir, { mode: 0o770 });
    chmodSync(dir, 0o770);
    failFs('chmodSync', dir, 'EPERM');
    const e = await refusal(change(store(dir), 'bank'));
    expect(e.code).toBe('config-dir-permissions');
    expect(e.message).toBe(`${dir} is open to other users and byok cannot restrict it (EPERM).`);
    expect(e.hint).toBe(`Run: chmod 700 ${dir} (it must be a directory of yours). Nothing was changed.`);
    expect((e.cause as NodeJS.ErrnoException).code).toBe('EPERM'); // kept for --debug and library callers
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
    expect(existsSync(join(dir, 'audit.jsonl'))).toBe(false);
    // Without an errno the same refusal says "(error)".
    clearFsFaults();
    failFs('chmodSync', dir, null);
    const n = await refusal(change(store(dir), 'bank'));
    expect(n.message).toBe(`${dir} is open to other users and byok cannot restrict it (error).`);
  });
});

describe('a full or read-only disk while the config is written: the change is not made', () => {
  // The config is written by conf through atomically: a temporary file beside it, then a rename.
  const temp = (config: string) => (p: string) => p.startsWith(`${config}.tmp`);
  for (const code of ['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM']) {
    it(`${code} while writing the config is refused with config-unwritable, and the config reads as before`, async () => {
      const w = await written();
      const before = readFileSync(w.config);
      const f = failFs('openSync', temp(w.config), code);
      const e = await refusal(change(w.s, 'other'));
      expect(f.fired).toBeGreaterThan(0);
      expect(e.code).toBe('config-unwritable');
      expect(e.message).toBe(`The config file ${w.config} cannot be written (${code}).`);
      expect(e.hint).toMatch(/permissions and free space/);
      expect(e.hint).toMatch(/the change was not made/);
      expect((e.cause as NodeJS.ErrnoException).code).toBe(code);
      clearFsFaults();
      expect(readFileSync(w.config).equals(before)).toBe(true);
      expect((await store(w.dir).read()).doc.currentWorkspace).toBe('bank');
    });
  }

  it('an I/O error that is neither permissions nor space is not described as one (it is raised as it is)', async () => {
    const w = await written();
    failFs('openSync', temp(w.config), 'EIO');
    const e = await change(w.s, 'other').then(
      () => undefined,
      (err: unknown) => err as NodeJS.ErrnoException,
    );
    expect(e).toBeDefined();
    expect(e).not.toBeInstanceOf(LocalStateError);
    expect(e!.code).toBe('EIO');
  });

  it('after a failed config write, the next write succeeds and the audit log verifies: the event of the failed change is rolled back, not kept', async () => {
    const w = await written();
    failFs('openSync', temp(w.config), 'ENOSPC');
    await refusal(change(w.s, 'other'));
    clearFsFaults();
    await change(store(w.dir), 'third');
    const r = await store(w.dir).read();
    expect(r.doc.currentWorkspace).toBe('third');
    const v = await verifyAuditLog(w.audit, r.doc.audit);
    expect(v.problems).toEqual([]);
    const events = readFileSync(w.audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: { type: string; details: Record<string, unknown> } });
    // "other" was never made: its event is not in the log as a change that happened.
    expect(events.filter((e) => e.event.type === 'test-event').map((e) => e.event.details.to)).toEqual(['bank', 'third']);
  });
});

describe('the audit log is written completely or not at all (README "Local state": the event before the change)', () => {
  it('an audit log byok may not open for writing (EACCES) refuses the change with audit-log-unwritable; config and log stay as they were', async () => {
    const w = await written();
    const log = readFileSync(w.audit);
    failFs('openSync', (p) => p === w.audit, 'EACCES', { after: 1 });
    const e = await refusal(change(w.s, 'other'));
    expect(e.code).toBe('audit-log-unwritable');
    expect(e.message).toBe(`The audit log ${w.audit} cannot be written (EACCES).`);
    expect(e.hint).toMatch(/permissions and free space of the config directory; nothing was changed/);
    clearFsFaults();
    // The config was re-sealed once, announcing the event (step 1 of a write), but not changed.
    expect(readFileSync(w.audit).equals(log)).toBe(true);
    const r = await store(w.dir).read();
    expect(r.doc.currentWorkspace).toBe('bank');
    expect((await verifyAuditLog(w.audit, r.doc.audit)).ok).toBe(true);
  });

  for (const [call, what] of [
    ['writeSync', 'a disk that fills half-way through the event (a short write, then ENOSPC)'],
    ['fsyncSync', 'an event that cannot be flushed to the disk (fsync fails)'],
    ['fchmodSync', 'a log whose mode cannot be set to 0600'],
  ] as const) {
    it(`${what}: the log is cut back to its sealed end, byte for byte, and the change is not made`, async () => {
      const w = await written();
      const log = readFileSync(w.audit);
      const f = failFs(call, w.audit, call === 'fchmodSync' ? 'EPERM' : 'ENOSPC', { short: call === 'writeSync', times: 1 });
      const e = await refusal(change(w.s, 'other'));
      expect(f.fired).toBeGreaterThan(0);
      expect(e.code).toBe('audit-log-unwritable');
      expect(e.message).toMatch(/\((ENOSPC|EPERM)\)\.$/);
      clearFsFaults();
      expect(readFileSync(w.audit).equals(log)).toBe(true);
      const r = await store(w.dir).read();
      expect(r.doc.currentWorkspace).toBe('bank');
      expect((await verifyAuditLog(w.audit, r.doc.audit)).ok).toBe(true);
    });
  }

  it('when the cut back fails too, the half-written line stays beyond the sealed end: audit verify reports it, and the next write rolls it back', async () => {
    const w = await written();
    const log = readFileSync(w.audit);
    failFs('writeSync', w.audit, 'ENOSPC', { short: true, times: 1 });
    failFs('ftruncateSync', w.audit, 'EIO');
    const e = await refusal(change(w.s, 'other'));
    expect(e.code).toBe('audit-log-unwritable');
    clearFsFaults();
    const grown = readFileSync(w.audit);
    expect(grown.length).toBeGreaterThan(log.length);
    expect(grown.subarray(0, log.length).equals(log)).toBe(true);
    const r = await store(w.dir).read();
    expect(r.doc.currentWorkspace).toBe('bank');
    const v = await verifyAuditLog(w.audit, r.doc.audit);
    expect(v.ok).toBe(false);
    await change(store(w.dir), 'third');
    const after = await store(w.dir).read();
    expect(after.doc.currentWorkspace).toBe('third');
    expect((await verifyAuditLog(w.audit, after.doc.audit)).ok).toBe(true);
  });

  it('an audit log byok may not examine (lstat EACCES) is refused with audit-log-unreadable: "cannot be examined"', async () => {
    const w = await written();
    failFs('lstatSync', w.audit, 'EACCES');
    const e = await refusal(store(w.dir).read());
    expect(e.code).toBe('audit-log-unreadable');
    expect(e.message).toBe(`The audit log ${w.audit} cannot be examined (EACCES).`);
    expect(e.hint).toMatch(/regular file owned by you \(mode 0600\)/);
    expect(e.hint).toMatch(/byok audit verify/);
  });

  it('an audit log byok may not open for reading is refused with audit-log-unreadable: "cannot be opened"', async () => {
    const w = await written();
    failFs('openSync', w.audit, 'EACCES');
    const e = await refusal(store(w.dir).read());
    expect(e.code).toBe('audit-log-unreadable');
    expect(e.message).toBe(`The audit log ${w.audit} cannot be opened (EACCES).`);
  });
});

describe('a state anchor that cannot be written', () => {
  it('a full disk under the anchor file is reported with state-anchor-unwritable after the config was written, and the next command still opens it', async () => {
    const r = root();
    const anchor = join(r, 'anchor.json');
    const w = await written({ BYOK_STATE_ANCHOR: anchor });
    const f = failFs('openSync', (p) => p.startsWith(`${anchor}.tmp`), 'ENOSPC');
    const e = await refusal(change(store(w.dir, { BYOK_STATE_ANCHOR: anchor }), 'other'));
    expect(f.fired).toBeGreaterThan(0);
    expect(e.code).toBe('state-anchor-unwritable');
    expect(e.message).toBe(`The state anchor ${anchor} cannot be written (ENOSPC).`);
    expect(e.hint).toMatch(/The config was written; the next command compares it again/);
    clearFsFaults();
    expect((await store(w.dir, { BYOK_STATE_ANCHOR: anchor }).read()).doc.currentWorkspace).toBe('other');
  });
});

describe('a config directory where the lock cannot be taken (the lock is a directory made in it)', () => {
  for (const [code, why] of [
    ['EACCES', 'is not writable by you'],
    ['EPERM', 'is not writable by you'],
    ['EROFS', 'is on a read-only file system'],
  ] as const) {
    it(`${code} on the lock is said at once with config-dir-unwritable (${why}), naming ls -ld, and nothing is written`, async () => {
      const w = await written();
      const log = readFileSync(w.audit);
      const f = failFs('mkdir', join(w.dir, 'config.lock'), code);
      const t0 = Date.now();
      const e = await refusal(change(store(w.dir), 'other'));
      expect(f.fired).toBe(1);
      expect(e.code).toBe('config-dir-unwritable');
      expect(e.message).toBe(`The config directory ${w.dir} ${why} (${code}), so byok cannot change anything in it.`);
      expect(e.hint).toBe(`Check its owner and mode (it should be yours, 0700): ls -ld ${w.dir}. Nothing was changed.`);
      // Said at once: not waited on as if another process held the lock (that wait is 30 s).
      expect(Date.now() - t0).toBeLessThan(20_000);
      clearFsFaults();
      expect(readFileSync(w.audit).equals(log)).toBe(true);
      expect((await store(w.dir).read()).doc.currentWorkspace).toBe('bank');
    });
  }

  it('any other failure to make the lock is config-lock-failed, naming the lock, the error and the directory', async () => {
    const w = await written();
    failFs('mkdir', join(w.dir, 'config.lock'), 'EIO');
    const e = await refusal(change(store(w.dir), 'other'));
    expect(e.code).toBe('config-lock-failed');
    expect(e.message).toBe(`The config lock ${join(w.dir, 'config.lock')} cannot be taken (EIO).`);
    expect(e.hint).toBe(`Check the config directory ${w.dir}; nothing was changed.`);
  });

  it('a lock that is busy for a moment does not fail the write: it is taken when it is free', async () => {
    const w = await written();
    // Busy for the first three tries: the writer tries again rather than giving up or failing.
    const f = failFs('mkdir', join(w.dir, 'config.lock'), 'EEXIST', { times: 3 });
    await change(store(w.dir), 'other');
    expect(f.fired).toBe(3);
    expect((await store(w.dir).read()).doc.currentWorkspace).toBe('other');
  });
});

describe('nothing is written when the change cannot be completed', () => {
  it('a state anchor that cannot be written is found before anything is written: the config and log stay as they were, and the next command is not told of tampering', async () => {
    const r = root();
    const anchor = join(r, 'anchor.json');
    const w = await written({ BYOK_STATE_ANCHOR: anchor });
    const log = readFileSync(w.audit);
    const config = readFileSync(w.config);
    failFs('accessSync', r, 'EACCES');
    const e = await refusal(change(store(w.dir, { BYOK_STATE_ANCHOR: anchor }), 'other'));
    expect(e.code).toBe('state-anchor-unwritable');
    expect(e.message).toBe(`The state anchor ${anchor} cannot be written (EACCES), so no change is made.`);
    expect(e.hint).toMatch(/Nothing was changed/);
    clearFsFaults();
    expect(readFileSync(w.audit).equals(log)).toBe(true);
    expect(readFileSync(w.config).equals(config)).toBe(true);
    expect((await store(w.dir, { BYOK_STATE_ANCHOR: anchor }).read()).doc.currentWorkspace).toBe('bank');
  });

  it('a first command refused on its input leaves no key behind (no key file made for a config that was never written)', async () => {
    const dir = join(root(), 'cfg');
    const s = new ConfigStore({ configDir: dir, env: { BYOK_KEYRING: 'off' }, now: () => new Date('2026-11-28T00:00:00Z'), user: () => 'alice' });
    await expect(
      s.update(() => {
        throw new LocalStateError('refused-input', 'refused on its input', 'fix the input');
      }),
    ).rejects.toMatchObject({ code: 'refused-input' });
    expect(existsSync(join(dir, 'key'))).toBe(false);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
    // Nor the directory it made for it.
    expect(existsSync(dir)).toBe(false);
  });
});

describe('a failure that carries no errno is still said plainly (no empty parentheses)', () => {
  it('the config file: "cannot be read."', async () => {
    const w = await written();
    failFs('readFileSync', w.config, null);
    const e = await refusal(store(w.dir).read());
    expect(e.code).toBe('config-unreadable');
    expect(e.message).toBe(`The config file ${w.config} cannot be read.`);
  });

  it('the audit log: "cannot be written."', async () => {
    const w = await written();
    failFs('openSync', (p) => p === w.audit, null, { after: 1 });
    const e = await refusal(change(w.s, 'other'));
    expect(e.code).toBe('audit-log-unwritable');
    expect(e.message).toBe(`The audit log ${w.audit} cannot be written.`);
  });

  it('the state anchor: "(error)"', async () => {
    const r = root();
    const anchor = join(r, 'anchor.json');
    const w = await written({ BYOK_STATE_ANCHOR: anchor });
    failFs('openSync', (p) => p.startsWith(`${anchor}.tmp`), null);
    const e = await refusal(change(store(w.dir, { BYOK_STATE_ANCHOR: anchor }), 'other'));
    expect(e.code).toBe('state-anchor-unwritable');
    expect(e.message).toBe(`The state anchor ${anchor} cannot be written (error).`);
  });
});
