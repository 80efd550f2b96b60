// What the store's unit tests share: a scripted passphrase prompt, a state anchor's place on disk,
// and a store whose process "dies" at a chosen write.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnchorRecord } from '../../src/store/anchor.js';
import { ConfigStore, type StoreOptions } from '../../src/store/config-store.js';

/** A prompter that gives these answers in turn, records what it was asked, and fails when asked once too often. */
export function scriptedPrompter(...answers: string[]) {
  const asked: string[] = [];
  return {
    asked,
    async password(message: string) {
      asked.push(message);
      const a = answers.shift();
      if (a === undefined) throw new Error('asked once too often');
      return a;
    },
  };
}

/** A fresh root holding a config directory and, apart from it, a directory for the state anchor. The caller removes `root`. */
export function anchorPlace(): { root: string; configDir: string; anchorPath: string } {
  const root = mkdtempSync(join(tmpdir(), 'byok-anchor-'));
  const configDir = join(root, 'cfg');
  mkdirSync(configDir);
  mkdirSync(join(root, 'safe'));
  return { root, configDir, anchorPath: join(root, 'safe', 'anchor.json') };
}

export const ANCHOR_HEAD = 'a'.repeat(64);
export const anchorRecord = (o: Partial<AnchorRecord> = {}): AnchorRecord => ({ generation: 3, count: 5, head: ANCHOR_HEAD, keySource: 'env', ...o });

/** A store whose process "dies" at the Nth sealed-config write of its life (1 = announce, 2 = commit). */
export class CrashingStore extends ConfigStore {
  private writes = 0;
  constructor(
    o: StoreOptions,
    private readonly crashAt: number,
  ) {
    super(o);
  }
  protected override async writeSealed(...args: Parameters<ConfigStore['writeSealed']>): Promise<void> {
    this.writes += 1;
    if (this.writes === this.crashAt) throw new Error('simulated crash');
    await super.writeSealed(...args);
  }
}
