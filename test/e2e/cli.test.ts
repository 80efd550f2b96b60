// The built binary, spawned as a user runs it: tampering, concurrency, SIGKILL, lazy loading.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { BYOK_BIN, runByok } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

let t: TestEnv;
beforeEach(() => {
  t = tempConfig();
});
afterEach(() => t.cleanup());

const cfgPath = () => join(t.env.BYOK_CONFIG_DIR!, 'config.json');

describe('a tampered config', () => {
  it('makes every reading command exit 3 for any flipped byte, leaving the file byte-for-byte as it was', async () => {
    expect((await runByok(['workspace', 'create', 'acme', '--plan', 'enterprise'], { env: t.env })).code).toBe(0);
    expect((await runByok(['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key-stdin'], { env: t.env, stdin: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLE1\n' })).code).toBe(0);
    const original = readFileSync(cfgPath());
    const commands = [
      ['policy', 'show'],
      ['config', 'show'],
      ['credentials', 'show'],
      ['workspace', 'list'],
      ['route'],
      ['policy', 'set', 'allow'],
      ['audit', 'verify'],
    ];
    // Every byte, in-process (fast), one command each in rotation.
    for (let i = 0; i < original.length; i++) {
      const flipped = Buffer.from(original);
      flipped[i] = flipped[i]! ^ 0x01;
      writeFileSync(cfgPath(), flipped);
      const args = commands[i % commands.length]!;
      const r = await runInProcess(args, { env: t.env });
      expect(r.code, `byte ${i}: ${args.join(' ')}`).toBe(3);
      expect(readFileSync(cfgPath()).equals(flipped), `byte ${i} file changed`).toBe(true);
    }
    // A sample through the real binary, every command, with the message it prints.
    for (const pos of [0, 10, Math.floor(original.length / 2), original.length - 3]) {
      const flipped = Buffer.from(original);
      flipped[pos] = flipped[pos]! ^ 0x80;
      writeFileSync(cfgPath(), flipped);
      for (const args of commands) {
        const r = await runByok(args, { env: t.env });
        expect(r.code, `${pos}: ${args.join(' ')}`).toBe(3);
        expect(r.stderr).toMatch(/hint:/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(readFileSync(cfgPath()).equals(flipped)).toBe(true);
      }
    }
    writeFileSync(cfgPath(), original);
    expect((await runByok(['policy', 'show'], { env: t.env })).code).toBe(0);
  }, 300_000);

  it('exits 3 with a wrong BYOK_KEY and leaves the file alone', async () => {
    await runByok(['workspace', 'create', 'acme', '--plan', 'scale'], { env: t.env });
    const original = readFileSync(cfgPath());
    const wrong = { ...t.env, BYOK_KEY: Buffer.alloc(32, 7).toString('base64') };
    const r = await runByok(['policy', 'show'], { env: wrong });
    expect(r.code).toBe(3);
    expect(readFileSync(cfgPath()).equals(original)).toBe(true);
  });
});

describe('concurrent writers', () => {
  it('20 processes creating different workspaces at once all survive', async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runByok(['workspace', 'create', `ws-${i}`, '--plan', 'scale'], { env: t.env, timeoutMs: 60_000 })),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const list = await runByok(['workspace', 'list', '--json'], { env: t.env });
    const names = (JSON.parse(list.stdout) as { workspaces: { name: string }[] }).workspaces.map((w) => w.name).sort();
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `ws-${i}`).sort());
    const verify = await runByok(['audit', 'verify', '--json'], { env: t.env });
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, count: 20 });
  }, 120_000);

  it('a writer killed with SIGKILL mid-write never leaves a config that fails to open', async () => {
    await runByok(['workspace', 'create', 'base', '--plan', 'scale'], { env: t.env });
    for (let i = 0; i < 15; i++) {
      const child = spawn(process.execPath, [BYOK_BIN, 'workspace', 'create', `k-${i}`, '--plan', 'scale'], { env: { ...process.env, ...t.env }, stdio: 'ignore' });
      const closed = new Promise((r) => child.on('close', r)); // before the kill: it may finish first
      await new Promise((r) => setTimeout(r, 40 + ((i * 37) % 120)));
      child.kill('SIGKILL');
      await closed;
      const r = await runByok(['workspace', 'list', '--json'], { env: t.env });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);
});

describe('local commands stay light', () => {
  const register = fileURLToPath(new URL('../helpers/loader/register.mjs', import.meta.url));
  async function modulesLoaded(args: string[]): Promise<string[]> {
    const log = join(t.dir, `modules-${args.join('-')}.log`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', register, BYOK_BIN, ...args], { env: { ...process.env, ...t.env, BYOK_MODULE_LOG: log }, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  }
  it('--version and policy show load neither the AWS SDK nor @inquirer/prompts nor conf', async () => {
    // A write loads conf: the hook sees what the CLI loads on demand.
    const created = await modulesLoaded(['workspace', 'create', 'acme', '--plan', 'scale']);
    expect(created.some((m) => m.includes('/node_modules/conf/')), 'the loader hook saw conf load for a write').toBe(true);
    // --version alone is answered by bin/byok.js before the CLI loads at all.
    const version = await modulesLoaded(['--version']);
    expect(version.some((m) => m.includes('bin/byok.js')), 'the loader hook saw byok start').toBe(true);
    expect(version.filter((m) => m.includes('/dist/'))).toEqual([]);
    const mods = await modulesLoaded(['policy', 'show']);
    expect(mods.some((m) => m.includes('bin/byok.js')), 'the loader hook saw byok start').toBe(true);
    for (const m of [version, mods]) expect(m.filter((x) => /@aws-sdk|@smithy|@inquirer|\/node_modules\/conf\//.test(x))).toEqual([]);
  });
});

describe('colour and the process streams', () => {
  it('FORCE_COLOR colours the marks (chalk loads), NO_COLOR leaves none', async () => {
    const { NO_COLOR: _n, ...env } = t.env;
    const coloured = await runByok(['workspace', 'create', 'acme', '--plan', 'scale'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(coloured.code).toBe(0);
    expect(coloured.stderr).toContain('\x1b[32m✓\x1b[39m');
    const plain = await runByok(['config', 'set', 'geography', 'eu'], { env: { ...env, NO_COLOR: '1' } });
    expect(plain.stderr).toMatch(/^✓ /);
    expect(plain.stderr).not.toContain('\x1b[');
  });

  it('policy show with NO_COLOR, its output discarded, the user and config directory named, builds no terminal or socket stream (node:tty, node:net), no child_process and no node:os', async () => {
    expect((await runByok(['workspace', 'create', 'acme', '--plan', 'scale'], { env: t.env })).code).toBe(0);
    const preload = join(t.dir, 'modules.cjs');
    const list = join(t.dir, 'builtins.txt');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', preload, BYOK_BIN, 'policy', 'show'], { env: { PATH: process.env.PATH, ...t.env }, stdio: ['ignore', 'ignore', 'ignore'] });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`policy show exited ${code}`))));
    });
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule crypto'); // positive control: the config was decrypted
    expect(loaded.filter((m) => /^NativeModule (tty|net|child_process|os)$/.test(m))).toEqual([]);
  });
});

describe("the CLI's code cache", () => {
  /** A copy of the built command (bin/, dist/cli/, package.json) whose files a test may change. */
  function copyOfBuild(): { bin: string; main: string } {
    const root = join(t.dir, 'build');
    const repo = join(BYOK_BIN, '..', '..');
    cpSync(join(repo, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(repo, 'dist', 'cli'), join(root, 'dist', 'cli'), { recursive: true });
    cpSync(join(repo, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    return { bin: join(root, 'bin', 'byok.js'), main: join(root, 'dist', 'cli', 'main.cjs') };
  }
  const help = async (bin: string) => (await run(process.execPath, [bin, '--help'], { env: { PATH: process.env.PATH, ...t.env } }));

  it('is not used for a file it was not made from: a same-length edit of the CLI file takes effect (V8 alone checks only the length)', async () => {
    const c = copyOfBuild();
    const before = await help(c.bin);
    expect(before.stdout).toContain('Bring-your-own-key administration');
    const text = readFileSync(c.main, 'utf8');
    expect(text).toContain('Bring-your-own-key administration');
    writeFileSync(c.main, text.replaceAll('Bring-your-own-key administration', 'Bring-your-own-key ADMINISTRATION'));
    const after = await help(c.bin);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('Bring-your-own-key ADMINISTRATION');
  });

  it('every cache the build wrote is one V8 takes for the CLI file, and the ones named for command groups are the ones bin/byok.js looks for', () => {
    const main = join(BYOK_BIN, '..', '..', 'dist', 'cli', 'main.cjs');
    // The file is the function bin/byok.js runs, wrapper and all, in ASCII (scripts/build.mjs).
    const bytes = readFileSync(main);
    const source = bytes.toString('utf8');
    expect(source.startsWith('(function (exports, require, module, __filename, __dirname, __byok) {\n')).toBe(true);
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    const caches = readdirSync(dirname(main)).filter((n) => n.endsWith('.cache'));
    expect(caches.sort()).toEqual(['main.cjs.cache', 'main.cjs.credential-process.cache', 'main.cjs.policy.cache', 'main.cjs.route.cache']);
    const bin = readFileSync(BYOK_BIN, 'utf8');
    for (const name of caches) {
      const cache = readFileSync(join(dirname(main), name));
      const data = cache.subarray(32);
      expect(createHash('sha256').update(bytes).update(data).digest().equals(cache.subarray(0, 32)), name).toBe(true);
      const script = new Script(source, { filename: main, cachedData: data });
      expect(script.cachedDataRejected, name).toBe(false);
      const group = /^main\.cjs\.(.+)\.cache$/.exec(name)?.[1];
      if (group) expect(bin, name).toContain(`group === '${group}'`);
    }
  });

  it('a damaged cache is not used: the CLI still runs and answers the same', async () => {
    const c = copyOfBuild();
    const cache = readFileSync(`${c.main}.cache`);
    for (let i = 0; i < 64; i++) cache[Math.floor(cache.length / 2) + i]! ^= 0xa5;
    writeFileSync(`${c.main}.cache`, cache);
    const r = await help(c.bin);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Bring-your-own-key administration');
  });
});

describe('a write that fails', () => {
  it('stdout on a full disk (/dev/full) is a failed command, never exit 0 with the output lost', async () => {
    const r = await run('bash', ['-c', `"${process.execPath}" "${BYOK_BIN}" route --geography eu --region eu-west-1 --task plan >/dev/full; echo "rc=$?"`], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...t.env } });
    expect(r.stdout).toMatch(/rc=[1-9]/);
    // Said in words, without a stack trace.
    expect(r.stderr).toContain('could not be written to stdout (ENOSPC');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a file cut short by a size limit (ulimit -f) is a failed command, not exit 0 with half a document', async () => {
    const out = join(t.dir, 'help.txt');
    // `byok --help` is over 1 KiB; the limit lets 1 KiB through, so the write comes back short and the next one fails.
    const r = await run('bash', ['-c', `ulimit -f 1; "${process.execPath}" "${BYOK_BIN}" --help >"${out}"; echo "rc=$?"`], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...t.env } });
    expect(readFileSync(out).length).toBe(1024);
    expect(r.stdout).toMatch(/rc=[1-9]/);
    expect(r.stderr).toContain('could not be written to stdout (EFBIG');
  });

  it('a long-running command whose first output is lost (emulator start > /dev/full) stops at once with exit 1 and says why, instead of serving with its exports unseen', async () => {
    const r = await run('bash', ['-c', `timeout 20 "${process.execPath}" "${BYOK_BIN}" emulator start --port 0 >/dev/full; echo "rc=$?"`], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...t.env } });
    expect(r.stdout).toMatch(/rc=1\s*$/);
    expect(r.stderr).toContain('could not be written to stdout (ENOSPC');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a command whose output was written whole exits 0, through a file, a pipe and /dev/null', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...t.env };
    const file = join(t.dir, 'route.txt');
    const toFile = await run('bash', ['-c', `"${process.execPath}" "${BYOK_BIN}" --help >"${file}"; echo "rc=$?"`], { env });
    const toPipe = await run('bash', ['-c', `"${process.execPath}" "${BYOK_BIN}" --help | cat; echo "rc=\${PIPESTATUS[0]}"`], { env });
    const toNull = await run('bash', ['-c', `"${process.execPath}" "${BYOK_BIN}" --help >/dev/null; echo "rc=$?"`], { env });
    for (const r of [toFile, toPipe, toNull]) {
      expect(r.stdout).toMatch(/rc=0\s*$/);
      expect(r.stderr).toBe('');
    }
    expect(readFileSync(file, 'utf8')).toBe(toPipe.stdout.replace(/rc=0\s*$/, ''));
    expect(readFileSync(file, 'utf8')).toContain('credential-process');
  });
});

describe('a reader that goes away', () => {
  it('`byok ... | true` is not a crash: no stack trace, the command exits as it would have', async () => {
    const { run } = await import('../helpers/spawn.js');
    const script = `"${process.execPath}" "${BYOK_BIN}" route --geography eu --region eu-west-1 --task plan 2>"${join(t.dir, 'err.txt')}" | true; echo "\${PIPESTATUS[0]}"`;
    const r = await run('bash', ['-c', script], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...t.env } });
    expect(r.stdout.trim()).toBe('0');
    expect(readFileSync(join(t.dir, 'err.txt'), 'utf8')).toBe('');
  });
});
