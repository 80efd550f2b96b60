// What the payload guard reads from a gateway request: the raw body, plus every string in it as
// the model will see it — JSON escapes decoded (`AKIA\u0049…`, `\/`), and base64 that decodes to
// text (a Converse document's `bytes`, an InvokeModel base64 `text/plain` document). The guard
// scanning only the raw JSON let all of those through (attack review, stop 18).

const BASE64 = /^[A-Za-z0-9+/]{16,}={0,2}$/;

/** Text a model would read from a base64 string, or null when it is not text. */
function decodedText(s: string): string | null {
  if (s.length % 4 !== 0 || !BASE64.test(s)) return null;
  const buf = Buffer.from(s, 'base64');
  const text = buf.toString('utf8');
  // Mostly printable UTF-8: a document, not an image.
  const printable = text.replace(/[^\t\n\r\x20-\x7e\u00a0-\uffff]/g, '').length;
  return text.length > 0 && !text.includes('\ufffd') && printable / text.length > 0.95 ? text : null;
}

function collect(v: unknown, out: string[], depth: number): void {
  if (depth > 64) return;
  if (typeof v === 'string') {
    out.push(v);
    const d = decodedText(v);
    if (d !== null) out.push(d);
  } else if (Array.isArray(v)) {
    for (const x of v) collect(x, out, depth + 1);
  } else if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) collect(x, out, depth + 1);
  }
}

/** The raw body and, when it is JSON, each of its strings decoded, one per line. */
export function payloadTextOf(body: Buffer): string {
  const raw = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return raw;
  }
  const parts: string[] = [];
  collect(parsed, parts, 0);
  return [raw, ...parts].join('\n');
}
