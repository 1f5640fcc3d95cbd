import { execFileSync } from 'node:child_process';

/**
 * Wall times are medians and percentiles of several runs; this machine is
 * shared, so read them as orders of magnitude and compare runs of the same
 * machine.
 */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10;
};

/** The `p` quantile (0–1) of `values`, in hundredths: with fewer than 1/(1−p) values, p99 is their maximum. */
export const percentile = (values: number[], p: number): number =>
  Math.round([...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] * 100) / 100;

/** Real milliseconds `work` takes. */
export async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Real milliseconds a command takes to run to completion (it must succeed). */
export function commandWallMs(command: string, args: string[]): number {
  const start = performance.now();
  execFileSync(command, args, { stdio: 'ignore', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
  return Math.round(performance.now() - start);
}
