import { JOB_FUNCTIONS } from '../contracts/jobs';
import { percentile } from './stats';

/** Every function's handler time, in process on the twin, keyed by its entry (as the bundle figures are). */
export class HandlerSamples {
  private readonly samples = new Map<string, number[]>();
  private readonly entries = new Map<string, string>(
    Object.entries(JOB_FUNCTIONS).flatMap(([job, functions]) =>
      Object.entries(functions).map(([placeholder, spec]) => [`${job}-${placeholder}`, spec.entry] as const),
    ),
  );

  /** The runner's `onInvoke`: a function's name is `<job>-<placeholder>`. */
  readonly record = (functionName: string, wallMs: number) => {
    const entry = this.entries.get(functionName) ?? functionName;
    const samples = this.samples.get(entry) ?? [];
    samples.push(wallMs);
    this.samples.set(entry, samples);
  };

  /** Times a function the bench calls itself (a scheduled one), under its entry. */
  async time<T>(entry: string, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await call();
    } finally {
      this.record(entry, performance.now() - start);
    }
  }

  /** p99 of fewer than 100 invocations is their maximum; `invocations` says how many there were. */
  figures(): Record<string, { p50: number; p99: number; invocations: number }> {
    return Object.fromEntries(
      [...this.samples]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([entry, ms]) => [entry, { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), invocations: ms.length }]),
    );
  }
}
