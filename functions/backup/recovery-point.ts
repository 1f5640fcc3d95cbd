import * as z from 'zod';
import { withCache } from '../shared/cache';
import { countRows, newestHeartbeat, withDatabase } from '../shared/database';
import { parseInput } from '../shared/errors';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../../contracts/inventory';
import { backupItemSchema } from '../../contracts/backup';

const eventSchema = z.object({ item: backupItemSchema, snapshotCreatedAt: z.string() });

export interface RecoveryPoint {
  /** Newest heartbeat the snapshot holds (the data it can restore up to). */
  readonly newestHeartbeat?: string;
  /** Snapshot time − newest heartbeat: the RPO this backup gives. */
  readonly rpoSeconds?: number;
  /** Rows per table of the public schema, counted right after the snapshot (restore verification compares). */
  readonly rowCounts?: Record<string, number>;
  /** Keys in a cache (DBSIZE) right after its snapshot (restore verification compares). */
  readonly keyCount?: number;
}

/**
 * For a cache: the number of keys (DBSIZE) just after its snapshot. For a
 * database: reads, from the database itself, the newest heartbeat written at or before
 * the snapshot's creation time (the snapshot holds exactly the rows up to
 * then), and the row count of each table for restore verification. Counted
 * on the live database just after the snapshot: writes in between are what
 * the verification's tolerance absorbs.
 */
export async function measureRecoveryPoint(
  event: z.infer<typeof eventSchema>,
  secretId: string,
  cacheSecretId?: string,
): Promise<RecoveryPoint> {
  if (event.item.kind === 'elasticache') {
    if (!cacheSecretId) return {};
    const keyCount = await withCache(
      { region: event.item.sourceRegion, replicationGroupId: event.item.identifier, authSecretId: cacheSecretId },
      (client) => client.dbsize(),
    );
    return { keyCount };
  }
  const snapshotAt = new Date(event.snapshotCreatedAt);
  const { newest, rowCounts } = await withDatabase(
    { region: event.item.sourceRegion, instanceId: event.item.identifier, secretId },
    async (client) => ({
      newest: await newestHeartbeat(client, snapshotAt),
      rowCounts: await countRows(client),
    }),
  );
  if (!newest) return { rowCounts };
  return { newestHeartbeat: newest.toISOString(), rpoSeconds: Math.max(0, (snapshotAt.getTime() - newest.getTime()) / 1000), rowCounts };
}

const inventory = jsonEnv('INVENTORY', inventorySchema);

export const handler = async (event: unknown) => {
  const request = parseInput(eventSchema, event, 'recovery point request');
  // The cache of the region backed up has its own AUTH token; the master secret is replicated under one name.
  const cacheSecretId = [inventory.primary, inventory.dr].find((r) => r.region === request.item.sourceRegion)?.cacheAuthSecretId;
  return measureRecoveryPoint(request, inventory.databaseSecretId, cacheSecretId);
};
