// Mutation testing (issue 15): `npm run mutation` mutates the code behind byok's promises and
// runs the in-process tests against every mutant. Reports: reports/mutation/ (HTML and JSON);
// scores per area: `node scripts/mutation-summary.mjs`. See README "Mutation testing".
// @ts-check
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // The TypeScript checker only checks the files a mutant touches and what imports them.
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    // core: fallback, error classes, routing and residency, payload guard, credentials, plans,
    // IAM policy, audit event shape and hash link.
    'src/core/fallback.ts',
    'src/core/error-classes.ts',
    'src/core/geography.ts',
    'src/core/routing.ts',
    'src/core/payload-guard.ts',
    'src/core/credentials.ts',
    'src/core/plans.ts',
    'src/core/iam-policy.ts',
    'src/core/audit-event.ts',
    // store: crypto, config store, audit log and its anchor, lock, key providers.
    'src/store/*.ts',
    // workflow: invoke and its fallback.
    'src/app/invoke.ts',
  ],
  // The machine has two cores and is shared: two test runners at most.
  concurrency: 2,
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignorePatterns: ['reports', 'coverage', '.vitest-tmp', 'bench'],
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 20000,
  // The shared 2-core machine can be loaded several times over: give the initial run room.
  dryRunTimeoutMinutes: 30,
  timeoutFactor: 2,
  thresholds: { high: 90, low: 80, break: null },
};
export default config;
