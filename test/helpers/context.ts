// testContext(): a real Context over buffers, a fixed clock, a temp config dir and an env map.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createContext, type Context } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/program.js';
import type { Prompter } from '../../src/cli/prompter.js';

export interface TestRun { code: number; stdout: string; stderr: string }

export interface TestEnv {
  dir: string;
  env: Record<string, string>;
  cleanup(): void;
}

export function tempConfig(extraEnv: Record<string, string> = {}): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'byok-test-'));
  const env: Record<string, string> = {
    BYOK_CONFIG_DIR: join(dir, 'config'),
    BYOK_KEY: randomBytes(32).toString('base64'),
    BYOK_KEYRING: 'off',
    BYOK_USER: 'alice',
    NO_COLOR: '1',
    ...extraEnv,
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs byok in-process: same program, same context type, buffers instead of the process's streams. */
export async function runInProcess(
  argv: string[],
  opts: { env: Record<string, string | undefined>; stdin?: string; now?: Date; prompter?: Prompter; tty?: boolean },
): Promise<TestRun> {
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const fixed = opts.now;
  const ctx: Context = createContext({
    io: { stdin, stdout, stderr, stdinIsTTY: opts.tty ?? false, stdoutIsTTY: opts.tty ?? false, stderrIsTTY: opts.tty ?? false },
    env: opts.env,
    osUser: 'os-user',
    now: fixed ? () => new Date(fixed.getTime()) : undefined,
    prompter: opts.prompter,
  });
  const code = await runCli(ctx, argv);
  return { code, stdout: out, stderr: err };
}
