// byok's classifier against a corpus of real AWS errors (issue 11 §5): test/fixtures/aws-errors.json
// holds IAM, STS, Bedrock and Bedrock Runtime errors quoted verbatim from public issue threads, AWS
// pages and the AWS API models, each with the category and retryability DESIGN §4.3 gives it.
// The expectations were written from the product's rules, not from what the classifier says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyError, ERROR_CATEGORIES, RETRYABLE_CATEGORIES, type ErrorCategory } from '../../../src/core/error-classes.js';

export interface CorpusEntry {
  id: string;
  service: 'iam' | 'sts' | 'bedrock' | 'bedrock-runtime';
  code: string | null;
  httpStatus: number | null;
  message: string | null;
  source: string;
  expected: { category: ErrorCategory; retryable: boolean };
  note?: string;
}

const corpus = JSON.parse(readFileSync(new URL('../../fixtures/aws-errors.json', import.meta.url), 'utf8')) as { entries: CorpusEntry[] };
const entries = corpus.entries;

const classify = (e: CorpusEntry) =>
  classifyError({ code: e.code ?? undefined, status: e.httpStatus ?? undefined, message: e.message ?? undefined });

describe('the corpus is what it claims to be', () => {
  it('holds at least 150 distinct errors, each with a source and an expectation in the product vocabulary', () => {
    expect(entries.length).toBeGreaterThanOrEqual(150);
    const keys = new Set<string>();
    for (const e of entries) {
      expect(['iam', 'sts', 'bedrock', 'bedrock-runtime'], e.id).toContain(e.service);
      expect(e.source, e.id).toMatch(/^https:\/\/|^[\w.-]+\/[\w.-]+@[0-9a-f]{40}:/);
      expect(e.code !== null || e.httpStatus !== null || e.message !== null, `${e.id} has something to classify`).toBe(true);
      expect(ERROR_CATEGORIES, e.id).toContain(e.expected.category);
      // The expectation itself obeys DESIGN §4.3: retryable exactly for the three retryable categories.
      expect(e.expected.retryable, e.id).toBe(RETRYABLE_CATEGORIES.includes(e.expected.category));
      const key = JSON.stringify([e.service, e.code, e.httpStatus, e.message?.replace(/\s+/g, ' ')]);
      expect(keys.has(key), `${e.id} duplicates another entry`).toBe(false);
      keys.add(key);
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });
});

describe('every real AWS error gets the category and retryability the product rules give it (DESIGN §4.3)', () => {
  it.each(entries.map((e) => [e.id, `${e.service} ${e.code ?? '-'} ${e.httpStatus ?? '-'} "${(e.message ?? '').slice(0, 70)}"`, e] as const))(
    '%s %s',
    (_id, _label, e) => {
      const c = classify(e);
      expect({ category: c.category, retryable: c.retryable }, `${e.source}: ${c.explanation}`).toEqual(e.expected);
    },
  );
});

describe('figures over the whole corpus (README)', () => {
  it('no error AWS means as non-retryable is classified retryable; the figures are printed', () => {
    let retryRight = 0;
    let categoryRight = 0;
    const falseRetryable: string[] = [];
    for (const e of entries) {
      const c = classify(e);
      if (c.retryable === e.expected.retryable) retryRight++;
      if (c.category === e.expected.category) categoryRight++;
      if (c.retryable && !e.expected.retryable) falseRetryable.push(`${e.id} ${e.code} ${e.message}`);
    }
    const pct = (n: number) => `${((100 * n) / entries.length).toFixed(1)}%`;
    console.log(
      `aws-errors corpus: ${entries.length} errors; retryable right ${retryRight}/${entries.length} (${pct(retryRight)}); ` +
        `category right ${categoryRight}/${entries.length} (${pct(categoryRight)}); non-retryable classified retryable: ${falseRetryable.length}`,
    );
    expect(falseRetryable).toEqual([]);
  });
});
