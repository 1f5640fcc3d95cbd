import Redis from 'ioredis';
import pg from 'pg';
import type { VirtualClock } from './clock';

/**
 * Handlers talk to PostgreSQL (pg), the cache endpoints (ioredis) and the
 * load balancers (fetch) for real. Their I/O is registered with the virtual
 * clock, so time cannot jump while a query or request is in flight. Returns
 * the function that puts the originals back.
 */
export function trackRealIo(clock: VirtualClock): () => void {
  const restores = [
    trackPromiseMethods(pg.Client.prototype, ['connect', 'query', 'end'], clock),
    trackPromiseMethods(Redis.prototype, ['connect', 'sendCommand'], clock),
  ];
  const originalFetch = globalThis.fetch;
  globalThis.fetch = (...args: Parameters<typeof fetch>) => clock.track(originalFetch(...args));
  return () => {
    for (const restore of restores) restore();
    globalThis.fetch = originalFetch;
  };
}

/** Wraps `methods` of a prototype so the promises they return are tracked as real work; returns the restore. */
function trackPromiseMethods(prototype: object, methods: readonly string[], clock: VirtualClock): () => void {
  const originals = methods.map((method): [string, unknown] => [method, Reflect.get(prototype, method)]);
  for (const [method, original] of originals) {
    if (typeof original !== 'function') throw new Error(`twin bug: no method ${method} to track`);
    Reflect.set(prototype, method, function tracked(this: unknown, ...args: unknown[]) {
      const result: unknown = Reflect.apply(original, this, args);
      return result instanceof Promise ? clock.track(result) : result;
    });
  }
  return () => {
    for (const [method, original] of originals) Reflect.set(prototype, method, original);
  };
}
