import { createServer, type Server } from 'node:http';
import type { Health } from './health';

/**
 * A loopback HTTP server per region in place of its application load
 * balancer: the health check path answers from the twin's state, so health
 * verification makes real HTTP requests; any other path is a 404.
 */
export class LoadBalancers {
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly healthCheckPath: string,
    private readonly healthOf: (region: string) => Health,
  ) {}

  /** Starts the load balancer of `region` on a free port; returns its endpoint (`host:port`). */
  async start(region: string): Promise<string> {
    const server = createServer((req, res) => {
      if (req.url !== this.healthCheckPath) {
        res.writeHead(404).end();
        return;
      }
      const health = this.healthOf(region);
      res.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', region, reasons: health.reasons }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.set(region, server);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error(`The load balancer of ${region} has no TCP address`);
    return `127.0.0.1:${address.port}`;
  }

  /** Closes every server; safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.servers.clear();
  }
}
