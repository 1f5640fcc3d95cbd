import { AsyncLocalStorage } from 'node:async_hooks';
import * as FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof FakeTimers.install>;

/** Real timer functions, captured before any fake clock is installed. */
const realSetImmediate = globalThis.setImmediate;

/**
 * The twin's virtual clock. Between executions it is a plain number that the
 * caller advances; while {@link drive} runs, @sinonjs/fake-timers replaces
 * `setTimeout` and `Date`, so a Step Functions Wait (which aws-local-stepfunctions
 * implements with `setTimeout`) or a twin latency costs no real time, and the
 * event timestamps it records (`Date.now()`) are virtual.
 *
 * Real I/O (PostgreSQL, HTTP on loopback) is registered with {@link track}:
 * the clock only jumps to the next timer when no real work is in flight, so a
 * timeline never depends on how fast this machine is.
 */
export class VirtualClock {
  private nowMs: number;
  private installed?: InstalledClock;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(start: Date | number = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.nowMs = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.installed ? this.installed.now : this.nowMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  iso(): string {
    return this.date().toISOString();
  }

  /** Moves time forward between executions ("an hour passes"). */
  advance(ms: number): void {
    if (this.installed) throw new Error('advance() is for between executions; inside one use sleep()');
    this.nowMs += ms;
  }

  /** A virtual delay: a fake timer while driving, instantaneous otherwise. */
  sleep(ms: number): Promise<void> {
    if (!this.installed) {
      this.nowMs += ms;
      return Promise.resolve();
    }
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Registers real I/O so the clock does not jump while it is in flight. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await work;
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private realYield(): Promise<void> {
    return new Promise((resolve) => realSetImmediate(resolve));
  }

  private idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Work the current driver is running: concurrent executions share one fake clock. */
  private readonly pending = new Set<Promise<unknown>>();

  /** Counts `work` as pending until it settles. */
  private join<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    work.then(
      () => this.pending.delete(work),
      () => this.pending.delete(work),
    );
    return work;
  }

  /**
   * Runs `work` under fake timers: whenever nothing real is in flight and
   * promises have settled, the clock jumps to the next timer. Calls made
   * while a driver runs (nested child executions, or several executions
   * started at once) join it; the clock is restored when all have settled.
   */
  async drive<T>(work: () => Promise<T>): Promise<T> {
    if (this.installed) return this.join(work());
    this.installed = FakeTimers.install({
      now: this.nowMs,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      shouldClearNativeTimers: true,
    });
    const clock = this.installed;
    // Node's own timers run a callback in the async context that scheduled it; fake timers would run it in the
    // driver's. Binding keeps what AsyncLocalStorage carries (the principal IAM authorizes a call as) across a timer.
    const fakeSetTimeout = globalThis.setTimeout;
    const fakeSetInterval = globalThis.setInterval;
    const bound = <F extends (...args: never[]) => unknown>(schedule: F) =>
      ((callback: (...args: unknown[]) => void, ...rest: unknown[]) =>
        (schedule as unknown as (...args: unknown[]) => unknown)(
          typeof callback === 'function' ? AsyncLocalStorage.bind(callback) : callback,
          ...rest,
        )) as unknown as F;
    globalThis.setTimeout = bound(fakeSetTimeout);
    globalThis.setInterval = bound(fakeSetInterval);
    const result = this.join(work());
    try {
      while (this.pending.size > 0) {
        // Let promise chains and real callbacks run before deciding time may pass.
        await this.realYield();
        if (this.pending.size === 0) break;
        if (this.inFlight > 0) {
          await this.idle();
          continue;
        }
        if (clock.countTimers() === 0) continue;
        // Synchronously, after the setImmediate yield above: fake-timers' nextAsync waits out two real
        // setTimeout(0)s (at least 1 ms each) per timer, which at 400 concurrent executions was most of a run's wall time.
        clock.next();
      }
      return await result;
    } finally {
      globalThis.setTimeout = fakeSetTimeout;
      globalThis.setInterval = fakeSetInterval;
      this.nowMs = clock.now;
      clock.uninstall();
      this.installed = undefined;
    }
  }
}
