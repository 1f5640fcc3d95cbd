import { insertHeartbeat, newestHeartbeat, withDatabase } from '../../shared/database';
import { lastHeartbeatWrite } from '../../shared/ledger';
import { databaseIdOf } from '../deps';
import type { RecoveryPoint, StepContext } from './step';

/**
 * The recovery point of the promoted (or restored) database: its newest
 * heartbeat from before the runbook started, against the newest heartbeat
 * the heartbeat function recorded writing into the old writer. Then a write
 * proves the new writer takes writes.
 */
export async function measureRecoveryPoint(ctx: StepContext, instanceId: string): Promise<RecoveryPoint> {
  const { inventory, ledger, run, to, fromRole, clock } = ctx;
  const lastWritten = await lastHeartbeatWrite(ledger, databaseIdOf(inventory, fromRole));
  return withDatabase({ region: to.region, instanceId, secretId: inventory.databaseSecretId }, async (client) => {
    const recovery = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
    if (recovery.rows[0]?.in_recovery) return { writable: false, note: 'still in recovery' };
    const newest = await newestHeartbeat(client, new Date(run.startedAt));
    await insertHeartbeat(client, clock(), `dr-${run.direction}-probe`);
    const reference = lastWritten ?? new Date(run.startedAt);
    return {
      writable: true,
      newestHeartbeat: newest?.toISOString(),
      lastHeartbeatWritten: lastWritten?.toISOString(),
      rpoBasis: lastWritten ? 'newest heartbeat the old writer took (ledger)' : 'runbook start (no heartbeat record found: an upper bound)',
      rpoSeconds: newest ? Math.max(0, (reference.getTime() - newest.getTime()) / 1000) : undefined,
    };
  });
}
