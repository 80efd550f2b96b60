// Spawns the built CLI (bin/byok.js) as a user would: env only, stdin piped, no TTY.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BYOK_BIN = fileURLToPath(new URL('../../bin/byok.js', import.meta.url));

export interface SpawnResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function runByok(args: string[], opts: { env: Record<string, string | undefined>; stdin?: string; timeoutMs?: number }): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BYOK_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
