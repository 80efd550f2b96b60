// The encrypted config: conf owns the location and the atomic replace (0600); byok seals the
// document itself with AES-256-GCM (conf's own encryption is unauthenticated CBC) and never
// resets or rewrites a file it cannot open. Every update runs under the inter-process lock.
//
// A write that records audit events is three steps, so that a reader can always tell an
// interrupted write from tampering:
//   1. the config as it was, announcing the head the log is about to reach (`audit.pending`);
//   2. the events, appended completely and fsync'd (or not at all);
//   3. the new config, sealing the new head (count, hash, size) and generation.
// Events beyond the sealed head are then either the one announced write (uncommitted: the next
// writer rolls them back and records that) or proof of an older config put back (refused). The
// generation and head are also kept in the state anchor, outside the config directory, where one
// is configured, so putting back the config and the log together is detected as well.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { GENESIS_HASH, type AuditEventInput } from '../core/audit-event.js';
import { checkConfigShape, emptyConfig, type AuditSeal, type ConfigDoc } from '../core/config-doc.js';
import { LocalStateError } from '../core/errors.js';
import { anchorFor, anchoredKeySource, realDir, type Anchor, type AnchorRecord } from './anchor.js';
import { auditStateError, checkAuditState, describeBeyond, prepareAuditEvents, sealedBytes, writeAuditData, type AuditHead, type AuditState } from './audit-log.js';
import { open, parseEnvelope, seal, tamperedError } from './crypto.js';
import { keyForExistingConfig, keyForNewConfig, type KeyInfo, type KeyProviderOptions, type KeyringBackend, type ResolvedKey } from './key-providers.js';
import { withLock, type LockGuard } from './lock.js';

export type { KeyInfo } from './key-providers.js';

export interface StoreOptions {
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  prompter?: KeyProviderOptions['prompter'];
  warn?: (message: string) => void;
  /** The acting user, for the records the store writes itself (a rolled-back interrupted write). */
  user?: () => string;
  keyring?: KeyringBackend;
}

export interface AuditTx { audit(event: AuditEventInput): void }

/** What the config's integrity rests on, and which changes to the config directory it detects. */
export interface IntegrityInfo {
  keySource: KeyInfo['source'];
  anchor: string | null;
  detected: string[];
  notDetected: string[];
}

/** A state problem found on open; a reading command refuses, `audit verify` and `reset-anchor` report it. */
export interface OpenState {
  problems: LocalStateError[];
  audit: AuditState;
  anchor: AnchorRecord | null;
}

export function defaultConfigDir(env: Readonly<Record<string, string | undefined>>, platform?: NodeJS.Platform): string {
  const explicit = env.BYOK_CONFIG_DIR;
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  void platform;
  return envPaths('byok', { suffix: '' }).config;
}

export function integrityInfo(source: KeyInfo['source'], anchor: Anchor | undefined): IntegrityInfo {
  const always = ['an edited or flipped config (authenticated encryption)', 'a config copied in from another directory (sealed with its directory)', 'an edited, removed, inserted or reordered audit event (hash chain)', 'a cut-off, deleted or extended audit log (head sealed in the config)', 'an older config put back over a newer log'];
  if (source === 'key-file') {
    return {
      keySource: source,
      anchor: anchor?.where ?? null,
      detected: ['changes by someone who can read the config but not the key file'],
      notDetected: ['anything by someone who can write the config directory: the key file is beside the config, so they can read it and seal a config of their own'],
    };
  }
  if (anchor) {
    return { keySource: source, anchor: anchor.where, detected: [...always, 'an older config and log put back together (generation kept in the anchor)', 'a deleted or missing anchor (the config records where it is)'], notDetected: ['changes by someone who can also write the anchor, or who knows the key'] };
  }
  return {
    keySource: source,
    anchor: null,
    detected: always,
    notDetected: ['an older config and log put back together (no anchor: set BYOK_STATE_ANCHOR to a file outside the config directory)', 'the copy of the config from the start of the last write put back (it reads as an interrupted write: rolled back and recorded)', 'changes by someone who knows the key'],
  };
}

/** What byok keeps in its config directory: config, log, lock, key file, their temporary files and the copies its hints name (audit.jsonl.old, .damaged, key.old). */
const BYOK_FILE = /^(?:(?:config\.json|audit\.jsonl|key)(?:\..+)?|config\.lock)$/;

/** Names a data key without revealing it: the key-file warning is remembered per key. */
function keyFingerprint(key: ResolvedKey): string {
  return createHash('sha256').update('byok key-file notice\0').update(key.key).digest('hex').slice(0, 32);
}

function keyFileNoticed(doc: ConfigDoc, key: ResolvedKey): boolean {
  return key.info.source === 'key-file' && doc.keyFileNotice?.key === keyFingerprint(key);
}

export class ConfigStore {
  readonly configDir: string;
  readonly path: string;
  readonly auditPath: string;
  private readonly opts: StoreOptions;
  private resolved: ResolvedKey | undefined;

  constructor(opts: StoreOptions) {
    this.opts = opts;
    this.configDir = opts.configDir;
    this.path = join(opts.configDir, 'config.json');
    this.auditPath = join(opts.configDir, 'audit.jsonl');
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  private keyOptions() {
    return { configDir: this.configDir, env: this.opts.env, prompter: this.opts.prompter, keyring: this.opts.keyring };
  }

  private warnAboutDirectory(): void {
    const st = statSync(this.configDir, { throwIfNoEntry: false });
    if (st && (st.mode & 0o022) !== 0) this.opts.warn?.(`The config directory ${this.configDir} can be written by other users (mode ${(st.mode & 0o777).toString(8)}): they could replace its files. Run: chmod 700 ${this.configDir}`);
  }

  /** Opens the file as it is on disk; throws LocalStateError (exit 3) and touches nothing on any doubt. */
  private async openFile(o: { quiet?: boolean } = { quiet: true }): Promise<{ doc: ConfigDoc; key: ResolvedKey; anchor: Anchor | undefined; state: OpenState } | null> {
    let text: string;
    try {
      const st = lstatSync(this.path, { throwIfNoEntry: false });
      if (!st) return null;
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'ENOTREG' });
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new LocalStateError('config-unreadable', `The config file ${this.path} cannot be read${code ? ` (${code})` : ''}.`, 'It must be a regular file owned by you (0600). Nothing was changed.', { cause: e });
    }
    this.warnAboutDirectory();
    const env = parseEnvelope(text, this.path);
    const ko = this.keyOptions();
    const key = this.resolved && JSON.stringify(this.resolved.header) === JSON.stringify(env.key) ? this.resolved : await keyForExistingConfig(ko, env.key, this.path, await anchoredKeySource(ko));
    const plain = open(env, key.key, this.path);
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch (e) {
      throw tamperedError(this.path, e);
    }
    const shape = checkConfigShape(parsed);
    if (!shape.ok) throw new LocalStateError('config-unsupported', `The config file ${this.path} is not one this byok understands: ${shape.reason}.`, 'Use the byok version that wrote it; the file was left untouched.');
    this.resolved = key;
    const doc = shape.value;
    // The key-file warning is said once per config and key file: a write records it (update()).
    if (key.info.warning && !keyFileNoticed(doc, key)) this.opts.warn?.(key.info.warning);
    const anchor = anchorFor(ko, key.info.source);
    const problems: LocalStateError[] = [];
    const rec = anchor ? await anchor.read() : null;
    const anchoredAt = doc.audit?.anchor;
    if (anchoredAt !== undefined && (anchor?.where !== anchoredAt || !rec)) {
      problems.push(
        new LocalStateError(
          'state-anchor-missing',
          anchor?.where !== anchoredAt
            ? `The config ${this.path} is anchored at ${anchoredAt}, but ${anchor ? `this run uses ${anchor.where}` : 'no state anchor is set for this run'}.`
            : `The state anchor ${anchoredAt} has no record of the config ${this.path}: it was deleted, replaced or reset.`,
          anchor?.where !== anchoredAt && anchoredAt.startsWith('/')
            ? `Set BYOK_STATE_ANCHOR=${anchoredAt} (as when the config was written). To stop using it on purpose, the owner re-seals with: byok audit reset-anchor --reason "...". Nothing was changed.`
            : 'Restore the anchor from your backup. If you accept the config as it is, the owner re-seals it with: byok audit reset-anchor --reason "...". Nothing was changed.',
        ),
      );
    }
    const gen = doc.audit?.generation ?? 0;
    const home = realDir(this.configDir);
    if (doc.audit?.home !== undefined && doc.audit.home !== home) {
      problems.push(new LocalStateError('config-swapped', `The config ${this.path} was sealed for another directory (${doc.audit.home}): it was copied here from there.`, `If you moved your config directory on purpose, the owner re-seals it here with: byok audit reset-anchor --reason "moved from ${doc.audit.home}". Otherwise restore your own config from a backup. Nothing was changed.`));
    }
    if (rec) {
      const hint = `Inspect with byok audit verify. Restore the newest config (and log) from your backup; if you accept this config as it is on purpose, the owner can re-seal it with: byok audit reset-anchor --reason "...". Nothing was changed.`;
      if (rec.keySource !== key.info.source) problems.push(new LocalStateError('key-source-mismatch', `The state anchor (${anchor!.where}) records a config sealed with ${rec.keySource}, but this one opened with ${key.info.source}.`, hint));
      else if (gen > rec.generation + 2) problems.push(new LocalStateError('config-swapped', `The config ${this.path} is ${gen - rec.generation} writes newer than the state anchor (${anchor!.where}) last saw (generation ${rec.generation}): it was replaced, or written while BYOK_STATE_ANCHOR was not set.`, hint));
      else if (gen < rec.generation) problems.push(new LocalStateError('config-rolled-back', `The config ${this.path} is older than the one the state anchor (${anchor!.where}) last saw (generation ${gen} < ${rec.generation}): an older copy was put back.`, hint));
      else if (gen === rec.generation && (doc.audit?.count ?? 0) !== rec.count) problems.push(new LocalStateError('config-swapped', `The config ${this.path} is not the one the state anchor (${anchor!.where}) recorded at generation ${gen}: it was replaced.`, hint));
      else if (gen === rec.generation && (doc.audit?.head ?? GENESIS_HASH) !== rec.head) problems.push(new LocalStateError('config-swapped', `The config ${this.path} is not the one the state anchor (${anchor!.where}) recorded at generation ${gen}: it was replaced.`, hint));
    }
    const audit = checkAuditState(this.auditPath, doc.audit);
    if (audit.kind === 'problem') problems.push(auditStateError(this.auditPath, audit));
    else if (audit.kind === 'uncommitted' && !o.quiet) this.opts.warn?.(`The audit log has ${audit.events} uncommitted event${audit.events === 1 ? '' : 's'} after its sealed head (a byok write was interrupted); the next change rolls ${audit.events === 1 ? 'it' : 'them'} back and records that.`);
    return { doc, key, anchor, state: { problems, audit, anchor: rec } };
  }

  /** The config as it is; refuses (exit 3) on any integrity problem unless `diagnose` asks for them. */
  async read(o: { diagnose?: boolean } = {}): Promise<{ doc: ConfigDoc; key: KeyInfo | null; integrity: IntegrityInfo | null; state: OpenState | null }> {
    let r = await this.openFile();
    if (!r) {
      await this.refuseIfAnchoredButMissing();
      return { doc: emptyConfig(), key: null, integrity: null, state: null };
    }
    if (r.state.problems.length > 0 || r.state.audit.kind === 'uncommitted') {
      // A read takes no lock, so it may have seen a write half-way (config, log and anchor are
      // three files). Look again while holding the lock: what is found then is what is on disk.
      const again = await withLock(this.configDir, this.configDir, () => this.openFile({ quiet: false })).catch(() => undefined);
      if (again) r = again;
    }
    if (!o.diagnose && r.state.problems.length > 0) throw r.state.problems[0]!;
    return { doc: r.doc, key: r.key.info, integrity: integrityInfo(r.key.info.source, r.anchor), state: r.state };
  }

  /** The anchor remembers a config here that is gone: say so rather than start a new one silently. */
  private async refuseIfAnchoredButMissing(): Promise<void> {
    const log = lstatSync(this.auditPath, { throwIfNoEntry: false });
    if (log && (!log.isFile() || log.size > 0)) {
      throw new LocalStateError(
        'config-missing',
        `The config ${this.path} is missing, but the audit log ${this.auditPath} beside it is not empty: the config was deleted or moved, and starting a new one would end that log.`,
        `Restore config.json from your backup. To start over on purpose, move the old log aside first (keep it as evidence): mv ${this.auditPath} ${this.auditPath}.old`,
      );
    }
    const anchor = anchorFor(this.keyOptions(), 'keyring');
    const rec = anchor ? await anchor.read() : null;
    if (!rec) return;
    throw new LocalStateError(
      'config-missing',
      `The config ${this.path} is missing, but the state anchor (${anchor!.where}) recorded one here at generation ${rec.generation}: it was deleted or moved.`,
      anchor!.kind === 'file'
        ? `Restore it (and audit.jsonl) from your backup. To start over on purpose, remove the entry for ${this.configDir} from ${anchor!.where}.`
        : `Restore it (and audit.jsonl) from your backup. To start over on purpose, delete the keyring entry "byok-anchor" for ${this.configDir}.`,
    );
  }

  async keyInfo(): Promise<KeyInfo | null> {
    return (await this.read()).key;
  }

  private ensureDir(): void {
    let st;
    try {
      if (!existsSync(this.configDir)) mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
      st = statSync(this.configDir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      const why = code === 'ENOTDIR' ? 'is under a file, not a directory' : code === 'EACCES' || code === 'EPERM' ? 'cannot be created by you' : code === 'EROFS' ? 'is on a read-only file system' : 'cannot be created';
      throw new LocalStateError('config-dir-unusable', `The config directory ${this.configDir} ${why} (${code}).`, 'Point BYOK_CONFIG_DIR at a directory of yours (it is created 0700 if missing). Nothing was changed.', { cause: e });
    }
    if (!st.isDirectory()) throw new LocalStateError('config-dir-not-a-directory', `${this.configDir} is not a directory.`, 'Point BYOK_CONFIG_DIR at a directory.');
    // Its owner can always open it up again, whatever mode byok sets: it must be the user's own.
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw new LocalStateError('config-dir-owner', `The config directory ${this.configDir} belongs to another user (uid ${st.uid}), who could change it at any time.`, 'Point BYOK_CONFIG_DIR at a directory of your own (it is created 0700 if missing). Nothing was changed.');
    if ((st.mode & 0o077) !== 0) {
      // Only a directory that is byok's own (empty, or holding byok's files) has its mode changed: a
      // shared one pointed at by mistake (/tmp, a home directory) is refused, not locked down.
      const others = readdirSync(this.configDir).filter((n) => !BYOK_FILE.test(n));
      if (others.length > 0) {
        throw new LocalStateError('config-dir-permissions', `${this.configDir} is open to other users (mode ${(st.mode & 0o777).toString(8)}) and holds files that are not byok's (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); byok will not change its mode.`, 'Point BYOK_CONFIG_DIR at a directory of its own (it is created 0700 if missing). Nothing was changed.');
      }
      this.opts.warn?.(`The config directory ${this.configDir} was open to other users (mode ${(st.mode & 0o777).toString(8)}); byok restricted it to 0700.`);
      try {
        chmodSync(this.configDir, 0o700);
      } catch (e) {
        throw new LocalStateError('config-dir-permissions', `${this.configDir} is open to other users and byok cannot restrict it (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, `Run: chmod 700 ${this.configDir} (it must be a directory of yours). Nothing was changed.`, { cause: e });
      }
    }
  }

  protected async writeSealed(doc: ConfigDoc, key: ResolvedKey, guard: LockGuard): Promise<void> {
    guard.assertHeld();
    // conf (and its schema validator) is loaded only where a write happens: reads never need it.
    const { default: Conf } = await import('conf');
    const conf = new Conf<Record<string, unknown>>({
      cwd: this.configDir,
      configName: 'config',
      clearInvalidConfig: false,
      configFileMode: 0o600,
      // conf reads the current file on construction; hand it a document instead of the sealed text.
      serialize: (v) => JSON.stringify(seal(Buffer.from(JSON.stringify(v), 'utf8'), key.key, key.header)),
      deserialize: () => ({}),
    });
    try {
      conf.store = doc as unknown as Record<string, unknown>;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') {
        throw new LocalStateError('config-unwritable', `The config file ${this.path} cannot be written (${code}).`, 'Check the permissions and free space of the config directory; the change was not made.', { cause: e });
      }
      throw e;
    }
  }

  /**
   * Runs `fn` on the current document under the lock and saves the result, with its audit events
   * written first (see the header for the three steps). A write that finds an interrupted one
   * before it rolls that back and records it; any other integrity problem refuses (exit 3).
   */
  async update<T>(fn: (doc: ConfigDoc, tx: AuditTx) => T | Promise<T>): Promise<{ doc: ConfigDoc; result: T; key: KeyInfo }> {
    const created = !existsSync(this.configDir);
    this.ensureDir();
    // A first command refused before anything was written leaves no empty config directory behind.
    return this.locked(fn).catch((e: unknown) => {
      if (created) {
        try {
          rmdirSync(this.configDir); // only an empty directory goes
        } catch {
          // Something was written in it: it stays.
        }
      }
      throw e;
    });
  }

  private async locked<T>(fn: (doc: ConfigDoc, tx: AuditTx) => T | Promise<T>): Promise<{ doc: ConfigDoc; result: T; key: KeyInfo }> {
    return withLock(this.configDir, this.configDir, async (guard) => {
      const current = await this.openFile();
      if (current && current.state.problems.length > 0) throw current.state.problems[0]!;
      if (!current) await this.refuseIfAnchoredButMissing();
      const before = current?.doc ?? emptyConfig();
      const doc = structuredClone(before);
      const events: AuditEventInput[] = [];
      const result = await fn(doc, { audit: (e) => events.push(structuredClone(e)) });
      // A new config's key is made (a key file, a keyring entry, a passphrase asked) only once the
      // change is known to be made: a command refused on its input leaves no key behind.
      const key = current?.key ?? (await keyForNewConfig(this.keyOptions()));
      const anchor = current?.anchor ?? anchorFor(this.keyOptions(), key.info.source);
      if (key.info.source === 'key-file') {
        if (!current && key.info.warning) this.opts.warn?.(key.info.warning);
        if (!keyFileNoticed(doc, key)) doc.keyFileNotice = { key: keyFingerprint(key), at: this.opts.now().toISOString() };
      } else delete doc.keyFileNotice;
      const seal0: AuditSeal | undefined = before.audit;
      const from: AuditHead = { count: seal0?.count ?? 0, head: seal0?.head ?? GENESIS_HASH, bytes: sealedBytes(this.auditPath, seal0) };
      if (current?.state.audit.kind === 'uncommitted') {
        const beyond = describeBeyond(this.auditPath, from.bytes);
        events.unshift({ type: 'audit-uncommitted-rolled-back', user: this.opts.user?.() ?? 'byok', workspace: null, details: { events: beyond.events, types: beyond.types, lastHash: beyond.lastHash, sealedCount: from.count } });
      }
      anchor?.assertWritable();
      let generation = (seal0?.generation ?? 0) + 1;
      if (events.length > 0) {
        const { data, head } = prepareAuditEvents(from, events, this.opts.now());
        // 1. announce, 2. append (whole or nothing, after cutting an interrupted write), 3. commit.
        await this.writeSealed({ ...structuredClone(before), audit: { ...from, generation, pending: head, ...(before.audit?.home ? { home: before.audit.home } : {}), ...(before.audit?.anchor ? { anchor: before.audit.anchor } : {}) } }, key, guard);
        guard.assertHeld();
        writeAuditData(this.auditPath, from.bytes, data);
        generation += 1;
        doc.audit = { count: head.count, head: head.head, bytes: head.bytes, generation, home: realDir(this.configDir), ...(anchor ? { anchor: anchor.where } : {}) };
      } else {
        doc.audit = { count: from.count, head: from.head, bytes: from.bytes, generation, home: realDir(this.configDir), ...(anchor ? { anchor: anchor.where } : {}) };
      }
      await this.writeSealed(doc, key, guard);
      this.resolved = key;
      if (anchor) await anchor.write({ generation, count: doc.audit.count, head: doc.audit.head, keySource: key.info.source });
      return { doc, result, key: key.info };
    });
  }

  /**
   * `byok audit reset-anchor`: accept the log and the config as they are now, on purpose. The log's
   * own chain must hold; the event records what the sealed head and the anchor said before.
   */
  async resetAnchor(event: (found: { sealedCount: number; sealedHead: string; logCount: number; logHead: string; anchorGeneration: number | null; anchorCount: number | null; anchorHead: string | null; problems: string }) => AuditEventInput, check: (doc: ConfigDoc) => void): Promise<{ count: number }> {
    this.ensureDir();
    const { currentLogHead } = await import('./audit-log.js');
    return withLock(this.configDir, this.configDir, async (guard) => {
      const current = await this.openFile();
      if (!current) throw new LocalStateError('no-config', `There is no config at ${this.path}.`, 'Nothing to re-seal.');
      check(current.doc);
      const log = currentLogHead(this.auditPath);
      if (log.problems.length > 0) {
        throw new LocalStateError('audit-log-damaged', `The audit log ${this.auditPath} is damaged inside (line ${log.problems[0]!.line}: ${log.problems[0]!.problem}); byok will not re-seal it.`, `Move it aside as evidence (mv ${this.auditPath} ${this.auditPath}.damaged), then run byok audit reset-anchor again to start a new log that records the reset.`);
      }
      const seal0 = current.doc.audit;
      const e = event({ sealedCount: seal0?.count ?? 0, sealedHead: seal0?.head ?? GENESIS_HASH, logCount: log.head.count, logHead: log.head.head, anchorGeneration: current.state.anchor?.generation ?? null, anchorCount: current.state.anchor?.count ?? null, anchorHead: current.state.anchor?.head ?? null, problems: current.state.problems.map((p) => p.message).join(' | ').slice(0, 1000) });
      const { data, head } = prepareAuditEvents(log.head, [e], this.opts.now());
      current.anchor?.assertWritable();
      const generation = Math.max(seal0?.generation ?? 0, current.state.anchor?.generation ?? 0) + 1;
      await this.writeSealed({ ...structuredClone(current.doc), audit: { ...log.head, generation, pending: head, home: realDir(this.configDir), ...(current.anchor ? { anchor: current.anchor.where } : {}) } }, current.key, guard);
      writeAuditData(this.auditPath, log.head.bytes, data);
      const doc = { ...structuredClone(current.doc), audit: { count: head.count, head: head.head, bytes: head.bytes, generation: generation + 1, home: realDir(this.configDir), ...(current.anchor ? { anchor: current.anchor.where } : {}) } };
      await this.writeSealed(doc, current.key, guard);
      if (current.anchor) await current.anchor.write({ generation: generation + 1, count: head.count, head: head.head, keySource: current.key.info.source });
      return { count: head.count };
    });
  }
}

