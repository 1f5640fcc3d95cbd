import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ecs } from '../../shared/clients';
import {
  type BackupReplication,
  describeInstance,
  replaceWithReplica,
  replicateAutomatedBackups,
  replicationSource,
  runTags,
  setDatabaseParameter,
} from '../aws';
import { databaseIdOf } from '../deps';
import { serviceSteady } from './service-state';
import type { RecoveryStep, StepContext } from './step';

/** Makes `id` in the region traffic left a replica of the writer `primaryId` again (renaming what holds the name aside). */
async function replicaOfWriter({ run, from, to, inventory, now }: StepContext, id: string, primaryId: string, staleId?: string) {
  const source = await replicationSource(to.region, primaryId);
  return replaceWithReplica({ id, source, placement: from, multiAz: false, tags: runTags(run, inventory.appName), now, staleId });
}

/**
 * The rebuilt primary is another instance than the one whose automated backups the DR region holds (the replication
 * follows a DbiResourceId): when they are replicated, its own replication starts, or a pilot light's next failover
 * would have only snapshot copies (and the preflight would refuse the old instance's backups). Undefined when not.
 */
async function replicateBackupsOfPrimary({ to, from, preflight, settings }: StepContext): Promise<BackupReplication | undefined> {
  const primaryId = preflight.database?.instanceId;
  if (!settings.backupReplication.on || !primaryId) return undefined;
  // `from` is the DR region: failback leaves it.
  return replicateAutomatedBackups(await replicationSource(to.region, primaryId), from, settings.backupReplication.retentionDays);
}

/**
 * Failback's last step, back to standby: the DR service shrinks to its
 * standby size, (warm standby) the DR database replicates from the
 * primary again, and (when configured) so do the primary's automated backups.
 */
export const reprotect: RecoveryStep<'reprotect'> = {
  pollSeconds: 60,
  async start(ctx) {
    const { from, fromRole, preflight, inventory, settings } = ctx;
    const warm = inventory.strategy === 'warm-standby';
    await ecs(from.region).send(
      new UpdateServiceCommand({ cluster: from.cluster, service: from.service, desiredCount: warm ? settings.standbyCount : 0 }),
    );
    const drId = databaseIdOf(inventory, fromRole);
    const primaryId = preflight.database?.instanceId;
    const current = await describeInstance(from.region, drId);
    if (!warm || !primaryId)
      return {
        ready: false,
        waitSeconds: settings.timings.taskStop,
        detail: {
          standbyCount: 0,
          database: current ? `${drId} kept (restored by the failover; delete it when no longer needed)` : 'none',
          backupReplication: await replicateBackupsOfPrimary(ctx),
        },
      };
    const replacement = await replicaOfWriter(ctx, drId, primaryId);
    // The DR application uses its replica again, as deployed: its endpoint becomes the writer's at the next failover,
    // which then neither repoints nor redeploys it.
    await setDatabaseParameter(from.region, inventory.appName, drId);
    // After the replica is asked for: a replication RDS refuses must not leave the warm standby without its replica.
    const backupReplication = await replicateBackupsOfPrimary(ctx);
    const detail = {
      standbyCount: settings.standbyCount,
      replica: drId,
      renamed: replacement.renamed,
      waitingFor: replacement.waitingFor,
      backupReplication,
    };
    const { renameInstance, createReplica } = settings.timings;
    return replacement.waitingFor === 'rename'
      ? { ready: false, waitSeconds: renameInstance, plannedSeconds: renameInstance + createReplica, detail }
      : { ready: false, waitSeconds: createReplica, detail };
  },
  async check(ctx, detail) {
    const { from, preflight, settings } = ctx;
    if (detail.waitingFor === 'rename' && detail.replica) {
      // The writer's old name is free only once its rename completes: then the replica is asked for.
      const replacement = await replicaOfWriter(ctx, detail.replica, preflight.database?.instanceId ?? '', detail.renamed);
      const next = { ...detail, renamed: replacement.renamed ?? detail.renamed, waitingFor: replacement.waitingFor };
      return replacement.waitingFor === 'rename'
        ? { ready: false, detail: { ...next, replicaStatus: replacement.status } }
        : { ready: false, waitSeconds: settings.timings.createReplica, detail: { ...next, replicaStatus: undefined } };
    }
    const replica = detail.replica ? await describeInstance(from.region, detail.replica) : undefined;
    const { steady, detail: service } = await serviceSteady(from);
    const backupReplication =
      detail.backupReplication === 'waiting for the instance' ? await replicateBackupsOfPrimary(ctx) : detail.backupReplication;
    return {
      ready: steady && (!detail.replica || replica?.DBInstanceStatus === 'available') && backupReplication !== 'waiting for the instance',
      detail: { ...detail, ...service, replicaStatus: replica?.DBInstanceStatus, backupReplication },
    };
  },
};
