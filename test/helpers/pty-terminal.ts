// A byok process in a real pseudo-terminal (Python's pty module, test/helpers/pty_drive.py), for
// the setup wizard: keys typed one at a time, the screen read with escape sequences stripped.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BYOK_BIN } from './run-byok.js';

const PTY = fileURLToPath(new URL('./pty_drive.py', import.meta.url));
export const KEYS = { up: '\x1b[A', down: '\x1b[B', enter: '\r', backspace: '\x7f', ctrlC: '\x03' };
// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

export class Terminal {
  private out = '';
  private mark = 0;
  readonly exited: Promise<number | null>;
  private p: ChildProcessWithoutNullStreams;
  constructor(args: string[], env: Record<string, string | undefined>) {
    this.p = spawn('python3', [PTY, process.execPath, BYOK_BIN, ...args], { env });
    this.p.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    this.p.stderr.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((r) => this.p.on('close', (c) => r(c)));
  }
  /** Waits for text after the last thing waited for, then moves the mark past it. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<void> {
    const start = Date.now();
    for (;;) {
      const text = strip(this.out).slice(this.mark);
      const m = re.exec(text);
      if (m) {
        this.mark += m.index + m[0].length;
        return;
      }
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${re}; screen so far:\n${strip(this.out).slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async type(s: string): Promise<void> {
    for (const ch of s.match(/\x1b\[[A-D]|[\s\S]/g) ?? []) {
      this.p.stdin.write(ch);
      await new Promise((r) => setTimeout(r, 8));
    }
  }
  get screen(): string {
    return strip(this.out);
  }
}
