#!/usr/bin/env node
// Mutation scores per area from Stryker's JSON report (mutation-testing-report-schema).
//   node scripts/mutation-summary.mjs [report.json] [--min area=score ...] [--markdown]
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it;
// ignored (equivalent, marked in the source) and compile errors are left out.
// With --min, exits 1 when an area's score is below its minimum (the CI gate in .ci/run).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !a.includes('=')) ?? 'reports/mutation/mutation.json';
const mins = new Map();
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--min') {
    const [area, v] = String(args[++i]).split('=');
    mins.set(area, Number(v));
  }
}
const markdown = args.includes('--markdown');

const AREAS = [
  ['core', (f) => f.startsWith('src/core/')],
  ['store', (f) => f.startsWith('src/store/')],
  ['workflow', (f) => f === 'src/app/invoke.ts'],
];

const report = JSON.parse(readFileSync(file, 'utf8'));
const rows = new Map();
const survivors = [];
for (const [name, f] of Object.entries(report.files)) {
  const rel = name.replace(/\\/g, '/').replace(/^.*?(?=src\/)/, '');
  const area = AREAS.find(([, m]) => m(rel))?.[0] ?? 'other';
  const c = { killed: 0, timeout: 0, survived: 0, nocov: 0, ignored: 0, errors: 0 };
  for (const m of f.mutants) {
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Timeout') c.timeout++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.nocov++;
    else if (m.status === 'Ignored') c.ignored++;
    else c.errors++;
    if (m.status === 'Survived' || m.status === 'NoCoverage') survivors.push({ file: rel, line: m.location.start.line, mutator: m.mutatorName, status: m.status, replacement: m.replacement });
  }
  for (const key of [area, `  ${rel}`]) {
    const r = rows.get(key) ?? { killed: 0, timeout: 0, survived: 0, nocov: 0, ignored: 0, errors: 0 };
    for (const k of Object.keys(c)) r[k] += c[k];
    rows.set(key, r);
  }
}
const score = (r) => {
  const valid = r.killed + r.timeout + r.survived + r.nocov;
  return valid === 0 ? 100 : (100 * (r.killed + r.timeout)) / valid;
};
const order = [...rows.keys()].sort((a, b) => {
  const area = (k) => (k.startsWith('  ') ? AREAS.find(([, m]) => m(k.trim()))?.[0] ?? 'other' : k);
  return area(a).localeCompare(area(b)) || (a.startsWith('  ') ? 1 : 0) - (b.startsWith('  ') ? 1 : 0) || a.localeCompare(b);
});
if (markdown) console.log('| area / file | score | killed | timeout | survived | no coverage | ignored |\n|---|---|---|---|---|---|---|');
for (const k of order) {
  const r = rows.get(k);
  const s = score(r).toFixed(2);
  if (markdown) console.log(`| ${k.startsWith('  ') ? `\`${k.trim()}\`` : `**${k}**`} | ${s}% | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.nocov} | ${r.ignored} |`);
  else console.log(`${k.padEnd(40)} ${s.padStart(6)}%  killed ${r.killed}  timeout ${r.timeout}  survived ${r.survived}  no-coverage ${r.nocov}  ignored ${r.ignored}`);
}
if (args.includes('--survivors')) for (const s of survivors) console.log(`${s.status} ${s.file}:${s.line} ${s.mutator} -> ${JSON.stringify(s.replacement)?.slice(0, 100)}`);
let failed = false;
for (const [area, min] of mins) {
  const r = rows.get(area);
  if (!r) { console.error(`mutation gate: no mutants in area ${area}`); failed = true; continue; }
  if (score(r) < min) { console.error(`mutation gate: ${area} scores ${score(r).toFixed(2)}%, below the ${min}% it reached when measured`); failed = true; }
}
process.exit(failed ? 1 : 0);
