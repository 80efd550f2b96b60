// Streams, TTY facts and colour, decided once per run (STYLE §4: gh's IOStreams).
import type { ChalkInstance } from 'chalk';
import { UsageError } from '../core/errors.js';
import type { Output } from './stdout.js';

export interface Io {
  stdin: NodeJS.ReadableStream;
  /** Not a stream when it is no terminal: main.ts writes a file or pipe straight to the descriptor (stdout.ts). */
  stdout: Output;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export function colorLevel(io: Io, env: Readonly<Record<string, string | undefined>>): 0 | 1 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return 1;
  return io.stdoutIsTTY && io.stderrIsTTY ? 1 : 0;
}

/**
 * chalk at the run's colour level, or null when there is no colour: chalk is loaded only then
 * (its module asks the terminal at load time, which loads node:tty and node:net).
 */
export async function makeChalk(io: Io, env: Readonly<Record<string, string | undefined>>): Promise<ChalkInstance | null> {
  const level = colorLevel(io, env);
  if (level === 0) return null;
  const { Chalk } = await import('chalk');
  return new Chalk({ level });
}

/** Text without colour, shaped like chalk: every style, however chained, returns its text unchanged. */
export function plainChalk(): ChalkInstance {
  const style: unknown = new Proxy(() => undefined, {
    // Not a promise (`then`), and no symbol-keyed protocol: only style names chain.
    get: (_t, prop) => (prop === 'level' ? 0 : prop === 'then' || typeof prop === 'symbol' ? undefined : style),
    apply: (_t, _self, args: unknown[]) => args.map(String).join(' '),
  });
  return style as ChalkInstance;
}

/** Prompts appear only when a person is there to answer: both ends are terminals, not CI. */
export function canPrompt(io: Io, env: Readonly<Record<string, string | undefined>>, nonInteractive: boolean): boolean {
  if (nonInteractive) return false;
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return false;
  return io.stdinIsTTY && io.stdoutIsTTY;
}

/** Reads all of stdin (for --*-stdin secrets). Bounded so a stray pipe cannot exhaust memory. */
export async function readAllStdin(stdin: NodeJS.ReadableStream, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw new UsageError('stdin-too-large', `stdin holds more than ${Math.round(limit / 1024)} KiB; a credential is far smaller.`, 'Send only the secret (and, on the next line, the session token) on stdin.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
