import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['local/polyfills.ts', 'test/support/iam-refusals.ts'],
    // CDK synths and the real PostgreSQL are the slow parts. Three workers on the 2-core machine: the tests wait on
    // PostgreSQL and on drill subprocesses, so a third overlaps those waits (measured: 2 → 156 s, 3 → 144 s, 4 → 168 s).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 3,
  },
});
