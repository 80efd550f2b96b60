// The state anchor's refusals say what is wrong and how to fix it (README "Local state": the
// anchor is a file outside the config directory, BYOK_STATE_ANCHOR=/absolute/path, or the OS
// keyring entry "byok-anchor"): each names the anchor (the file's path, or the keyring entry and
// its config directory), says nothing was changed, or that the config was written and is compared
// again. The anchor file holds the config's generation and head, so it is written 0600 like every
// file byok writes. Complements anchor-promises.test.ts (which records are refused, and when).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anchorFor } from '../../../src/store/anchor.js';
import { memoryKeyring } from '../../helpers/memory-keyring.js';
import { isMainThread } from 'node:worker_threads';
import { ANCHOR_HEAD, anchorPlace, anchorRecord } from '../../helpers/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function place() {
  const p = anchorPlace();
  dirs.push(p.root);
  return p;
}
const HEAD = ANCHOR_HEAD;
const record = anchorRecord;
const refusal = async (f: () => unknown): Promise<{ code?: string; message: string; hint?: string; exitCode?: number; cause?: unknown }> => {
  try {
    await f();
  } catch (e) {
    return e as { code?: string; message: string; hint?: string; exitCode?: number; cause?: unknown };
  }
  throw new Error('expected a refusal');
};
const DAMAGED_HINT = 'Restore it from a backup, or point BYOK_STATE_ANCHOR at the right file. Nothing was changed.';

describe('a damaged anchor is refused, named, with how to fix it', () => {
  it('an anchor file that is not JSON: state-anchor-damaged naming the file, the parse error kept as the cause', async () => {
    const p = place();
    writeFileSync(p.anchorPath, '{"byokStateAnchor":1,');
    const e = await refusal(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!.read());
    expect(e).toMatchObject({ code: 'state-anchor-damaged', exitCode: 3, message: `The state anchor ${p.anchorPath} cannot be read as one byok wrote.`, hint: DAMAGED_HINT });
    expect(e.cause).toBeInstanceOf(SyntaxError);
  });

  it('a keyring entry that is not JSON, or not a record: state-anchor-damaged naming the keyring entry and its config directory', async () => {
    const p = place();
    const keyring = memoryKeyring();
    const a = anchorFor({ configDir: p.configDir, env: {}, keyring }, 'keyring')!;
    expect(a.where).toBe(`OS keyring entry "byok-anchor" / ${p.configDir}`);
    keyring.entries.set(`byok-anchor|${p.configDir}`, 'not json');
    const e = await refusal(() => a.read());
    expect(e).toMatchObject({ code: 'state-anchor-damaged', message: `The state anchor OS keyring entry "byok-anchor" / ${p.configDir} cannot be read as one byok wrote.`, hint: DAMAGED_HINT });
    expect(e.cause).toBeInstanceOf(SyntaxError);
    keyring.entries.set(`byok-anchor|${p.configDir}`, JSON.stringify([record()]));
    expect(await refusal(() => a.read())).toMatchObject({ code: 'state-anchor-damaged', message: `The state anchor OS keyring entry "byok-anchor" / ${p.configDir} cannot be read as one byok wrote.` });
  });

  it('a head that merely contains 64 hex digits (something before them, or after) is not a head byok wrote', async () => {
    for (const head of [`g${HEAD}`, ` ${HEAD}`, `${HEAD}\n`, `0${HEAD}`]) {
      const p = place();
      writeFileSync(p.anchorPath, JSON.stringify({ byokStateAnchor: 1, configs: { [resolve(p.configDir)]: { ...record(), head } } }));
      expect(await refusal(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!.read()), JSON.stringify(head)).toMatchObject({ code: 'state-anchor-damaged' });
    }
  });
});

describe('an anchor that cannot be written', () => {
  it.skipIf(process.platform !== 'linux')('an anchor file where nothing can be created: state-anchor-unwritable (exit 3) naming the file and the system\'s code; it says the config was written and is compared again', async () => {
    const p = place();
    // /proc takes no new files, even from root: the one place here a write fails for real.
    const path = `/proc/byok-test-anchor-${randomBytes(6).toString('hex')}.json`;
    const a = anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: path } }, 'env')!;
    expect(await a.read()).toBeNull();
    const e = await refusal(() => a.write(record()));
    expect(e).toMatchObject({
      code: 'state-anchor-unwritable',
      exitCode: 3,
      message: `The state anchor ${path} cannot be written (ENOENT).`,
      hint: 'Check that the file and its directory are writable by you. The config was written; the next command compares it again.',
    });
    expect(e.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('a keyring that refuses the write: state-anchor-unwritable naming the entry; unlock the keyring', async () => {
    const p = place();
    const keyring = memoryKeyring();
    keyring.failWrites = true;
    const e = await refusal(() => anchorFor({ configDir: p.configDir, env: {}, keyring }, 'keyring')!.write(record({ keySource: 'keyring' })));
    expect(e).toMatchObject({
      code: 'state-anchor-unwritable',
      message: `The state anchor (OS keyring entry "byok-anchor" / ${p.configDir}) cannot be written.`,
      hint: 'Unlock the OS keyring. The config was written; the next command compares it again.',
    });
    expect(keyring.entries.size).toBe(0);
  });

  it('the anchor file is written 0600 (only its owner reads it), whatever the umask', async () => {
    const p = place();
    // A worker thread (Stryker runs the tests in one) may not set the umask; it has the process's.
    const old = isMainThread ? process.umask(0o022) : undefined;
    try {
      await anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!.write(record());
    } finally {
      if (old !== undefined) process.umask(old);
    }
    expect(statSync(p.anchorPath).mode & 0o777).toBe(0o600);
  });
});

describe('BYOK_STATE_ANCHOR refusals say what is wrong with the path and where to point it', () => {
  it('a relative path is refused with an example of an absolute one, without repeating the value (a key pasted into the wrong variable is not printed)', () => {
    const p = place();
    // A base64 key starts with '/' one time in 64: then it is an absolute path, another refusal (a flaky test until stop 23).
    const pastedKey = randomBytes(32).toString('base64').replace(/^\//, 'K');
    for (const given of ['anchor.json', pastedKey, 'correct horse battery staple']) {
      let e: { code?: string; exitCode?: number; message: string; hint?: string } | undefined;
      try {
        anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: given } }, 'env');
      } catch (x) {
        e = x as typeof e;
      }
      expect(e).toMatchObject({ code: 'invalid-state-anchor', exitCode: 2, message: `BYOK_STATE_ANCHOR must be an absolute path (it is ${given.length} characters and does not start with /).` });
      expect(e!.hint).toBe('Point it at a file outside the config directory that only you can write, e.g. /etc/byok/anchor.json or a path on another volume.');
      if (given !== 'anchor.json') expect(`${e!.message} ${e!.hint}`).not.toContain(given);
    }
  });

  it('a path that names a directory (a trailing /) is refused: the anchor is a file', () => {
    const p = place();
    expect(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: `${p.anchorPath}/` } }, 'env')).toThrow(expect.objectContaining({ code: 'invalid-state-anchor', message: `BYOK_STATE_ANCHOR names a directory (${p.anchorPath}/); it must name a file.` }));
  });

  it('a path into the config directory through a symbolic link is inside it too (the same writers can put both back)', () => {
    const p = place();
    const link = join(p.root, 'link-to-cfg');
    symlinkSync(p.configDir, link);
    expect(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: join(link, 'anchor.json') } }, 'env')).toThrow(expect.objectContaining({ code: 'invalid-state-anchor', message: 'BYOK_STATE_ANCHOR is inside the config directory, where it protects nothing.' }));
    // And the config directory named through a link, with the anchor in it.
    expect(() => anchorFor({ configDir: link, env: { BYOK_STATE_ANCHOR: join(p.configDir, 'anchor.json') } }, 'env')).toThrow(expect.objectContaining({ code: 'invalid-state-anchor' }));
  });

  it('an anchor path that is not a regular file (a directory) is refused as damaged, not followed', async () => {
    const p = place();
    mkdirSync(p.anchorPath);
    const a = anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!;
    await expect(a.read()).rejects.toMatchObject({ code: 'state-anchor-damaged' });
  });

  it('a path inside the config directory is refused as protecting nothing', () => {
    const p = place();
    for (const inside of [join(p.configDir, 'anchor.json'), p.configDir, `${p.configDir}/`]) {
      expect(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: inside } }, 'env'), inside).toThrow(
        expect.objectContaining({
          code: 'invalid-state-anchor',
          message: 'BYOK_STATE_ANCHOR is inside the config directory, where it protects nothing.',
          hint: 'Point it at a file outside the config directory that the config directory\'s writers cannot reach.',
        }),
      );
    }
  });

  it('a path in a directory that does not exist names that directory and says to create it', () => {
    const p = place();
    const missing = join(p.root, 'missing');
    expect(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: join(missing, 'anchor.json') } }, 'env')).toThrow(
      expect.objectContaining({
        code: 'invalid-state-anchor',
        exitCode: 2,
        message: `The directory of BYOK_STATE_ANCHOR (${missing}) does not exist or is not a directory, so the anchor cannot be kept there.`,
        hint: 'Create it (owned by you or root, not writable by the config directory\'s writers), or fix the path.',
      }),
    );
  });

  it('blanks around the path are ignored: the anchor is the file the path names', async () => {
    const p = place();
    const a = anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: `  ${p.anchorPath}\t` } }, 'env')!;
    expect(a.where).toBe(p.anchorPath);
    await a.write(record());
    expect(await anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!.read()).toEqual(record());
  });
});
