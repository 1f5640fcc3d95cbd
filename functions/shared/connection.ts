/** A client that opens its connection when asked (pg.Client; ioredis with lazyConnect). */
interface Connectable {
  connect(): Promise<unknown>;
}

/**
 * Opens `client`, runs `work` with it, then closes it with `close` (each
 * client library closes its own way), whether `work` returns or throws.
 */
export async function withConnected<C extends Connectable, T>(
  client: C,
  close: (client: C) => unknown,
  work: (client: C) => Promise<T>,
): Promise<T> {
  await client.connect();
  try {
    return await work(client);
  } finally {
    await close(client);
  }
}
