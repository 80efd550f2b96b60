// The test set Stryker runs for `npm run mutation`. Stryker mutates src/ inside its sandbox and
// runs these tests in-process (one worker thread per runner), so only tests that import src/
// can see a mutant. Left out, because they spawn the BUILT CLI (bin/byok.js -> dist/, which is
// not rebuilt per mutant) or other processes, and so can never kill one:
//   test/e2e/**, test/attack/**           spawn bin/byok.js
//   test/integration/emulator-awscli      spawns the AWS CLI
//   test/integration/emulator-concurrency spawns node processes
// test/integration/connection and iam mix in-process runs (runInProcess) with a few spawned
// ones; they stay, and their spawned tests simply never cover a mutant.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        '**/node_modules/**',
        'test/e2e/**',
        'test/attack/**',
        'test/integration/emulator-awscli.test.ts',
        'test/integration/emulator-concurrency.test.ts',
      ],
    },
  }),
);
