// The emulator's AWS facts are its own (issue 11 §1): src/emulator imports nothing from the rest of
// byok, nothing outside src/emulator reads the emulator's data, and byok's routing table is
// compared with the emulator's AWS data row by row, so a wrong table fails here instead of
// agreeing with itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFERENCE_PROFILES } from '../../../src/core/geography.js';
import { MODELS } from '../../../src/core/models.js';
import { ALL_COMMERCIAL, FOUNDATION_MODELS, PROFILES } from '../../../src/emulator/aws-data.js';

const ROOT = resolve(__dirname, '../../..');
const SRC = join(ROOT, 'src');
const EMULATOR = join(SRC, 'emulator');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const re of [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm]) {
    for (const m of text.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

const resolveSpec = (file: string, spec: string) => (spec.startsWith('.') ? resolve(dirname(file), spec).replace(/\.js$/, '.ts') : null);

describe('the emulator owns its AWS data', () => {
  it('no module in src/emulator imports anything from the rest of byok (src/core tables included)', () => {
    const offending: string[] = [];
    for (const f of tsFiles(EMULATOR)) {
      for (const s of specifiers(f)) {
        const target = resolveSpec(f, s);
        if (target && !target.startsWith(EMULATOR + '/')) offending.push(`${relative(ROOT, f)} imports ${s}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('no module outside src/emulator imports the emulator\'s AWS data', () => {
    const data = join(EMULATOR, 'aws-data.ts');
    const offending: string[] = [];
    for (const f of [...tsFiles(SRC), ...tsFiles(join(ROOT, 'test', 'helpers'))]) {
      if (f.startsWith(EMULATOR + '/')) continue;
      for (const s of specifiers(f)) if (resolveSpec(f, s) === data) offending.push(relative(ROOT, f));
    }
    expect(offending).toEqual([]);
  });
});

/** `${profileId} from ${source}` -> sorted destinations ('*' = any commercial region). */
function byokTable(): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of INFERENCE_PROFILES) {
    for (const model of f.models) {
      for (const [src, dests] of Object.entries(f.routes)) m.set(`${f.prefix}.${MODELS[model].modelId} from ${src}`, [...dests].sort().join(','));
    }
  }
  return m;
}
function emulatorTable(): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of PROFILES) for (const [src, dests] of Object.entries(p.routes)) m.set(`${p.id} from ${src}`, dests === ALL_COMMERCIAL ? '*' : [...dests].sort().join(','));
  return m;
}

/**
 * Differences byok's table may keep, each with its reason. Empty: every difference is a bug in one
 * of the two tables, to be fixed against AWS's documentation.
 */
const ALLOWED_DIFFERENCES: Record<string, string> = {};

describe("byok's routing table against the emulator's AWS data", () => {
  it('the same profiles, source regions and destinations, difference by difference', () => {
    const byok = byokTable();
    const aws = emulatorTable();
    const differences: [route: string, what: string][] = [];
    for (const [k, v] of aws) {
      if (!byok.has(k)) differences.push([k, `AWS routes to ${v}; byok has no such route`]);
      else if (byok.get(k) !== v) differences.push([k, `AWS routes to ${v}; byok routes to ${byok.get(k)}`]);
    }
    for (const [k, v] of byok) if (!aws.has(k)) differences.push([k, `byok routes to ${v}; AWS documents no such route`]);
    expect(differences.filter(([k]) => !(k in ALLOWED_DIFFERENCES)).map(([k, what]) => `${k}: ${what}`)).toEqual([]);
  });

  it('the same foundation model IDs', () => {
    expect(Object.values(MODELS).map((m) => m.modelId).sort()).toEqual(FOUNDATION_MODELS.map((m) => m.modelId).sort());
  });

  it('the comparison is not vacuous: a route byok got wrong would be named', () => {
    // A self-check of the comparison above, on a copy: one destination dropped must be reported.
    const aws = emulatorTable();
    const key = `eu.${MODELS.sonnet.modelId} from eu-west-2`;
    expect(aws.get(key)).toContain('eu-west-2');
    expect(byokTable().get(key)).toBe(aws.get(key));
    expect(aws.size).toBeGreaterThan(60);
  });
});
