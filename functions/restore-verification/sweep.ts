import { DeleteDBInstanceCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-elasticache';
import { elasticache, rds } from '../shared/clients';
import { jsonEnv } from '../shared/env';
import { type Inventory, inventorySchema } from '../../contracts/inventory';
import { logger } from '../shared/powertools';
import type { RegionRole } from '../../contracts/naming';
import { regionRoleFromEnv } from '../shared/active-region';
import { TEMP_JOB, TEMP_PREFIX, TEMP_TAGS } from '../../contracts/restore-verification';
import { PITR_JOB, PITR_PREFIX } from '../../contracts/point-in-time-recovery';

/** The temporary DB instances of each job: restore verification's, and point-in-time recovery's `restore` copies. */
const TEMPORARY_INSTANCES = [
  { prefix: TEMP_PREFIX, job: TEMP_JOB },
  { prefix: PITR_PREFIX, job: PITR_JOB },
] as const;

export interface SweepResult {
  readonly deleted: string[];
  readonly notYetExpired: string[];
}

/**
 * Deletes the temporary restores (DB instances and cache replication groups)
 * a crashed or kept run left behind in this region (restore verification's, and the copies a point-in-time
 * recovery keeps for the operator) (each region's
 * verification restores only there, and sweeps its own): only those named like
 * one, tagged managed by this job, and past their lifeline:expires-at.
 * Anything else is never touched.
 */
export async function sweep(inventory: Inventory, now: Date, role: RegionRole = 'primary'): Promise<SweepResult> {
  const result: SweepResult = { deleted: [], notYetExpired: [] };
  const regions = [inventory[role].region];
  for (const region of regions) {
    const described = await rds(region).send(new DescribeDBInstancesCommand({}));
    for (const instance of described.DBInstances ?? []) {
      const id = instance.DBInstanceIdentifier ?? '';
      const tag = (key: string) => instance.TagList?.find((t) => t.Key === key)?.Value;
      const ours = TEMPORARY_INSTANCES.some((t) => id.startsWith(t.prefix) && tag(TEMP_TAGS.job) === t.job);
      if (!ours || tag(TEMP_TAGS.managed) !== 'true') continue;
      const expiresAt = Date.parse(tag(TEMP_TAGS.expiresAt) ?? '');
      if (!Number.isFinite(expiresAt) || expiresAt > now.getTime()) {
        result.notYetExpired.push(`${region}/${id}`);
        continue;
      }
      if (instance.DBInstanceStatus === 'deleting') continue;
      await rds(region).send(
        new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
      );
      result.deleted.push(`${region}/${id}`);
    }
  }
  for (const region of regions) {
    const groups = await elasticache(region).send(new DescribeReplicationGroupsCommand({}));
    for (const group of groups.ReplicationGroups ?? []) {
      const id = group.ReplicationGroupId ?? '';
      if (!id.startsWith(TEMP_PREFIX) || group.Status === 'deleting') continue;
      const tags = (await elasticache(region).send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? [];
      const tag = (key: string) => tags.find((t) => t.Key === key)?.Value;
      if (tag(TEMP_TAGS.managed) !== 'true' || tag(TEMP_TAGS.job) !== TEMP_JOB) continue;
      const expiresAt = Date.parse(tag(TEMP_TAGS.expiresAt) ?? '');
      if (!Number.isFinite(expiresAt) || expiresAt > now.getTime()) {
        result.notYetExpired.push(`${region}/${id}`);
        continue;
      }
      await elasticache(region).send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
      result.deleted.push(`${region}/${id}`);
    }
  }
  logger.info('swept temporary restores', { ...result });
  return result;
}

const inventory = jsonEnv('INVENTORY', inventorySchema);

const role = regionRoleFromEnv();

export const handler = async () => sweep(inventory, new Date(), role);
