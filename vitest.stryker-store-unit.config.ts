// The store's own unit tests only (test/unit/store), for MUTATION_AREA=store-unit: a lower bound on
// the store's score in minutes instead of the hours the whole store area takes (a mutant these
// tests kill, the whole store area kills too). Written out rather than merged: mergeConfig
// concatenates `include`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/unit/store/**/*.test.ts'],
  },
});
