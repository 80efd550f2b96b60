// Mutation testing (issue 15): `npm run mutation` mutates the code behind byok's promises and
// runs the in-process tests against every mutant. Reports: reports/mutation/ (HTML and JSON);
// scores per area: `node scripts/mutation-summary.mjs`. See README "Mutation testing".
// One area at a time (each with its own report and incremental file): MUTATION_AREA=core|store|store-unit|workflow
// npm run mutation. The whole run is ~3,900 mutants; on this 2-core machine Stryker's own estimate
// for it was about 6 hours (2026-11-27), most of it the store, whose mutants every integration test reaches.
// @ts-check

// core: fallback, error classes, routing and residency, payload guard, credentials, plans,
// IAM policy, audit event shape and hash link.
const CORE = ['src/core/fallback.ts', 'src/core/error-classes.ts', 'src/core/geography.ts', 'src/core/routing.ts', 'src/core/payload-guard.ts', 'src/core/credentials.ts', 'src/core/plans.ts', 'src/core/iam-policy.ts', 'src/core/audit-event.ts'];
// store: crypto, config store, audit log and its anchor, lock, key providers.
const STORE = ['src/store/*.ts'];
// workflow: invoke and its fallback.
const WORKFLOW = ['src/app/invoke.ts'];

/**
 * Each area with the tests that can reach it: core's rules are pinned by unit tests and properties
 * (fast); the store and the workflow need the in-process integration tests.
 * @type {Record<string, { mutate: string[]; vitest: string }>}
 */
const AREAS = {
  core: { mutate: CORE, vitest: 'vitest.stryker-unit.config.ts' },
  store: { mutate: STORE, vitest: 'vitest.stryker-store.config.ts' },
  // A lower bound on the store's score from its unit tests alone (minutes, not hours).
  'store-unit': { mutate: STORE, vitest: 'vitest.stryker-store-unit.config.ts' },
  workflow: { mutate: WORKFLOW, vitest: 'vitest.stryker-workflow.config.ts' },
};
const area = process.env.MUTATION_AREA;
if (area !== undefined && !(area in AREAS)) throw new Error(`MUTATION_AREA must be one of ${Object.keys(AREAS).join(', ')}; got ${area}`);
const suffix = area === undefined ? '' : `-${area}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: area === undefined ? 'vitest.stryker.config.ts' : AREAS[area].vitest },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // The TypeScript checker only checks the files a mutant touches and what imports them.
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: area === undefined ? [...CORE, ...STORE, ...WORKFLOW] : AREAS[area].mutate,
  // The machine has two cores and is shared: two test runners at most.
  concurrency: 2,
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/stryker${suffix}-incremental.json`,
  ignorePatterns: ['reports', 'coverage', '.vitest-tmp', 'bench'],
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `reports/mutation${suffix}/mutation.html` },
  jsonReporter: { fileName: `reports/mutation${suffix}/mutation.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 20000,
  // The shared 2-core machine can be loaded several times over: give the initial run room.
  dryRunTimeoutMinutes: 30,
  timeoutFactor: 2,
  thresholds: { high: 90, low: 80, break: null },
};
export default config;
