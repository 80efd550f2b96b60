// The context's streams: byok's own colours and spinner reach the terminal; the same sequences
// arriving in outside text are spelled out; secrets are scrubbed except on the credential stream.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../../src/cli/context.js';
import { startSpinner } from '../../../src/cli/spinner.js';

async function colourContext(env: Record<string, string> = { FORCE_COLOR: '1' }) {
  const capture = () => {
    const s = new PassThrough();
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    return { s, text: () => text };
  };
  const out = capture();
  const err = capture();
  const ctx = createContext({ io: { stdin: new PassThrough(), stdout: out.s, stderr: err.s, stdinIsTTY: true, stdoutIsTTY: true, stderrIsTTY: true }, env, osUser: 'u' });
  await ctx.ready(); // loads chalk when the run has colour (runCli does this first)
  return { ctx, out: out.text, err: err.text };
}

// What AWS might send: clear screen, red, set the window title, a right-to-left override.
const OUTSIDE = '\x1b[2J\x1b[31mred\x1b]0;title\x07 \u202etxt.exe';

describe('the context streams', () => {
  it('without colour every style, however chained, gives back its text joined by spaces (as chalk does at level 0)', async () => {
    const { ctx } = await colourContext({ NO_COLOR: '1' });
    expect(ctx.chalk.bold.red('a', 'b')).toBe('a b');
    expect(ctx.chalk.dim(`x${ctx.chalk.green(1 as unknown as string)}`)).toBe('x1');
    expect(ctx.chalk.level).toBe(0);
    // Not mistaken for a promise: awaiting it gives it back instead of waiting for ever.
    expect(await (ctx.chalk as unknown as Promise<unknown>)).toBe(ctx.chalk);
  });

  it("keep byok's own colours while an outside string's escape sequences are spelled out", async () => {
    const { ctx, err } = await colourContext();
    ctx.io.stderr.write(`${ctx.chalk.red('✗')} ${ctx.chalk.dim(OUTSIDE)}\n`);
    expect(err()).toBe('\x1b[31m✗\x1b[39m \x1b[2m\\u001b[2J\\u001b[31mred\\u001b]0;title\\u0007 \\u202etxt.exe\x1b[22m\n');
  });

  it('spell out outside control characters but keep line feeds and tabs; --json drops our colours', async () => {
    const { ctx, out } = await colourContext();
    ctx.io.stdout.write(`a\tb\r\nc\x7f\x9b\u2066`);
    expect(out()).toBe('a\tb\\u000d\nc\\u007f\\u009b\\u2066');
    ctx.flags.json = true;
    ctx.io.stdout.write(`|${ctx.chalk.green('ok')}|`);
    expect(out().endsWith('|ok|')).toBe(true);
  });

  it('keep the spinner drawing and clearing its line, with its text escaped', async () => {
    const { ctx, err } = await colourContext({ NO_COLOR: '1' });
    const s = startSpinner(ctx, `working ${OUTSIDE}`, 5);
    await new Promise((r) => setTimeout(r, 20));
    s.stop();
    expect(err().startsWith('\r\x1b[2K')).toBe(true);
    expect(err().endsWith('\r\x1b[2K')).toBe(true);
    expect(err()).toContain('working \\u001b[2J');
    // eslint-disable-next-line no-control-regex
    expect(err().replaceAll('\r\x1b[2K', '')).not.toMatch(/[\x00-\x08\x0b-\x1f\u202e]/);
  });

  it('scrub a secret on every stream but the credential stream', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const { ctx, out, err } = await colourContext({ NO_COLOR: '1' });
    ctx.io.stderr.write(`bad ${secret}\n`);
    ctx.io.stdout.write(`{"SecretAccessKey":"${secret}"}\n`);
    expect(err() + out()).not.toContain(secret.slice(0, 8));
    ctx.credentialStdout.write(`{"SecretAccessKey":"${secret}"}\n`);
    expect(out()).toContain(secret);
  });
});
