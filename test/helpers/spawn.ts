// Asynchronous child-process runner: tests whose emulator runs in-process must never block the
// event loop (spawnSync would deadlock against it).
import { spawn } from 'node:child_process';

export interface Ran { code: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { env: Record<string, string | undefined>; stdin?: string; timeoutMs?: number; cwd?: string }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    // A child that exits without reading its stdin (EPIPE) is not the test's failure: its exit code says how it went.
    p.stdin.on('error', () => {});
    p.stdin.end(opts.stdin ?? '');
  });
}
