import * as z from 'zod';

import { MAX_LENGTH, resourceName } from './identifiers';
import { cacheIdOf, databaseIdOf, type Inventory } from './inventory';
import type { RegionRole } from './naming';

export interface BackupTarget {
  readonly id: string;
  readonly kind: 'rds' | 'elasticache';
  readonly identifier: string;
}

/**
 * Every target the backup of a region protects while that region is active: the application's database and cache,
 * then (primary region) any additional ones. The DR region's are what it serves from after a failover: its promoted
 * replica and its cache, or those a pilot-light failover created.
 */
export function backupTargetsOf(inventory: Inventory, role: RegionRole = 'primary'): BackupTarget[] {
  const targets: BackupTarget[] = [];
  const hasDatabase = role === 'dr' || inventory.primary.databaseInstanceId;
  if (hasDatabase) targets.push({ id: 'database', kind: 'rds', identifier: databaseIdOf(inventory, role) });
  if (inventory.primary.cacheReplicationGroupId) targets.push({ id: 'cache', kind: 'elasticache', identifier: cacheIdOf(inventory, role) });
  return role === 'primary' ? [...targets, ...inventory.additionalTargets] : targets;
}

/** What a manual execution (or the schedule) may pass. Defined once: handlers, CDK schedule input and tests use it. */
export const backupInputSchema = z
  .object({
    /** Limit the run to these targets. @default every configured target */
    targets: z.array(z.string().min(1)).min(1, 'must name at least one target').optional(),
    /** Why this run happens (kept in the ledger). */
    reason: z.string().min(1).max(256).optional(),
    /** Who started it. @default manual */
    source: z.enum(['schedule', 'manual']).default('manual'),
  })
  .strict();
export type BackupInput = z.infer<typeof backupInputSchema>;

/** The input the EventBridge Scheduler schedule sends. */
export const SCHEDULED_BACKUP_INPUT: z.input<typeof backupInputSchema> = { source: 'schedule', reason: 'scheduled backup' };

/** One unit of work of the Map state: everything the per-target branch needs. */
export const backupItemSchema = z.object({
  runId: z.string(),
  targetId: z.string().min(1),
  kind: z.enum(['rds', 'elasticache']),
  /** The active region, whose workload is backed up. */
  sourceRegion: z.string(),
  /**
   * The other region, where copies go (`dr*`: the DR region seen from the primary; after a failover, when the DR
   * region backs up, the primary). Its key and bucket follow.
   */
  drRegion: z.string(),
  identifier: z.string(),
  snapshotId: z.string(),
  drKmsKeyArn: z.string(),
  sourceBucket: z.string(),
  drBucket: z.string(),
  /** Seconds to wait before the first status check (the expected duration). */
  firstWaitSeconds: z.number().int().positive(),
  /** Seconds between later checks. */
  pollSeconds: z.number().int().positive(),
  /** First wait and poll interval for the cross-region copy. */
  copyFirstWaitSeconds: z.number().int().positive(),
  copyPollSeconds: z.number().int().positive(),
  startedAt: z.string(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
});
export type BackupItem = z.infer<typeof backupItemSchema>;

/**
 * A snapshot name derived from the execution: a retried or re-run step asks for the same one. One name serves
 * an RDS snapshot and an ElastiCache snapshot (whose API reference sets no rule of its own), so it follows the
 * RDS snapshot identifier's.
 */
export const snapshotName = (targetId: string, executionName: string): string =>
  resourceName(['lifeline', targetId, executionName], MAX_LENGTH.rdsSnapshot);

export const MANAGED_TAG = 'lifeline:managed';
export const TARGET_TAG = 'lifeline:target';
