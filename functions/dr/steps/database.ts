import {
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { rds } from '../../shared/clients';
import { LifelineError } from '../../shared/errors';
import { createdBy, describeInstance, runTags } from '../aws';
import type { DatabasePlan } from '../preflight/plan';
import type { StepDetails } from './progress';
import type { Outcome, RecoveryStep, StepContext } from './step';

type Detail = StepDetails['database'];

const alreadyPromoted = (instanceId: string): Outcome<Detail> => ({
  ready: false,
  waitSeconds: 0,
  detail: { instanceId, action: 'already promoted' },
});

/** Promotes the replica the preflight found (warm standby, or the failback's rebuilt one), unless it is promoted already. */
async function promote({ to, settings }: StepContext, instanceId: string): Promise<Outcome<Detail>> {
  const instance = await describeInstance(to.region, instanceId);
  // Not available: a promotion an earlier run began (RDS finishes it), or a change; the check promotes if it must.
  if (instance?.ReadReplicaSourceDBInstanceIdentifier && instance.DBInstanceStatus !== 'available') return alreadyPromoted(instanceId);
  if (instance?.ReadReplicaSourceDBInstanceIdentifier) {
    await rds(to.region).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: instanceId, BackupRetentionPeriod: 7 }));
    return { ready: false, waitSeconds: settings.timings.promoteReplica, detail: { instanceId, action: 'promote read replica' } };
  }
  if (!instance) throw new LifelineError('DatabaseNotFound', `${instanceId} not found in ${to.region}`);
  return alreadyPromoted(instanceId);
}

/** Restores the newest copied snapshot (pilot light); a re-run finds the instance this execution restored. */
async function restore(
  { run, to, settings, inventory }: StepContext,
  plan: Extract<DatabasePlan, { action: 'restore' }>,
): Promise<Outcome<Detail>> {
  const existing = await describeInstance(to.region, plan.instanceId);
  const placement = {
    DBInstanceClass: plan.instanceClass,
    DBSubnetGroupName: to.dbSubnetGroupName,
    VpcSecurityGroupIds: to.databaseSecurityGroupId ? [to.databaseSecurityGroupId] : undefined,
    MultiAZ: true,
    PubliclyAccessible: false,
    DeletionProtection: true,
    Tags: runTags(run, inventory.appName),
  };
  const fromBackups = plan.source === 'automated-backups';
  if (!existing && fromBackups) {
    // The latest restorable time when the restore starts: logs that arrived since the preflight count too.
    await rds(to.region).send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceAutomatedBackupsArn: plan.automatedBackupsArn,
        TargetDBInstanceIdentifier: plan.instanceId,
        UseLatestRestorableTime: true,
        ...placement,
      }),
    );
  } else if (!existing) {
    await rds(to.region).send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: plan.instanceId,
        DBSnapshotIdentifier: plan.snapshotId,
        ...placement,
      }),
    );
  } else if (!createdBy(existing.TagList, run)) {
    throw new LifelineError('NameConflict', `${plan.instanceId} exists in ${to.region} and was not restored by this execution`);
  }
  return {
    ready: false,
    waitSeconds: fromBackups ? settings.timings.restorePointInTime : settings.timings.restoreInstance,
    detail: {
      instanceId: plan.instanceId,
      action: fromBackups ? 'restore the replicated automated backups to their latest restorable time' : `restore ${plan.snapshotId}`,
    },
  };
}

/** The database becomes the writer in the region traffic moves to: promoted, or restored from a snapshot copy. */
export const database: RecoveryStep<'database'> = {
  pollSeconds: 15,
  async start(ctx) {
    const plan = ctx.preflight.database;
    if (!plan) return { ready: true, detail: { skipped: 'no database' } };
    switch (plan.action) {
      case 'already-promoted':
        return alreadyPromoted(plan.instanceId);
      case 'promote':
      case 'rebuild':
        return promote(ctx, plan.instanceId);
      case 'restore':
        return restore(ctx, plan);
    }
  },
  async check(ctx, detail) {
    const { run, to, preflight, io } = ctx;
    const id = detail.instanceId ?? preflight.database?.instanceId ?? '';
    const instance = await describeInstance(to.region, id);
    // Still a replica once available, and this run promoted nothing (its start found it busy): nothing is promoting
    // it. (After our own PromoteReadReplica, RDS may still describe it available for a moment: that is waited out.)
    if (
      instance?.DBInstanceStatus === 'available' &&
      instance.ReadReplicaSourceDBInstanceIdentifier &&
      detail.action === 'already promoted'
    )
      return promote(ctx, id);
    if (!instance || instance.DBInstanceStatus !== 'available' || instance.ReadReplicaSourceDBInstanceIdentifier)
      return { ready: false, detail: { ...detail, status: instance?.DBInstanceStatus ?? 'missing' } };
    if (run.direction === 'failback') {
      // The rebuilt primary is production again: protect it from deletion.
      if (!instance.DeletionProtection)
        await rds(to.region).send(
          new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: true, ApplyImmediately: true }),
        );
      return { ready: true, detail: { ...detail, status: 'available', writable: 'standalone (checked by the application health)' } };
    }
    return { ready: true, detail: { ...detail, status: 'available', ...(await io.measureRecoveryPoint(ctx, id)) } };
  },
};
