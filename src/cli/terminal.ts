// What reaches the terminal. Text byok did not write itself (AWS messages, files, the
// environment, argv) is shown, never obeyed: every control character is spelled out, and every
// written chunk passes the secret scrubber. byok's own escape sequences (chalk colours, the
// spinner's line clear) are wrapped in a per-process random marker when they are made, so the
// writer can tell them from look-alikes that arrived in outside text.
import { randomInt } from 'node:crypto';
import type { ChalkInstance } from 'chalk';
import { scrubMessage } from '../aws/errors.js';
import { spell } from '../core/text.js';
import type { Output } from './stdout.js';

// C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional marks, embeddings,
// overrides and isolates that make a terminal show text in another order than it was written.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// oneLine (line breaks spelled out too) and the spelling live in core/text.ts, pure.
export { oneLine } from '../core/text.js';

// Private-use characters nobody types and no AWS message holds; random so outside text cannot
// forge them. Made when byok first marks a sequence of its own: until then no chunk can hold one,
// and a run without colour (NO_COLOR, a pipe) never draws the random numbers.
const pua = () => Array.from({ length: 6 }, () => String.fromCharCode(0xe000 + randomInt(0x1900))).join('');
let markers: { open: string; close: string; ours: RegExp } | undefined;

/** Marks an escape sequence as byok's own, so the writer lets it through. */
export function ours(sequence: string): string {
  if (sequence === '') return '';
  if (markers === undefined) {
    const open = pua();
    const close = pua();
    markers = { open, close, ours: new RegExp(`${open}([^]*?)${close}`, 'g') };
  }
  return `${markers.open}${sequence}${markers.close}`;
}

export interface WriteOptions {
  /** Mask secret-looking runs (every stream except the ones whose job is to print a credential). */
  scrub: boolean;
  /** Emit byok's own sequences (colours); false drops them (--json: plain text only). */
  ownSequences: () => boolean;
}

/** A chunk as it may reach the terminal. */
export function forTerminal(chunk: string, o: WriteOptions): string {
  // split() with a capture group: even indexes are text, odd ones byok's own sequences.
  return (markers === undefined ? [chunk] : chunk.split(markers.ours))
    .map((part, i) => (i % 2 === 1 ? (o.ownSequences() ? part : '') : (o.scrub ? scrubMessage(part) : part).replace(CONTROL, spell)))
    .join('');
}

/** The same stream, with every string or byte chunk (write, end) passed through forTerminal. */
export function guardStream<S extends Output>(stream: S, o: WriteOptions): S {
  const text = (chunk: unknown): unknown =>
    typeof chunk === 'string' ? forTerminal(chunk, o) : chunk instanceof Uint8Array ? forTerminal(Buffer.from(chunk).toString('utf8'), o) : chunk;
  const guarded = (method: 'write' | 'end') => (chunk: unknown, ...rest: unknown[]): unknown =>
    ((stream as unknown as Record<typeof method, (...a: unknown[]) => unknown>)[method]).call(stream, text(chunk), ...rest);
  const write = guarded('write');
  const end = guarded('end');
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      if (prop === 'end') return end;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The chalk instance with its escape sequences marked as byok's own. The styled text itself is
 * not touched here: it is ordinary text to the writer, escaped if it holds a control character.
 */
export function markedChalk(chalk: ChalkInstance): ChalkInstance {
  // chalk's styles are frozen properties, so the proxy stands on an empty function and forwards.
  const wrap = (style: unknown): unknown => {
    if (typeof style !== 'function') return style;
    const fn = style as (...a: unknown[]) => unknown;
    return new Proxy(() => undefined, {
      get: (_t, prop) => wrap(Reflect.get(fn, prop)),
      apply(_t, _self, args: unknown[]) {
        // Probe the style with one placeholder character to learn its opening and closing codes.
        const probe = fn('\u0000');
        if (typeof probe !== 'string') return wrap(fn(...args)); // chalk.rgb(…) and the like
        const [open = '', close = ''] = probe.split('\u0000');
        return `${ours(open)}${args.map(String).join(' ')}${ours(close)}`;
      },
    });
  };
  return wrap(chalk) as ChalkInstance;
}
