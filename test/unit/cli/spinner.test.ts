import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../../src/cli/context.js';
import { startSpinner } from '../../../src/cli/spinner.js';

function ctxWith(tty: boolean, json: boolean) {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ctx = createContext({ io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr, stdinIsTTY: tty, stdoutIsTTY: tty, stderrIsTTY: tty }, env: { NO_COLOR: '1' }, osUser: 'u' });
  ctx.flags.json = json;
  return { ctx, err: () => err };
}

describe('spinner', () => {
  it('draws on a TTY stderr and clears the line when stopped', async () => {
    const { ctx, err } = ctxWith(true, false);
    const s = startSpinner(ctx, 'working', 5);
    await new Promise((r) => setTimeout(r, 20));
    s.stop();
    expect(err()).toContain('working');
    expect(err().endsWith('\r\x1b[2K')).toBe(true);
  });
  it('writes nothing when stderr is not a TTY or output is --json', () => {
    for (const [tty, json] of [[false, false], [true, true]] as const) {
      const { ctx, err } = ctxWith(tty, json);
      const s = startSpinner(ctx, 'working', 5);
      s.update('more');
      s.stop();
      expect(s.active).toBe(false);
      expect(err()).toBe('');
    }
  });
});
