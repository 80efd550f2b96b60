// Outside text (AWS messages, files, the environment, argv) made safe to show: pure string helpers.

// C0 controls, DEL, C1 controls, line and paragraph separators, and the bidirectional marks,
// embeddings, overrides and isolates that make a terminal show text in another order than written.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_LINE_BREAK = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** \uXXXX: readable in a terminal, and a valid JSON escape of the very same character. */
export const spell = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Outside text shown on one line: every control character and line break spelled out. */
export function oneLine(s: string): string {
  return s.replace(CONTROL_OR_LINE_BREAK, spell);
}

/** Shows user-supplied text safely in a message: on one line, control characters spelled out, overlong input trimmed. */
export function printable(s: string, max = 64): string {
  const clean = oneLine(s);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
