// The tests that reach the store (src/store), for MUTATION_AREA=store: its unit tests, the
// in-process integration tests that read and write configs and the audit log, and the attacker's
// scenarios of test/attack/state.test.ts run in this process (BYOK_TEST_IN_PROCESS=1: the same
// program through runInProcess instead of the built CLI, which a mutant never reaches). Written
// out rather than merged: mergeConfig concatenates `include`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/unit/store/**/*.test.ts',
      'test/attack/state.test.ts',
      'test/integration/cli-local.test.ts',
      'test/integration/invoke-workflow.test.ts',
      'test/integration/platform-credentials.test.ts',
      'test/integration/api-keys-workflow.test.ts',
    ],
    env: { ...base.test?.env, BYOK_TEST_IN_PROCESS: '1' },
  },
});
