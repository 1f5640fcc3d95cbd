import { defineConfig } from 'vitest/config';

/** Files that start a twin: its SDK interception must not meet the unit tests' client mocks in one process. */
const TWIN = [
  'test/workflows/**/*.test.ts',
  'test/local/{drill,iam,runner,twin,twin-fidelity-rds,twin-fidelity-s3,twin-pitr,twin-postgres,browser-check}.test.ts',
  'test/functions/heartbeat.test.ts',
];

const common = {
  setupFiles: ['local/polyfills.ts', 'test/support/iam-refusals.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  // Files share worker processes: the SDK, aws-cdk-lib, the twin and IAM's data load once per worker instead of
  // once per file (measured: import 133 s summed → 20–28 s), and cdk/synth.ts's cache serves every CDK test of a worker.
  // What must not leak between files is per twin or per test: each twin imports its own handler instances
  // (local/workflows.ts), the IAM check takes each file's twins once, fixtures reset their SDK mocks; and the unit
  // tests' SDK client mocks (test/functions/dr/fixtures.ts) live in other processes than the twins (two projects).
  isolate: false,
};

export default defineConfig({
  test: {
    // One worker per core of the 2-core machine: with shared processes a third worker only adds a process to load
    // (measured: 2 → 95–105 s, 3 → 102–110 s).
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: 'twin', include: TWIN } },
      { test: { ...common, name: 'unit', include: ['test/**/*.test.ts'], exclude: TWIN } },
    ],
  },
});
