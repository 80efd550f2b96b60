// The fast test set for the trust-path mutation subset (`npm run mutation:trust`, run by .ci/run):
// unit tests and properties only (no emulator, no CLI), so each mutant costs milliseconds.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(base, defineConfig({ test: { include: ['test/unit/**/*.test.ts'] } }));
