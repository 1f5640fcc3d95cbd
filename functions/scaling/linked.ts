import { DecreaseReplicaCountCommand, DescribeReplicationGroupsCommand, IncreaseReplicaCountCommand } from '@aws-sdk/client-elasticache';
import {
  CreateDBInstanceReadReplicaCommand,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import * as z from 'zod';
import { elasticache, rds } from '../shared/clients';

/** The part of a decision a linked change needs. */
export const linkedChangeSchema = z.object({
  target: z.enum(['cache-replicas', 'database-replicas']),
  region: z.string(),
  resourceId: z.string(),
  replicaId: z.string().optional(),
  direction: z.enum(['out', 'in']),
  to: z.number().int().min(0),
});
export type LinkedChange = z.infer<typeof linkedChangeSchema>;

/**
 * Applies a change to a linked target: the cache's replica count, or one RDS
 * read replica created (tagged as Lifeline's) or removed (only one this
 * workflow created, by name). Safe to retry: a replica that already exists,
 * or is already gone, is the change already made.
 */
export async function applyLinked(change: LinkedChange): Promise<{ applied: string }> {
  if (change.target === 'cache-replicas') {
    const command =
      change.direction === 'out'
        ? new IncreaseReplicaCountCommand({ ReplicationGroupId: change.resourceId, NewReplicaCount: change.to, ApplyImmediately: true })
        : new DecreaseReplicaCountCommand({ ReplicationGroupId: change.resourceId, NewReplicaCount: change.to, ApplyImmediately: true });
    await elasticache(change.region).send(command);
    return { applied: `${change.resourceId}: ${change.to} replicas` };
  }
  if (!change.replicaId) throw new Error('A database replica change names its replica');
  if (change.direction === 'out') {
    try {
      await rds(change.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: change.replicaId }));
      return { applied: `${change.replicaId} already exists` };
    } catch (error) {
      if (!(error instanceof DBInstanceNotFoundFault)) throw error;
    }
    await rds(change.region).send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: change.replicaId,
        SourceDBInstanceIdentifier: change.resourceId,
        Tags: [
          { Key: 'lifeline:managed', Value: 'true' },
          { Key: 'lifeline:job', Value: 'alarm-scaling' },
        ],
      }),
    );
    return { applied: `creating read replica ${change.replicaId}` };
  }
  try {
    await rds(change.region).send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: change.replicaId, SkipFinalSnapshot: true }));
  } catch (error) {
    if (!(error instanceof DBInstanceNotFoundFault)) throw error;
  }
  return { applied: `deleting read replica ${change.replicaId}` };
}

/** Whether the linked change has finished: the group available again, the replica available, or gone. */
export async function linkedStatus(change: LinkedChange): Promise<{ done: boolean; status: string }> {
  if (change.target === 'cache-replicas') {
    const group = (await elasticache(change.region).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: change.resourceId })))
      .ReplicationGroups?.[0];
    const replicas = (group?.MemberClusters?.length ?? 1) - 1;
    return { done: group?.Status === 'available' && replicas === change.to, status: `${group?.Status ?? 'missing'}, ${replicas} replicas` };
  }
  try {
    const instance = (await rds(change.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: change.replicaId })))
      .DBInstances?.[0];
    const status = instance?.DBInstanceStatus ?? 'missing';
    return { done: change.direction === 'out' && status === 'available', status };
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return { done: change.direction === 'in', status: 'deleted' };
    throw error;
  }
}
