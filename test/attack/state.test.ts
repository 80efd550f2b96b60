// An attacker who can write the config directory but does not know the key (issue 9, items 1-4,
// 8, 12, 13): every scenario runs the built CLI as a user would. The promise each test names is
// the product's: the audit log cannot be cut, deleted or rolled back with its config unnoticed,
// the file never chooses its own key, and nothing is changed when byok refuses.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

const FAKE_KEYRING = fileURLToPath(new URL('../helpers/fake-keyring/register.mjs', import.meta.url));

let emu: TestEmulator;
const envs: TestEnv[] = [];

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of envs) t.cleanup();
});

type Env = Record<string, string | undefined>;

// BYOK_TEST_IN_PROCESS=1 (the store's mutation run, vitest.stryker-store.config.ts): the same
// scenarios through the same program in this process, so a planted bug in src/store can fail them.
// Those that need a process of their own (a fake keyring preloaded, a shell) still spawn.
const IN_PROCESS = process.env.BYOK_TEST_IN_PROCESS === '1';

function byok(env: Env, args: string[], o: { stdin?: string; keyring?: boolean; shell?: string } = {}) {
  if (IN_PROCESS && !o.keyring && !o.shell) return runInProcess(args, { env, stdin: o.stdin });
  const nodeArgs = o.keyring ? ['--import', FAKE_KEYRING, BYOK_BIN, ...args] : [BYOK_BIN, ...args];
  if (o.shell) return run('/bin/bash', ['-c', `${o.shell}; exec "$0" "$@"`, process.execPath, ...nodeArgs], { env, stdin: o.stdin });
  return run(process.execPath, nodeArgs, { env, stdin: o.stdin });
}

/** A fresh config dir with an Enterprise workspace "bank" owned by alice, policy allow. */
async function workspace(extra: Env = {}, o: { keyring?: boolean } = {}): Promise<{ env: Env; dir: string; config: string; audit: string }> {
  const t = tempConfig();
  envs.push(t);
  const env: Env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, ...extra };
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  for (const args of [['workspace', 'create', 'bank', '--plan', 'enterprise'], ['policy', 'set', 'allow']]) {
    const r = await byok(env, args, o);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  const dir = env.BYOK_CONFIG_DIR!;
  return { env, dir, config: join(dir, 'config.json'), audit: join(dir, 'audit.jsonl') };
}

const policyOf = async (env: Env, o: { keyring?: boolean } = {}) => {
  const r = await byok(env, ['policy', 'show', '--json'], o);
  return { code: r.code, policy: r.code === 0 ? (JSON.parse(r.stdout) as { policy: string }).policy : null, stderr: r.stderr + r.stdout };
};

describe('the audit log cannot be cut or deleted and then re-sealed (item 1)', () => {
  it('a deleted audit log makes the next write refuse with exit 3, and the config stays byte for byte as it was', async () => {
    const w = await workspace();
    const before = readFileSync(w.config);
    rmSync(w.audit);
    const r = await byok(w.env, ['config', 'set', 'enabled', 'false']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/audit log/i);
    expect(r.stderr).toMatch(/byok audit verify/);
    expect(r.stderr).toMatch(/byok audit reset-anchor/);
    expect(readFileSync(w.config).equals(before)).toBe(true);
    expect(existsSync(w.audit)).toBe(false);
    expect((await byok(w.env, ['audit', 'verify'])).code).toBe(1);
  });

  it('a log whose last event was cut off is refused by the next write, and audit verify stays failed', async () => {
    const w = await workspace();
    const lines = readFileSync(w.audit, 'utf8').split('\n').filter(Boolean);
    writeFileSync(w.audit, `${lines.slice(0, -1).join('\n')}\n`);
    const before = readFileSync(w.config);
    const r = await byok(w.env, ['policy', 'set', 'strict']);
    expect(r.code).toBe(3);
    expect(readFileSync(w.config).equals(before)).toBe(true);
    expect((await byok(w.env, ['audit', 'verify'])).code).toBe(1);
  });

  it('a deleted config does not silently end the log beside it (no anchor needed)', async () => {
    const w = await workspace();
    const log = readFileSync(w.audit);
    rmSync(w.config);
    const r = await byok(w.env, ['workspace', 'create', 'fresh', '--plan', 'scale']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/missing/);
    expect(readFileSync(w.audit).equals(log)).toBe(true);
  });

  it('reset-anchor takes the owner of every workspace: a user who owns just one of their own cannot re-seal the shared log', async () => {
    const w = await workspace();
    expect((await byok({ ...w.env, BYOK_USER: 'mallory' }, ['workspace', 'create', 'mal', '--plan', 'scale'])).code).toBe(0);
    const lines = readFileSync(w.audit, 'utf8').split('\n').filter(Boolean);
    writeFileSync(w.audit, `${lines.slice(0, 2).join('\n')}\n`);
    const r = await byok({ ...w.env, BYOK_USER: 'mallory' }, ['--workspace', 'mal', 'audit', 'reset-anchor', '--reason', 'cover my tracks']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/every workspace/);
    expect((await byok(w.env, ['audit', 'verify'])).code).toBe(1);
  });

  it('reset-anchor is the only way back: owner only, with a reason, and it records what was missing', async () => {
    const w = await workspace();
    await byok(w.env, ['workspace', 'add-member', 'bob']);
    const lines = readFileSync(w.audit, 'utf8').split('\n').filter(Boolean);
    writeFileSync(w.audit, `${lines.slice(0, 1).join('\n')}\n`);
    const missing = lines.length - 1;
    expect((await byok({ ...w.env, BYOK_USER: 'bob' }, ['audit', 'reset-anchor', '--reason', 'disk restore OPS-1'])).code).toBe(2);
    expect((await byok(w.env, ['audit', 'reset-anchor'])).code).not.toBe(0);
    const r = await byok(w.env, ['audit', 'reset-anchor', '--reason', 'disk restore OPS-1']);
    expect(r.code, r.stderr).toBe(0);
    expect((await byok(w.env, ['audit', 'verify'])).code).toBe(0);
    const events = JSON.parse((await byok(w.env, ['audit', 'list', '--json', '--type', 'audit-anchor-reset'])).stdout).events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ user: 'alice', workspace: null, details: { missingEvents: missing, reason: 'disk restore OPS-1' } });
    expect((await byok(w.env, ['policy', 'set', 'strict'])).code).toBe(0);
  });
});

describe('an older config put back is detected (item 2)', () => {
  it('without an anchor: an old config copied over a newer log is refused (policy show exits 3, not "allow")', async () => {
    const w = await workspace();
    const old = readFileSync(w.config);
    expect((await byok(w.env, ['policy', 'set', 'strict', '--lock'])).code).toBe(0);
    writeFileSync(w.config, old);
    const p = await policyOf(w.env);
    expect(p.code).toBe(3);
    expect(p.stderr).toMatch(/older (copy of the )?config/);
    expect((await byok(w.env, ['invoke', 'hello'])).code).toBe(3);
  });

  it('with BYOK_STATE_ANCHOR: the old config and the old log put back together are refused', async () => {
    const t = tempConfig();
    envs.push(t);
    const w = await workspace({ BYOK_STATE_ANCHOR: join(t.dir, 'anchor.json') });
    const oldConfig = readFileSync(w.config);
    const oldLog = readFileSync(w.audit);
    expect((await byok(w.env, ['policy', 'set', 'strict', '--lock'])).code).toBe(0);
    writeFileSync(w.config, oldConfig);
    writeFileSync(w.audit, oldLog);
    const p = await policyOf(w.env);
    expect(p.code).toBe(3);
    expect(p.stderr).toMatch(/state anchor/);
    // Unsetting BYOK_STATE_ANCHOR does not get around it: the sealed config records its anchor.
    expect((await policyOf({ ...w.env, BYOK_STATE_ANCHOR: undefined })).code).toBe(3);
  });

  it('with BYOK_STATE_ANCHOR: a config swapped for another of the same age sealed with the same key is refused', async () => {
    const t = tempConfig();
    envs.push(t);
    const anchor = join(t.dir, 'anchor.json');
    const w = await workspace({ BYOK_STATE_ANCHOR: anchor });
    const sibling = await workspace({ BYOK_KEY: w.env.BYOK_KEY });
    copyFileSync(sibling.config, w.config);
    copyFileSync(sibling.audit, w.audit);
    expect((await policyOf(w.env)).code).toBe(3);
  });

  it('a config copied in from another directory sealed with the same key is refused, even when it is newer', async () => {
    const t = tempConfig();
    envs.push(t);
    const w = await workspace({ BYOK_STATE_ANCHOR: join(t.dir, 'anchor.json') });
    const staging = await workspace({ BYOK_KEY: w.env.BYOK_KEY });
    for (let i = 0; i < 4; i++) await byok(staging.env, ['policy', 'set', i % 2 === 0 ? 'warn' : 'allow']);
    copyFileSync(staging.config, w.config);
    copyFileSync(staging.audit, w.audit);
    const p = await policyOf(w.env);
    expect(p.code).toBe(3);
    expect(p.stderr).toMatch(/another directory/);
    // Without an anchor too: the sealed config names the directory it belongs to.
    expect((await policyOf({ ...w.env, BYOK_STATE_ANCHOR: undefined })).code).toBe(3);
  });

  it('with BYOK_STATE_ANCHOR: a deleted config is not silently replaced by a new one', async () => {
    const t = tempConfig();
    envs.push(t);
    const w = await workspace({ BYOK_STATE_ANCHOR: join(t.dir, 'anchor.json') });
    rmSync(w.config);
    rmSync(w.audit);
    const r = await byok(w.env, ['workspace', 'create', 'other', '--plan', 'scale']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/missing/);
    expect(existsSync(w.config)).toBe(false);
  });

  it('readers running beside writers never mistake a write in progress for tampering', async () => {
    const t = tempConfig();
    envs.push(t);
    const w = await workspace({ BYOK_STATE_ANCHOR: join(t.dir, 'anchor.json') });
    const jobs: Promise<{ code: number | null; stderr: string; what: string }>[] = [];
    for (let i = 0; i < 8; i++) {
      jobs.push(byok(w.env, ['policy', 'set', i % 2 === 0 ? 'warn' : 'allow']).then((r) => ({ ...r, what: 'write' })));
      jobs.push(byok(w.env, ['policy', 'show']).then((r) => ({ ...r, what: 'read' })));
    }
    const results = await Promise.all(jobs);
    for (const r of results) expect(r.code, `${r.what}: ${r.stderr}`).toBe(0);
    expect(results.some((r) => /uncommitted|put back|rewritten/.test(r.stderr))).toBe(false);
    expect((await byok(w.env, ['audit', 'verify'])).code).toBe(0);
  });

  it('with BYOK_STATE_ANCHOR: a config that had an anchor is never opened without it (unset, mistyped or deleted)', async () => {
    const t = tempConfig();
    envs.push(t);
    const anchor = join(t.dir, 'anchor.json');
    const w = await workspace({ BYOK_STATE_ANCHOR: anchor });
    const unset = await policyOf({ ...w.env, BYOK_STATE_ANCHOR: undefined });
    expect(unset.code).toBe(3);
    expect(unset.stderr).toContain(`BYOK_STATE_ANCHOR=${anchor}`);
    expect((await byok({ ...w.env, BYOK_STATE_ANCHOR: join(t.dir, 'nodir', 'x.json') }, ['policy', 'set', 'strict'])).code).toBe(2);
    expect(existsSync(join(t.dir, 'nodir'))).toBe(false);
    rmSync(anchor);
    const gone = await policyOf(w.env);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/no record/);
    // Recovering on purpose re-anchors, and records it.
    expect((await byok(w.env, ['audit', 'reset-anchor', '--reason', 'anchor volume replaced'])).code).toBe(0);
    expect((await policyOf(w.env)).code).toBe(0);
  });

  it('reset-anchor after a backup is restored counts the events the anchor saw and the log lost', async () => {
    const t = tempConfig();
    envs.push(t);
    const w = await workspace({ BYOK_STATE_ANCHOR: join(t.dir, 'anchor.json') });
    const oldConfig = readFileSync(w.config);
    const oldLog = readFileSync(w.audit);
    for (const p of ['strict', 'warn', 'allow']) expect((await byok(w.env, ['policy', 'set', p])).code).toBe(0);
    writeFileSync(w.config, oldConfig);
    writeFileSync(w.audit, oldLog);
    expect((await byok(w.env, ['audit', 'reset-anchor', '--reason', 'restored backup'])).code).toBe(0);
    const ev = JSON.parse((await byok(w.env, ['audit', 'list', '--json', '--type', 'audit-anchor-reset'])).stdout).events[0];
    expect(ev.details.missingEvents).toBe(3);
  });

  it('config show says which rollbacks are detected under the key source in use', async () => {
    const w = await workspace();
    const j = JSON.parse((await byok(w.env, ['config', 'show', '--json'])).stdout);
    expect(j.integrity.keySource).toBe('env');
    expect(j.integrity.anchor).toBeNull();
    expect(j.integrity.notDetected.join(' ')).toMatch(/put back together/);
    const t = tempConfig();
    envs.push(t);
    const a = await workspace({ BYOK_STATE_ANCHOR: join(t.dir, 'anchor.json') });
    const k = JSON.parse((await byok(a.env, ['config', 'show', '--json'])).stdout);
    expect(k.integrity.anchor).toBe(join(t.dir, 'anchor.json'));
    expect(k.integrity.detected.join(' ')).toMatch(/put back together/);
  });
});

describe('the file never chooses its own key (item 3)', () => {
  /** The attacker's own config (key file, geography us, policy allow), made where the victim cannot see. */
  async function attackerFiles(): Promise<{ dir: string }> {
    const a = await workspace({ BYOK_KEY: undefined, BYOK_PASSPHRASE: undefined });
    expect(existsSync(join(a.dir, 'key'))).toBe(true);
    return { dir: a.dir };
  }
  function plant(from: string, to: string) {
    for (const f of ['config.json', 'key', 'audit.jsonl']) copyFileSync(join(from, f), join(to, f));
    chmodSync(join(to, 'key'), 0o600);
  }

  it('a victim sealed with BYOK_PASSPHRASE refuses a planted config + key file (exit 3, says why)', async () => {
    const victim = await workspace({ BYOK_KEY: undefined, BYOK_PASSPHRASE: 'correct horse battery staple' });
    expect(JSON.parse((await byok(victim.env, ['config', 'show', '--json'])).stdout).integrity.keySource).toBe('passphrase');
    const attacker = await attackerFiles();
    plant(attacker.dir, victim.dir);
    const r = await byok(victim.env, ['policy', 'show']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/passphrase/);
    expect(r.stderr).toMatch(/key file/);
  });

  it('a victim whose key is in the OS keyring refuses a planted config + key file (exit 3)', async () => {
    const t = tempConfig();
    envs.push(t);
    const kr = { BYOK_KEY: undefined, BYOK_KEYRING: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', FAKE_KEYRING_FILE: join(t.dir, 'keyring.json') };
    const victim = await workspace(kr, { keyring: true });
    const shown = JSON.parse((await byok(victim.env, ['config', 'show', '--json'], { keyring: true })).stdout);
    expect(shown.integrity.keySource).toBe('keyring');
    // The keyring also holds the anchor: an older config put back is detected without BYOK_STATE_ANCHOR.
    expect(shown.integrity.anchor).toMatch(/keyring/);
    const attacker = await attackerFiles();
    plant(attacker.dir, victim.dir);
    const r = await byok(victim.env, ['policy', 'show'], { keyring: true });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/keyring/);
  });

  it('under the keyring, the old config and log put back together are refused (the anchor lives in the keyring)', async () => {
    const t = tempConfig();
    envs.push(t);
    const kr = { BYOK_KEY: undefined, BYOK_KEYRING: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', FAKE_KEYRING_FILE: join(t.dir, 'keyring.json') };
    const w = await workspace(kr, { keyring: true });
    const oldConfig = readFileSync(w.config);
    const oldLog = readFileSync(w.audit);
    expect((await byok(w.env, ['policy', 'set', 'strict', '--lock'], { keyring: true })).code).toBe(0);
    writeFileSync(w.config, oldConfig);
    writeFileSync(w.audit, oldLog);
    expect((await policyOf(w.env, { keyring: true })).code).toBe(3);
  });
});

describe('file permissions are checked when reading (item 8)', () => {
  it('a key file that others can read is refused, as ssh refuses a private key', async () => {
    const w = await workspace({ BYOK_KEY: undefined, BYOK_PASSPHRASE: undefined });
    chmodSync(join(w.dir, 'key'), 0o644);
    const r = await byok(w.env, ['policy', 'show']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/chmod 600/);
  });

  it('a config directory others can write is warned about on a read', async () => {
    const w = await workspace();
    chmodSync(w.dir, 0o777);
    const r = await byok(w.env, ['policy', 'show']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/can be written by other users/);
    chmodSync(w.dir, 0o700);
  });

  it('the audit log is kept at 0600 even if it was widened', async () => {
    const w = await workspace();
    expect(statSync(w.audit).mode & 0o777).toBe(0o600);
    chmodSync(w.audit, 0o644);
    expect((await byok(w.env, ['policy', 'set', 'strict'])).code).toBe(0);
    expect(statSync(w.audit).mode & 0o777).toBe(0o600);
  });
});

describe('local state errors are said as such (item 13)', () => {
  it('an audit log that is a symlink to /dev/full is refused at once, exit 3', async () => {
    const w = await workspace();
    rmSync(w.audit);
    symlinkSync('/dev/full', w.audit);
    const r = await byok(w.env, ['audit', 'verify']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/symbolic link/);
  });

  it('a directory where the audit log should be is local state (exit 3), not an AWS answer', async () => {
    const w = await workspace();
    rmSync(w.audit);
    mkdirSync(w.audit);
    const r = await byok(w.env, ['invoke', 'hello']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/directory/);
    expect(r.stderr).not.toMatch(/AWS|Bedrock/);
  });

  it('a config directory byok may not write is said at once with its errno (no lock wait), exit 3', async () => {
    // /sys refuses mkdir even to root (EPERM) and to everyone else (EACCES). (Not /sys/kernel itself:
    // an existing shared directory is refused before any write for holding files that are not byok's.)
    const r = await byok({ PATH: process.env.PATH, BYOK_CONFIG_DIR: '/sys/kernel/byok-test-cfg', BYOK_KEY: Buffer.alloc(32, 1).toString('base64'), BYOK_KEYRING: 'off', BYOK_USER: 'alice', NO_COLOR: '1' }, ['workspace', 'create', 'bank', '--plan', 'enterprise']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/EPERM|EACCES|EROFS/);
    expect(r.stderr).not.toMatch(/locked by another/);
  });

  it('a config directory under a file is local state (exit 3) naming the path and ENOTDIR, never an AWS answer', async () => {
    const r = await byok({ PATH: process.env.PATH, BYOK_CONFIG_DIR: '/etc/passwd/byok', BYOK_KEY: Buffer.alloc(32, 1).toString('base64'), BYOK_KEYRING: 'off', BYOK_USER: 'alice', NO_COLOR: '1' }, ['workspace', 'create', 'bank', '--plan', 'enterprise']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\/etc\/passwd\/byok.*ENOTDIR/);
    expect(r.stderr).not.toMatch(/AWS|Bedrock|Sonnet/);
  });
});
