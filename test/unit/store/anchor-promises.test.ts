// The state anchor's promises (README "Local state"): it keeps each config's generation and audit
// head where a writer of the config directory cannot reach, and byok refuses — never silently
// accepts — an anchor it did not write or cannot read whole. BYOK_STATE_ANCHOR must be an absolute
// path outside the config directory, in a directory that exists. One anchor file serves several
// config directories, each with its own record. Without BYOK_STATE_ANCHOR the OS keyring holds
// the anchor only for a config whose key lives there.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anchorFor, anchoredKeySource } from '../../../src/store/anchor.js';
import { memoryKeyring } from '../../helpers/memory-keyring.js';
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
const fileAnchorOf = (p: ReturnType<typeof place>) => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!;
const expectRefused = async (f: () => Promise<unknown>, code: string) => {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected refusal ${code}`).toMatchObject({ code });
};

describe('BYOK_STATE_ANCHOR must point where it protects something', () => {
  it('a relative path, a path inside the config directory (or the directory itself), or a path in a missing directory is refused with invalid-state-anchor (exit 2)', () => {
    const p = place();
    for (const bad of ['anchor.json', './safe/anchor.json', join(p.configDir, 'anchor.json'), p.configDir, join(p.root, 'missing', 'anchor.json')]) {
      expect(() => anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: bad } }, 'env'), bad).toThrow(expect.objectContaining({ code: 'invalid-state-anchor', exitCode: 2 }));
    }
  });

  it('a path through a file (its directory is a regular file) is refused with invalid-state-anchor like a missing directory, before any read of the anchor', async () => {
    const p = place();
    writeFileSync(join(p.root, 'afile'), 'x');
    for (const bad of [join(p.root, 'afile', 'anchor.json'), join(p.root, 'afile', 'sub', 'anchor.json')]) {
      const env = { BYOK_STATE_ANCHOR: bad };
      expect(() => anchorFor({ configDir: p.configDir, env }, 'env'), bad).toThrow(expect.objectContaining({ code: 'invalid-state-anchor', exitCode: 2, message: expect.stringContaining('is not a directory') }));
      await expectRefused(() => anchoredKeySource({ configDir: p.configDir, env }), 'invalid-state-anchor');
    }
  });

  it('a sibling directory whose name merely starts with the config directory\'s is outside it, and accepted', () => {
    const p = place();
    mkdirSync(`${p.configDir}-anchors`);
    const a = anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: `${p.configDir}-anchors/a.json` } }, 'env');
    expect(a?.kind).toBe('file');
    expect(a?.where).toBe(`${p.configDir}-anchors/a.json`);
  });

  it('blank BYOK_STATE_ANCHOR means none: no anchor for a key from the environment, a passphrase or a key file', () => {
    const p = place();
    for (const source of ['env', 'passphrase', 'key-file'] as const) {
      expect(anchorFor({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: '  ' } }, source)).toBeUndefined();
    }
  });
});

describe('the anchor file', () => {
  it('keeps what was written, for this config directory; absent means no record yet', async () => {
    const p = place();
    const a = fileAnchorOf(p);
    expect(await a.read()).toBeNull();
    await a.write(record());
    expect(await a.read()).toEqual(record());
    await a.write(record({ generation: 4, count: 6, keySource: 'passphrase' }));
    expect(await a.read()).toEqual(record({ generation: 4, count: 6, keySource: 'passphrase' }));
    const onDisk = JSON.parse(readFileSync(p.anchorPath, 'utf8')) as { byokStateAnchor: number; configs: Record<string, unknown> };
    expect(onDisk.byokStateAnchor).toBe(1);
    expect(Object.keys(onDisk.configs)).toEqual([resolve(p.configDir)]);
  });

  it('one file holds a record per config directory: writing one never changes another', async () => {
    const p = place();
    const other = join(p.root, 'cfg2');
    mkdirSync(other);
    const a = fileAnchorOf(p);
    const b = anchorFor({ configDir: other, env: { BYOK_STATE_ANCHOR: p.anchorPath } }, 'env')!;
    await a.write(record({ generation: 7 }));
    await b.write(record({ generation: 2, head: 'b'.repeat(64) }));
    expect(await a.read()).toEqual(record({ generation: 7 }));
    expect(await b.read()).toEqual(record({ generation: 2, head: 'b'.repeat(64) }));
  });

  it('a record byok did not write is refused as damaged (exit 3), field by field', async () => {
    const bad: Record<string, unknown>[] = [
      { generation: -1 },
      { generation: 1.5 },
      { generation: '3' },
      { generation: Number.MAX_SAFE_INTEGER + 1 },
      { count: -1 },
      { count: 0.5 },
      { count: '5' },
      { head: 'A'.repeat(64) },
      { head: 'a'.repeat(63) },
      { head: `${'a'.repeat(64)}0` },
      { head: 7 },
      { keySource: 'keyfile' },
      { keySource: 1 },
    ];
    for (const change of bad) {
      const p = place();
      writeFileSync(p.anchorPath, JSON.stringify({ byokStateAnchor: 1, configs: { [resolve(p.configDir)]: { ...record(), ...change } } }));
      await expectRefused(() => fileAnchorOf(p).read(), 'state-anchor-damaged');
    }
    // A record missing a field, and one that is not an object.
    for (const r of [{ generation: 1, count: 1, head: HEAD }, null, 'x', [1]]) {
      const p = place();
      writeFileSync(p.anchorPath, JSON.stringify({ byokStateAnchor: 1, configs: { [resolve(p.configDir)]: r } }));
      await expectRefused(() => fileAnchorOf(p).read(), 'state-anchor-damaged');
    }
    // The edges that are valid: generation and count 0, every key source.
    for (const ok of [record({ generation: 0, count: 0 }), ...(['env', 'keyring', 'passphrase', 'key-file'] as const).map((keySource) => record({ keySource }))]) {
      const p = place();
      writeFileSync(p.anchorPath, JSON.stringify({ byokStateAnchor: 1, configs: { [resolve(p.configDir)]: ok } }));
      expect(await fileAnchorOf(p).read()).toEqual(ok);
    }
  });

  it('a file byok did not write is refused as damaged: not JSON, without the byokStateAnchor mark, with configs not an object, a directory, or over 1 MiB', async () => {
    const cases: [string, (path: string) => void][] = [
      ['not JSON', (f) => writeFileSync(f, '{"byokStateAnchor":1,')],
      ['no mark', (f) => writeFileSync(f, JSON.stringify({ configs: {} }))],
      ['another mark', (f) => writeFileSync(f, JSON.stringify({ byokStateAnchor: 2, configs: {} }))],
      ['configs missing', (f) => writeFileSync(f, JSON.stringify({ byokStateAnchor: 1 }))],
      ['configs null', (f) => writeFileSync(f, JSON.stringify({ byokStateAnchor: 1, configs: null }))],
      ['configs a string', (f) => writeFileSync(f, JSON.stringify({ byokStateAnchor: 1, configs: 'x' }))],
      ['a directory', (f) => mkdirSync(f)],
      ['over 1 MiB', (f) => writeFileSync(f, JSON.stringify({ byokStateAnchor: 1, configs: {}, pad: 'x'.repeat(1024 * 1024) }))],
    ];
    for (const [what, make] of cases) {
      const p = place();
      make(p.anchorPath);
      await expectRefused(() => fileAnchorOf(p).read(), 'state-anchor-damaged').catch((e: unknown) => {
        throw new Error(`${what}: ${String(e)}`);
      });
      // A damaged anchor is not overwritten either: a write refuses the same way.
      await expectRefused(() => fileAnchorOf(p).write(record()), 'state-anchor-damaged');
    }
    // Exactly 1 MiB is still read.
    const p = place();
    const body = JSON.stringify({ byokStateAnchor: 1, configs: {} });
    writeFileSync(p.anchorPath, body + ' '.repeat(1024 * 1024 - body.length));
    expect(await fileAnchorOf(p).read()).toBeNull();
  });

  it('anchoredKeySource reads the key source recorded for this config, before any key is known; none without BYOK_STATE_ANCHOR', async () => {
    const p = place();
    expect(await anchoredKeySource({ configDir: p.configDir, env: {} })).toBeUndefined();
    expect(await anchoredKeySource({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: p.anchorPath } })).toBeUndefined();
    await fileAnchorOf(p).write(record({ keySource: 'passphrase' }));
    expect(await anchoredKeySource({ configDir: p.configDir, env: { BYOK_STATE_ANCHOR: ` ${p.anchorPath} ` } })).toBe('passphrase');
  });
});

describe('the keyring anchor', () => {

  it('is used only for a config whose key is in the keyring, under its own entry "byok-anchor" for this config directory', async () => {
    const p = place();
    const keyring = memoryKeyring();
    for (const source of ['env', 'passphrase', 'key-file'] as const) expect(anchorFor({ configDir: p.configDir, env: {}, keyring }, source)).toBeUndefined();
    const a = anchorFor({ configDir: p.configDir, env: {}, keyring }, 'keyring')!;
    expect(a.kind).toBe('keyring');
    expect(a.where).toContain('byok-anchor');
    expect(await a.read()).toBeNull();
    await a.write(record({ keySource: 'keyring' }));
    expect([...keyring.entries.keys()]).toEqual([`byok-anchor|${p.configDir}`]);
    expect(await a.read()).toEqual(record({ keySource: 'keyring' }));
  });

  it('a keyring switched off (BYOK_KEYRING=off) gives no anchor', () => {
    const p = place();
    expect(anchorFor({ configDir: p.configDir, env: { BYOK_KEYRING: 'off' }, keyring: memoryKeyring() }, 'keyring')).toBeUndefined();
  });

  it('an entry byok did not write is refused as damaged; a write the keyring refuses is state-anchor-unwritable (exit 3)', async () => {
    const p = place();
    const keyring = memoryKeyring();
    const a = anchorFor({ configDir: p.configDir, env: {}, keyring }, 'keyring')!;
    for (const raw of ['not json', JSON.stringify({ ...record(), head: 'z'.repeat(64) }), JSON.stringify(null)]) {
      keyring.entries.set(`byok-anchor|${p.configDir}`, raw);
      await expectRefused(() => a.read(), 'state-anchor-damaged');
    }
    keyring.failWrites = true;
    let err: unknown;
    try {
      await a.write(record({ keySource: 'keyring' }));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'state-anchor-unwritable', exitCode: 3 });
  });
});
