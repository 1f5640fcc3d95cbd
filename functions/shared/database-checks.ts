import type pg from 'pg';
import type { CheckResult, UserCheck } from '../../contracts/restore-verification';

const compare = (actual: number, op: UserCheck['op'], expected: number) =>
  op === '>'
    ? actual > expected
    : op === '>='
      ? actual >= expected
      : op === '='
        ? actual === expected
        : op === '<='
          ? actual <= expected
          : actual < expected;

/** A user's check: its SQL, read-only, returns one number compared with the expected value. */
export async function runUserCheck(client: pg.Client, check: UserCheck): Promise<CheckResult> {
  await client.query('BEGIN READ ONLY');
  try {
    const result = await client.query<Record<string, unknown>>(check.sql);
    const first = result.rows[0] ? Object.values(result.rows[0])[0] : undefined;
    const actual = Number(first);
    if (!Number.isFinite(actual)) return { name: check.name, passed: false, detail: `returned ${JSON.stringify(first)}, not a number` };
    return { name: check.name, passed: compare(actual, check.op, check.value), detail: `${actual} ${check.op} ${check.value}` };
  } catch (error) {
    return { name: check.name, passed: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** B-tree index checks with amcheck, where the extension is available. */
export async function indexCheck(client: pg.Client): Promise<CheckResult> {
  const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'");
  if (available.rowCount === 0) return { name: 'indexes (amcheck)', passed: true, detail: 'amcheck is not available here: skipped' };
  await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
  const indexes = await client.query<{ index: string }>(
    'SELECT c.oid::regclass::text AS index FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam ' +
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE am.amname = 'btree' AND n.nspname = 'public'",
  );
  try {
    for (const { index } of indexes.rows) await client.query('SELECT bt_index_check($1::regclass)', [index]);
    return { name: 'indexes (amcheck)', passed: true, detail: `${indexes.rows.length} b-tree indexes verified` };
  } catch (error) {
    return { name: 'indexes (amcheck)', passed: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
