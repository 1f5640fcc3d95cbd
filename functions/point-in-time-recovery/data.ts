import type pg from 'pg';
import type { TableWrites } from '../../contracts/point-in-time-recovery';

/** Lifeline's own table: its rows are not the application's writes. */
const HEARTBEAT_TABLE = 'lifeline_heartbeat';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface Table {
  readonly name: string;
  /** Primary-key columns, in key order (empty: the table has none). */
  readonly key: string[];
}

/** The application's tables (public schema, Lifeline's heartbeat table excepted) with their primary keys. */
async function applicationTables(client: pg.Client): Promise<Table[]> {
  const result = await client.query<{ name: string; key: string[] | null }>(
    `SELECT c.relname AS name,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> $1
      ORDER BY c.relname`,
    [HEARTBEAT_TABLE],
  );
  return result.rows.map((r) => ({ name: r.name, key: r.key ?? [] }));
}

/**
 * The transaction of the newest heartbeat written at or before `at`: every transaction after it committed after
 * that heartbeat, so rows whose xmin is younger were written (inserted, or updated: an update writes a new row
 * version) after it. Heartbeats are a minute apart: up to a minute of writes before `at` can count as after it.
 */
async function heartbeatXid(client: pg.Client, at: Date): Promise<{ xid: string; writtenAt: Date } | undefined> {
  const result = await client.query<{ xid: string; written_at: Date }>(
    `SELECT xmin::text AS xid, written_at FROM ${HEARTBEAT_TABLE} WHERE written_at <= $1 ORDER BY written_at DESC LIMIT 1`,
    [at],
  );
  const row = result.rows[0];
  return row ? { xid: row.xid, writtenAt: row.written_at } : undefined;
}

/**
 * The application's writes since `at`, counted from the data as it is now: per table, the rows inserted or updated
 * by a transaction younger than the newest heartbeat at or before `at` (age() compares transaction ids across
 * wraparound). Deleted rows leave nothing to count: a restore's comparison counts them.
 */
export async function writesSince(client: pg.Client, at: Date): Promise<{ tables: TableWrites[]; basis: string }> {
  const mark = await heartbeatXid(client, at);
  const tables = await applicationTables(client);
  if (!mark)
    return {
      tables: [],
      basis: `no heartbeat at or before ${at.toISOString()}: the writes since cannot be told apart from earlier ones`,
    };
  const counted: TableWrites[] = [];
  for (const table of tables) {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quote(table.name)} WHERE age(xmin) < age($1::text::xid)`,
      [mark.xid],
    );
    counted.push({ table: table.name, written: Number(result.rows[0]?.n ?? 0), basis: 'row versions younger than the heartbeat' });
  }
  return {
    tables: counted,
    basis:
      `rows inserted or updated after the heartbeat of ${mark.writtenAt.toISOString()} (transaction ${mark.xid}); ` +
      'deletions are counted by a restore, which compares the data row by row',
  };
}

/** Each row's key and a digest of the whole row, or undefined when the table has more rows than `limit`. */
async function rowDigests(client: pg.Client, table: Table, limit: number): Promise<Map<string, string> | undefined> {
  const count = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(table.name)}`)).rows[0]?.n ?? 0);
  if (count > limit) return undefined;
  const key = table.key.map((k) => `t.${quote(k)}`).join(', ');
  const result = await client.query<{ k: string; h: string }>(
    `SELECT ROW(${key})::text AS k, md5(t::text) AS h FROM ${quote(table.name)} t`,
  );
  return new Map(result.rows.map((r) => [r.k, r.h]));
}

const rowCount = async (client: pg.Client, table: string): Promise<number> =>
  Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(table)}`)).rows[0]?.n ?? 0);

/**
 * What differs between the restored data and the current data, table by table, row by row (by primary key): the
 * rows inserted, updated and deleted since the restored point, which a cutover gives up and a copy-back restores.
 * A table without a primary key, or with more than `limit` rows, is compared by its row count only.
 */
export async function compareData(current: pg.Client, restored: pg.Client, limit: number): Promise<TableWrites[]> {
  const [now, then] = [await applicationTables(current), await applicationTables(restored)];
  const names = [...new Set([...now, ...then].map((t) => t.name))].sort();
  const result: TableWrites[] = [];
  for (const name of names) {
    const inNow = now.find((t) => t.name === name);
    const inThen = then.find((t) => t.name === name);
    if (!inNow || !inThen) {
      const only = inNow ? 'current' : 'restored';
      result.push({
        table: name,
        ...(inNow ? { inserted: await rowCount(current, name) } : { deleted: await rowCount(restored, name) }),
        basis: `only in the ${only} database (the table was ${inNow ? 'created' : 'dropped'} since)`,
      });
      continue;
    }
    const sameKey = inNow.key.length > 0 && inNow.key.join() === inThen.key.join();
    const [a, b] = sameKey ? [await rowDigests(current, inNow, limit), await rowDigests(restored, inThen, limit)] : [undefined, undefined];
    if (!a || !b) {
      const difference = (await rowCount(current, name)) - (await rowCount(restored, name));
      result.push({
        table: name,
        ...(difference >= 0 ? { inserted: difference } : { deleted: -difference }),
        basis: sameKey ? `more than ${limit} rows: the row counts only` : 'no primary key to match rows by: the row counts only',
      });
      continue;
    }
    let inserted = 0;
    let updated = 0;
    for (const [key, digest] of a) {
      const before = b.get(key);
      if (before === undefined) inserted += 1;
      else if (before !== digest) updated += 1;
    }
    let deleted = 0;
    for (const key of b.keys()) if (!a.has(key)) deleted += 1;
    result.push({ table: name, inserted, updated, deleted, basis: 'row by row, by primary key' });
  }
  return result;
}

/** The rows a set of table counts adds up to. */
export const totalWrites = (tables: readonly TableWrites[]): number =>
  tables.reduce((n, t) => n + (t.inserted ?? 0) + (t.updated ?? 0) + (t.deleted ?? 0) + (t.written ?? 0), 0);
