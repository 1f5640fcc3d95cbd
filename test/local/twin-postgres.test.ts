import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type ServerOptions } from '../../local/twin/data-plane';

const listen = (port = 0) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;

describe("the twin's PostgreSQL servers", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-twin-pg-test-'));
    dirs.push(dir);
    return dir;
  };
  const options = (databaseDir: string): ServerOptions => ({
    databaseDir,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
  });
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('starts on another port when another process binds the free port first, and serves there', async () => {
    // The race a free port loses under parallel tests, made certain: the first port offered is already bound.
    const squatter = await listen();
    const offered: number[] = [];
    const pick = async () => {
      const free = await listen();
      const port = offered.length === 0 ? portOf(squatter) : portOf(free);
      await new Promise((resolve) => free.close(resolve));
      offered.push(port);
      return port;
    };
    const { server, port } = await startServer(options(scratch()), (first) => first.initialise(), pick);
    try {
      expect(offered).toHaveLength(2);
      expect(port).toBe(offered[1]);
      expect(port).not.toBe(portOf(squatter));
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'test', database: 'postgres' });
      await client.connect();
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      await client.end();
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await server.stop();
      squatter.close();
    }
  });

  it('fails a server that exits before it is ready with what PostgreSQL said, not an empty rejection', async () => {
    // A directory with no cluster in it: PostgreSQL exits at once, saying why on its last line.
    const error = await startServer(options(scratch())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/twin: PostgreSQL did not start on port \d+/);
    expect((error as Error).message).toMatch(/\npostgres: .+/);
  });
});
