import * as z from 'zod';
import { type PitrPlan, pitrPlanSchema, type TableWrites } from '../../contracts/point-in-time-recovery';
import type { CheckResult } from '../../contracts/restore-verification';
import { newestHeartbeat, withDatabase } from '../shared/database';
import { indexCheck, runUserCheck } from '../shared/database-checks';
import { parseInput } from '../shared/errors';
import { compareData, totalWrites, writesSince } from './data';
import { pitrDepsFromEnv } from './deps';

/** What the runbook learnt from the data: the writes a cutover (or an undo) gives up, and for a restore its checks. */
export interface Findings {
  readonly writes: TableWrites[];
  readonly writesGivenUp: number;
  readonly basis: string;
  /** A restore's: its checks, and the newest heartbeat it holds (how close to the target it landed). */
  readonly checks?: CheckResult[];
  readonly passed?: boolean;
  readonly restoredTo?: string;
}

/** Heartbeats are a minute apart: a restore landed on its target when its newest one is at most this much older. */
const LANDED_WITHIN_SECONDS = 120;

/**
 * Counts, from the application's current data, the writes since the point a cutover would go back to (the target
 * time) or an undo would give up (the cutover): the dry run's and the undo's answer, before anything changes.
 */
export async function countWrites(plan: PitrPlan, secretId: string): Promise<Findings> {
  const since = plan.undoes?.cutoverAt ?? plan.targetTime ?? plan.startedAt;
  return withDatabase({ region: plan.region, instanceId: plan.instanceId, secretId }, async (client) => {
    const { tables, basis } = await writesSince(client, new Date(since));
    return { writes: tables, writesGivenUp: totalWrites(tables), basis };
  });
}

/**
 * Proves the restored instance (it connects; it holds data as of the target: its newest heartbeat is at most a
 * heartbeat interval before the target and none after; the user's checks; b-tree indexes), then compares it with the
 * current database row by row: what a cutover gives up, and what an operator copies back.
 */
export async function verifyRestored(plan: PitrPlan, secretId: string): Promise<Findings> {
  const target = new Date(plan.targetTime ?? plan.startedAt);
  const checks: CheckResult[] = [];
  let restoredTo: Date | undefined;
  let writes: TableWrites[] = [];
  try {
    await withDatabase({ region: plan.region, instanceId: plan.tempInstanceId ?? '', secretId }, async (restored) => {
      checks.push({ name: 'connects', passed: true, detail: `connected to ${plan.tempInstanceId ?? ''}` });
      restoredTo = await newestHeartbeat(restored);
      const behind = restoredTo ? (target.getTime() - restoredTo.getTime()) / 1000 : undefined;
      checks.push({
        name: 'restored to the target time',
        passed: behind !== undefined && behind >= 0 && behind <= LANDED_WITHIN_SECONDS,
        detail: restoredTo
          ? `newest heartbeat ${restoredTo.toISOString()}, ${Math.round(behind ?? 0)} s before the target ${target.toISOString()}`
          : 'no heartbeat row: where the restore landed cannot be told',
      });
      for (const check of plan.checks) checks.push(await runUserCheck(restored, check));
      checks.push(await indexCheck(restored));
      writes = await withDatabase({ region: plan.region, instanceId: plan.instanceId, secretId }, (current) =>
        compareData(current, restored, plan.compareRowLimit),
      );
    });
  } catch (error) {
    checks.push({ name: 'connects', passed: false, detail: error instanceof Error ? error.message : String(error) });
  }
  return {
    writes,
    writesGivenUp: totalWrites(writes),
    basis: 'the restored data against the current data, row by row',
    checks,
    passed: checks.every((c) => c.passed),
    restoredTo: restoredTo?.toISOString(),
  };
}

const eventSchema = z.object({ action: z.enum(['count', 'verify']), state: z.looseObject({ plan: pitrPlanSchema }) });
const { inventory } = pitrDepsFromEnv();

/** The state comes back with the findings added (`$.findings`). */
export const handler = async (event: unknown) => {
  const { action, state } = parseInput(eventSchema, event, 'point-in-time recovery verification');
  const findings =
    action === 'count'
      ? await countWrites(state.plan, inventory.databaseSecretId)
      : await verifyRestored(state.plan, inventory.databaseSecretId);
  return { ...state, findings };
};
