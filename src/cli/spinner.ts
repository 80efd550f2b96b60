// Progress while byok talks to AWS: on stderr, only when stderr is a terminal and the output is
// not --json (STYLE §5), so pipes, CI logs and JSON consumers never see control characters.
import type { Context } from './context.js';
import { ours } from './terminal.js';

// Carriage return, then erase the line: byok's own sequence, so the context's stderr lets it through.
const CLEAR_LINE = ours('\r\x1b[2K');

export interface Spinner {
  /** Replaces the text next to the spinner. */
  update(text: string): void;
  /** Stops and clears the line; prints `final` (a status line) if given. */
  stop(final?: string): void;
  readonly active: boolean;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function spinnerEnabled(ctx: Context): boolean {
  return ctx.io.stderrIsTTY && !ctx.flags.json;
}

export function startSpinner(ctx: Context, text: string, intervalMs = 80): Spinner {
  if (!spinnerEnabled(ctx)) {
    return { update: () => undefined, stop: (final) => { if (final && !ctx.flags.json) ctx.io.stderr.write(`${final}\n`); }, active: false };
  }
  const err = ctx.io.stderr;
  let frame = 0;
  let current = text;
  let stopped = false;
  const draw = () => err.write(`${CLEAR_LINE}${ctx.chalk.cyan(FRAMES[frame % FRAMES.length]!)} ${current}`);
  draw();
  const timer = setInterval(() => {
    frame++;
    draw();
  }, intervalMs);
  // A spinner must never keep the process alive on its own.
  timer.unref();
  return {
    get active() {
      return !stopped;
    },
    update(t: string) {
      current = t;
      if (!stopped) draw();
    },
    stop(final?: string) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      err.write(CLEAR_LINE);
      if (final) err.write(`${final}\n`);
    },
  };
}

/**
 * A spinner that starts on the first update: for a workflow's onProgress callback, so nothing is
 * drawn before the workflow has something to report (e.g. while it still refuses a bad workspace).
 * Once stopped it stays stopped.
 */
export function lazySpinner(ctx: Context): { update: (text: string) => void; stop: () => void } {
  let s: Spinner | null = null;
  let stopped = false;
  return {
    update: (text: string) => {
      if (stopped) return;
      if (s) s.update(text);
      else s = startSpinner(ctx, text);
    },
    stop: () => {
      stopped = true;
      s?.stop();
    },
  };
}
