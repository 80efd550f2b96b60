#!/usr/bin/env node
// Runs Stryker, then prints the scores per area (scripts/mutation-summary.mjs) from its report.
//   node scripts/mutation.mjs [stryker config] [Stryker options ...] [--min area=score ...] [--survivors] [--markdown]
// Stryker gets every option but the summary's own (--min area=score, --survivors, --markdown), so
// `npm run mutation -- --force --mutate src/store/lock.ts` reaches Stryker. (npm appends extra
// arguments to the last command of a script, which was the summary's, so they were lost before.)
// The report read is the one the config writes: reports/mutation-trust/ for the trust subset,
// reports/mutation-AREA/ with MUTATION_AREA, else reports/mutation/.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const stryker = [];
const summary = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--min') summary.push(a, args[++i] ?? '');
  else if (a === '--survivors' || a === '--markdown') summary.push(a);
  else stryker.push(a);
}
const config = stryker.find((a) => /\.m?js$/.test(a) && !a.startsWith('-'));
const area = process.env.MUTATION_AREA;
const report = config?.includes('trust') ? 'reports/mutation-trust/mutation.json' : `reports/mutation${area ? `-${area}` : ''}/mutation.json`;

// The package's exports hide bin/, so the CLI is found from its package.json's "bin".
const pkg = createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json');
const bin = join(dirname(pkg), JSON.parse(readFileSync(pkg, 'utf8')).bin.stryker);
const run = spawnSync(process.execPath, [bin, 'run', ...stryker], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
// A dry run (--dryRunOnly) writes no report: nothing to summarise, and nothing failed.
if (!existsSync(report)) {
  console.log(`No report at ${report} (a dry run writes none): no scores to print.`);
  process.exit(0);
}
const sum = spawnSync(process.execPath, [new URL('./mutation-summary.mjs', import.meta.url).pathname, report, ...summary], { stdio: 'inherit' });
process.exit(sum.status ?? 1);
