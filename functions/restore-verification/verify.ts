import { withCache } from '../shared/cache';
import { newestHeartbeat, withDatabase } from '../shared/database';
import { jsonEnv } from '../shared/env';
import { parseInput } from '../shared/errors';
import { inventorySchema } from '../../contracts/inventory';
import { type CheckResult, type VerificationPlan, verificationPlanSchema } from '../../contracts/restore-verification';
import { indexCheck, runUserCheck } from '../shared/database-checks';

export interface Verification {
  readonly checks: CheckResult[];
  readonly passed: boolean;
  readonly newestHeartbeat?: string;
  /** Snapshot time − newest heartbeat found in the restored data. */
  readonly rpoSeconds?: number;
  readonly verifiedAt: string;
}

/**
 * Proves the restored copy: it connects; the tables the backup recorded
 * exist; their row counts match within the tolerance; the user's own checks
 * pass; the newest heartbeat gives the RPO; indexes pass amcheck.
 */
export async function verifyRestore(plan: VerificationPlan, secretId: string, now: Date): Promise<Verification> {
  if (plan.kind === 'elasticache') return verifyCacheRestore(plan, now);
  const checks: CheckResult[] = [];
  let newest: Date | undefined;
  try {
    await withDatabase({ region: plan.region, instanceId: plan.tempInstanceId, secretId }, async (client) => {
      checks.push({ name: 'connects', passed: true, detail: `connected to ${plan.tempInstanceId}` });
      const tables = new Set(
        (
          await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ).rows.map((r) => r.table_name),
      );
      for (const table of ['lifeline_heartbeat', ...Object.keys(plan.expected.rowCounts)]) {
        checks.push({
          name: `table ${table} exists`,
          passed: tables.has(table),
          detail: tables.has(table) ? 'present' : 'missing from the restored database',
        });
      }
      for (const [table, expected] of Object.entries(plan.expected.rowCounts)) {
        if (!tables.has(table)) continue;
        const actual = Number(
          (await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`)).rows[0]?.n ?? 0,
        );
        const allowed = Math.floor((expected * plan.expected.tolerancePercent) / 100);
        checks.push({
          name: `rows of ${table}`,
          passed: Math.abs(actual - expected) <= allowed,
          detail: `${actual} restored, ${expected} at snapshot time (±${allowed})`,
        });
      }
      for (const check of plan.checks) checks.push(await runUserCheck(client, check));
      newest = tables.has('lifeline_heartbeat') ? await newestHeartbeat(client) : undefined;
      checks.push({
        name: 'heartbeat present',
        passed: newest !== undefined,
        detail: newest ? `newest ${newest.toISOString()}` : 'no heartbeat row: the RPO cannot be measured',
      });
      checks.push(await indexCheck(client));
    });
  } catch (error) {
    checks.push({ name: 'connects', passed: false, detail: error instanceof Error ? error.message : String(error) });
  }
  const rpoSeconds = newest ? Math.max(0, (Date.parse(plan.snapshotCreatedAt) - newest.getTime()) / 1000) : undefined;
  return {
    checks,
    passed: checks.every((c) => c.passed),
    newestHeartbeat: newest?.toISOString(),
    rpoSeconds,
    verifiedAt: now.toISOString(),
  };
}

/**
 * A restored cache: it answers (PING) and holds the keys its snapshot held
 * (DBSIZE against the count recorded at backup time, within the tolerance).
 */
export async function verifyCacheRestore(plan: VerificationPlan, now: Date): Promise<Verification> {
  const checks: CheckResult[] = [];
  try {
    await withCache({ region: plan.region, replicationGroupId: plan.tempInstanceId }, async (client) => {
      const pong = await client.ping();
      checks.push({ name: 'answers', passed: pong === 'PONG', detail: `PING → ${pong}` });
      const keys = await client.dbsize();
      const expected = plan.expected.keyCount;
      if (expected === undefined)
        checks.push({ name: 'keys', passed: keys > 0, detail: `${keys} keys (no count recorded at backup time)` });
      else {
        const allowed = Math.floor((expected * plan.expected.tolerancePercent) / 100);
        checks.push({
          name: 'keys',
          passed: Math.abs(keys - expected) <= allowed,
          detail: `${keys} restored, ${expected} at snapshot time (±${allowed})`,
        });
      }
    });
  } catch (error) {
    checks.push({ name: 'answers', passed: false, detail: error instanceof Error ? error.message : String(error) });
  }
  return { checks, passed: checks.every((c) => c.passed), verifiedAt: now.toISOString() };
}

const inventory = jsonEnv('INVENTORY', inventorySchema);

export const handler = async (event: unknown) =>
  verifyRestore(parseInput(verificationPlanSchema, event, 'verification plan'), inventory.databaseSecretId, new Date());
