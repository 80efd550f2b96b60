// The fast test set for the trust-path mutation subset (`npm run mutation:trust`, run by .ci/run):
// unit tests and properties only (no emulator, no CLI), so each mutant costs milliseconds.
// Written out rather than merged with vitest.config.ts: mergeConfig concatenates `include`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({ test: { ...base.test, include: ['test/unit/**/*.test.ts'] } });
