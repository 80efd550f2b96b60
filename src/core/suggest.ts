// "Did you mean …?" for values, as commander does for commands and options. Pure.

/** Optimal-string-alignment distance (a swap of two neighbours counts as one edit). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be what was meant (a prefix counts too). */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const v = input.trim().toLowerCase();
  if (v === '' || v.length > 64) return undefined;
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const dist = c.startsWith(v) && v.length >= 3 ? 1 : editDistance(v, c.toLowerCase());
    if (best === undefined || dist < best.d) best = { c, d: dist };
  }
  if (!best) return undefined;
  return best.d <= Math.max(1, Math.min(3, Math.floor(best.c.length / 3))) ? best.c : undefined;
}

/** " Did you mean X?" or "" — for the end of a sentence. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const c = closest(input, candidates);
  return c !== undefined ? ` Did you mean ${c}?` : '';
}
