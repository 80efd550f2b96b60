// The tests that reach the invoke/fallback workflow (src/app/invoke.ts), for MUTATION_AREA=workflow:
// the in-process integration tests of invoke and the fallback engine, of Bedrock API keys, the gateway's (it serves
// through the same engine), and every unit test. Written out rather than merged: mergeConfig
// concatenates `include`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts', 'test/integration/invoke-workflow.test.ts', 'test/integration/app-invoke-engine.test.ts', 'test/integration/api-keys-workflow.test.ts', 'test/integration/invoke-engine-promises.test.ts', 'test/integration/gateway-*.test.ts'],
  },
});
