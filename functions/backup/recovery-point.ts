import { z } from 'zod';
import { newestHeartbeat, withDatabase } from '../shared/database';
import { parseInput } from '../shared/errors';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../shared/inventory';
import { backupItemSchema } from './contract';

const eventSchema = z.object({ item: backupItemSchema, snapshotCreatedAt: z.string() });

export interface RecoveryPoint {
  /** Newest heartbeat the snapshot holds (the data it can restore up to). */
  readonly newestHeartbeat?: string;
  /** Snapshot time − newest heartbeat: the RPO this backup gives. */
  readonly rpoSeconds?: number;
}

/**
 * Reads, from the database itself, the newest heartbeat written at or before
 * the snapshot's creation time: the snapshot holds exactly the rows up to then.
 */
export async function measureRecoveryPoint(event: z.infer<typeof eventSchema>, secretId: string): Promise<RecoveryPoint> {
  const snapshotAt = new Date(event.snapshotCreatedAt);
  const newest = await withDatabase({ region: event.item.sourceRegion, instanceId: event.item.identifier, secretId }, (client) => newestHeartbeat(client, snapshotAt));
  if (!newest) return {};
  return { newestHeartbeat: newest.toISOString(), rpoSeconds: Math.max(0, (snapshotAt.getTime() - newest.getTime()) / 1000) };
}

const inventory = jsonEnv('INVENTORY', inventorySchema);

export const handler = async (event: unknown) => measureRecoveryPoint(parseInput(eventSchema, event, 'recovery point request'), inventory.databaseSecretId);
