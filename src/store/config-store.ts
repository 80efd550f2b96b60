// The encrypted config: conf owns the location and the atomic replace (0600); byok seals the
// document itself with AES-256-GCM (conf's own encryption is unauthenticated CBC) and never
// resets or rewrites a file it cannot open. Every update runs under the inter-process lock and
// writes its audit events before the config.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import envPaths from 'env-paths';
import { checkConfigShape, emptyConfig, type ConfigDoc } from '../core/config-doc.js';
import type { AuditEventInput } from '../core/audit-event.js';
import { LocalStateError } from '../core/errors.js';
import { appendAuditEvents } from './audit-log.js';
import { open, parseEnvelope, seal, tamperedError } from './crypto.js';
import { keyForExistingConfig, keyForNewConfig, type KeyInfo, type ResolvedKey } from './key-providers.js';
import { withLock } from './lock.js';

export type { KeyInfo } from './key-providers.js';

export interface StoreOptions {
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  prompter?: { password(message: string): Promise<string> };
  warn?: (message: string) => void;
}

export interface AuditTx { audit(event: AuditEventInput): void }

export function defaultConfigDir(env: Readonly<Record<string, string | undefined>>, platform?: NodeJS.Platform): string {
  const explicit = env.BYOK_CONFIG_DIR;
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  void platform;
  return envPaths('byok', { suffix: '' }).config;
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
    return { configDir: this.configDir, env: this.opts.env, prompter: this.opts.prompter };
  }

  /** Opens the file as it is on disk; throws LocalStateError (exit 3) and touches nothing on any doubt. */
  private async openFile(): Promise<{ doc: ConfigDoc; key: ResolvedKey } | null> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new LocalStateError('config-unreadable', `The config file ${this.path} cannot be read.`, 'Check its owner and permissions (it should be 0600, owned by you).', { cause: e });
    }
    const env = parseEnvelope(text, this.path);
    const key = this.resolved && JSON.stringify(this.resolved.header) === JSON.stringify(env.key) ? this.resolved : await keyForExistingConfig(this.keyOptions(), env.key, this.path);
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
    if (key.info.warning) this.opts.warn?.(key.info.warning);
    return { doc: shape.value, key };
  }

  async read(): Promise<{ doc: ConfigDoc; key: KeyInfo | null }> {
    const r = await this.openFile();
    return r ? { doc: r.doc, key: r.key.info } : { doc: emptyConfig(), key: null };
  }

  async keyInfo(): Promise<KeyInfo | null> {
    return (await this.read()).key;
  }

  private ensureDir(): void {
    if (!existsSync(this.configDir)) mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    const st = statSync(this.configDir);
    if (!st.isDirectory()) throw new LocalStateError('config-dir-not-a-directory', `${this.configDir} is not a directory.`, 'Point BYOK_CONFIG_DIR at a directory.');
    if ((st.mode & 0o077) !== 0) {
      try {
        chmodSync(this.configDir, 0o700);
      } catch (e) {
        throw new LocalStateError('config-dir-permissions', `${this.configDir} is readable by other users and byok cannot restrict it.`, `Run: chmod 700 ${this.configDir}`, { cause: e });
      }
    }
  }

  async update<T>(fn: (doc: ConfigDoc, tx: AuditTx) => T | Promise<T>): Promise<{ doc: ConfigDoc; result: T; key: KeyInfo }> {
    this.ensureDir();
    return withLock(this.configDir, this.configDir, async () => {
      const current = await this.openFile();
      const key = current?.key ?? (await keyForNewConfig(this.keyOptions()));
      const doc = structuredClone(current?.doc ?? emptyConfig());
      const events: AuditEventInput[] = [];
      const result = await fn(doc, { audit: (e) => events.push(structuredClone(e)) });
      if (events.length > 0) doc.audit = appendAuditEvents(this.auditPath, events, this.opts.now());
      const conf = new Conf<Record<string, unknown>>({
        cwd: this.configDir,
        configName: 'config',
        clearInvalidConfig: false,
        configFileMode: 0o600,
        // conf reads the current file on construction; hand it the document we already verified.
        serialize: (v) => JSON.stringify(seal(Buffer.from(JSON.stringify(v), 'utf8'), key.key, key.header)),
        deserialize: () => structuredClone(current?.doc ?? {}) as unknown as Record<string, unknown>,
      });
      conf.store = doc as unknown as Record<string, unknown>;
      chmodSync(this.path, 0o600);
      this.resolved = key;
      return { doc, result, key: key.info };
    });
  }
}
