// The state anchor: the config's generation and audit head kept where a writer of the config
// directory cannot reach — a file the admin puts elsewhere (BYOK_STATE_ANCHOR), or the OS keyring
// entry beside the one holding the data key. Compared on every open, it detects an older config
// (and log) put back, and a config swapped for another sealed with the same key.
import { accessSync, constants, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { LocalStateError, UsageError } from '../core/errors.js';
import { KEY_SOURCES, keyringEntry, type KeyProviderOptions, type KeySource } from './key-providers.js';

export interface AnchorRecord {
  generation: number;
  count: number;
  head: string;
  keySource: KeySource;
}

export interface Anchor {
  kind: 'file' | 'keyring';
  /** Where it lives, for people. */
  where: string;
  read(): Promise<AnchorRecord | null>;
  write(r: AnchorRecord): Promise<void>;
  /**
   * Throws when a write could not succeed, so a write checks it before it writes anything: a
   * config committed beside an anchor that was not updated reads as tampered with from then on.
   */
  assertWritable(): void;
}

function parseRecord(v: unknown): AnchorRecord | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Partial<Record<keyof AnchorRecord, unknown>>;
  if (typeof r.generation !== 'number' || !Number.isSafeInteger(r.generation) || r.generation < 0) return null;
  if (typeof r.count !== 'number' || !Number.isSafeInteger(r.count) || r.count < 0) return null;
  if (typeof r.head !== 'string' || !/^[0-9a-f]{64}$/.test(r.head)) return null;
  if (typeof r.keySource !== 'string' || !(KEY_SOURCES as readonly string[]).includes(r.keySource)) return null;
  return { generation: r.generation, count: r.count, head: r.head, keySource: r.keySource as KeySource };
}

function damaged(where: string, cause?: unknown): LocalStateError {
  return new LocalStateError('state-anchor-damaged', `The state anchor ${where} cannot be read as one byok wrote.`, 'Restore it from a backup, or point BYOK_STATE_ANCHOR at the right file. Nothing was changed.', { cause });
}

/** A directory as the file system names it (symbolic links resolved), or as given when it does not exist yet. */
export function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** BYOK_STATE_ANCHOR: one JSON file holding a record per config directory. */
function fileAnchor(path: string, configDir: string): Anchor {
  const key = resolve(configDir);
  const load = (): Map<string, unknown> => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return new Map();
    if (!st.isFile() || st.size > 1024 * 1024) throw damaged(path);
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw damaged(path, e);
    }
    const configs = (v as { byokStateAnchor?: unknown; configs?: unknown } | null)?.configs;
    if ((v as { byokStateAnchor?: unknown }).byokStateAnchor !== 1 || typeof configs !== 'object' || configs === null) throw damaged(path);
    return new Map(Object.entries(configs));
  };
  return {
    kind: 'file',
    where: path,
    assertWritable() {
      try {
        accessSync(dirname(path), constants.W_OK);
        if (lstatSync(path, { throwIfNoEntry: false })) accessSync(path, constants.W_OK);
      } catch (e) {
        throw new LocalStateError('state-anchor-unwritable', `The state anchor ${path} cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'}), so no change is made.`, 'Make the anchor file and its directory writable by you (and not by the config directory\'s writers), or point BYOK_STATE_ANCHOR elsewhere. Nothing was changed.', { cause: e });
      }
    },
    async read() {
      const m = load();
      if (!m.has(key)) return null;
      const r = parseRecord(m.get(key));
      if (!r) throw damaged(path);
      return r;
    },
    async write(r) {
      const m = load();
      m.set(key, r);
      try {
        // atomically (and the exit hooks it installs) loads only where a write happens.
        const { writeFileSync } = await import('atomically');
        writeFileSync(path, `${JSON.stringify({ byokStateAnchor: 1, configs: Object.fromEntries(m) }, null, 2)}\n`, { mode: 0o600 });
      } catch (e) {
        throw new LocalStateError('state-anchor-unwritable', `The state anchor ${path} cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check that the file and its directory are writable by you. The config was written; the next command compares it again.', { cause: e });
      }
    },
  };
}

function keyringAnchor(o: KeyProviderOptions): Anchor | undefined {
  const entry = keyringEntry(o, 'byok-anchor');
  if (!entry) return undefined;
  const where = `OS keyring entry "byok-anchor" / ${o.configDir}`;
  return {
    kind: 'keyring',
    // A keyring that refuses is only known by trying; the write says so (state-anchor-unwritable).
    assertWritable() {},
    where,
    async read() {
      const raw = await entry.get();
      if (raw === undefined) return null;
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch (e) {
        throw damaged(where, e);
      }
      const r = parseRecord(v);
      if (!r) throw damaged(where);
      return r;
    },
    async write(r) {
      if (!(await entry.set(JSON.stringify(r)))) {
        throw new LocalStateError('state-anchor-unwritable', `The state anchor (${where}) cannot be written.`, 'Unlock the OS keyring. The config was written; the next command compares it again.');
      }
    },
  };
}

/** The anchor this config uses: BYOK_STATE_ANCHOR if set, else the keyring when the key lives there. */
export function anchorFor(o: KeyProviderOptions, keySource: KeySource): Anchor | undefined {
  const p = o.env.BYOK_STATE_ANCHOR?.trim();
  if (p) {
    // The value is not repeated in these refusals: a key or passphrase pasted into the wrong
    // variable would be printed (and no scrubber recognises a passphrase).
    if (!isAbsolute(p)) throw new UsageError('invalid-state-anchor', `BYOK_STATE_ANCHOR must be an absolute path (it is ${p.length} characters and does not start with /).`, 'Point it at a file outside the config directory that only you can write, e.g. /etc/byok/anchor.json or a path on another volume.');
    // Compared as the file system names them (symbolic links resolved): an anchor reached through a
    // link into the config directory is inside it, where its writers can put it back with the config.
    const dir = realDir(o.configDir);
    const at = join(realDir(dirname(p)), basename(p));
    if (at.startsWith(`${dir}/`) || at === dir || resolve(p).startsWith(`${resolve(o.configDir)}/`)) throw new UsageError('invalid-state-anchor', 'BYOK_STATE_ANCHOR is inside the config directory, where it protects nothing.', 'Point it at a file outside the config directory that the config directory\'s writers cannot reach.');
    if (p.endsWith('/')) throw new UsageError('invalid-state-anchor', `BYOK_STATE_ANCHOR names a directory (${p}); it must name a file.`, 'Point it at a file, e.g. /etc/byok/anchor.json.');
    // A path through a file is as unusable as a missing directory: refuse it here, or every read of the anchor fails with ENOTDIR.
    let isDir = false;
    try {
      isDir = statSync(dirname(p)).isDirectory();
    } catch {
      // Missing, or a path through a file.
    }
    if (!isDir) throw new UsageError('invalid-state-anchor', `The directory of BYOK_STATE_ANCHOR (${dirname(p)}) does not exist or is not a directory, so the anchor cannot be kept there.`, 'Create it (owned by you or root, not writable by the config directory\'s writers), or fix the path.');
    return fileAnchor(p, o.configDir);
  }
  return keySource === 'keyring' ? keyringAnchor(o) : undefined;
}

/** An anchor-less configuration's first anchor source, without knowing the key yet (for the key-source decision). */
export async function anchoredKeySource(o: KeyProviderOptions): Promise<KeySource | undefined> {
  const p = o.env.BYOK_STATE_ANCHOR?.trim();
  if (!p) return undefined;
  return (await anchorFor(o, 'key-file')?.read())?.keySource;
}
