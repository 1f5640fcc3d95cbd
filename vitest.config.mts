import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['local/polyfills.ts', 'test/support/iam-refusals.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files share worker processes: the SDK, aws-cdk-lib, the twin and IAM's data load once per worker instead of
    // once per file (measured: import 133 s summed → 20–28 s), and cdk/synth.ts's cache serves every CDK test of a worker.
    // What must not leak between files is per twin or per test: each twin imports its own handler instances
    // (local/workflows.ts), the IAM check takes each file's twins once, fixtures reset their SDK mocks.
    isolate: false,
    // One worker per core of the 2-core machine: with shared processes a third worker only adds a process to load
    // (measured: 2 → 95–105 s, 3 → 102–110 s).
    maxWorkers: 2,
  },
});
