import {
  type DBSnapshot,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from '@aws-sdk/client-rds';
import { rds } from '../../shared/clients';
import { lastHeartbeatResourceId } from '../../shared/ledger';
import { createdBy, describeInstance, hasTag, replicaLagSeconds, replicatesFrom, staleName } from '../aws';
import { databaseIdOf } from '../deps';
import { Findings, type PreflightContext } from './findings';
import type { DatabasePlan, Part } from './plan';

export type DatabasePart = Part<{ readonly plan?: DatabasePlan; readonly estimatedRpoSeconds?: number }>;

/** Statuses a replica goes through while RDS promotes it (modifying, its reboot, the first backup). */
const PROMOTION_UNDER_WAY = ['modifying', 'rebooting', 'backing-up'];

/** Warm standby failover: the DR replica is promoted; its lag is the RPO to expect. */
async function promotePlan({ to, toRole, inventory, now }: PreflightContext): Promise<DatabasePart> {
  const findings = new Findings();
  const targetId = databaseIdOf(inventory, toRole);
  const name = `${to.region} database`;
  const described = await findings.probe(name, true, () =>
    rds(to.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: targetId })),
  );
  const instance = described?.DBInstances?.[0];
  if (!instance) return { checks: findings.checks };
  const replica = Boolean(instance.ReadReplicaSourceDBInstanceIdentifier);
  const status = instance.DBInstanceStatus ?? 'unknown';
  // A run started again after one that failed midway finds the promotion it began still going: RDS finishes it.
  if (PROMOTION_UNDER_WAY.includes(status))
    findings.pass(name, `${targetId} is ${status}: a promotion begun earlier (or a change) the run waits out before it goes on`);
  else if (status !== 'available') findings.fail(name, `${targetId} is ${status}, not available`);
  else
    findings.pass(
      name,
      replica
        ? `${targetId} is an available read replica`
        : `${targetId} is already a standalone instance (promoted earlier): nothing to promote`,
    );
  const lag = replica ? await findings.probe('replica lag', false, () => replicaLagSeconds(to.region, targetId, now, 10)) : undefined;
  if (lag !== undefined)
    findings.note('replica lag', lag <= inventory.rpoSeconds, `${Math.round(lag)} s behind (RPO target ${inventory.rpoSeconds} s)`);
  return {
    checks: findings.checks,
    plan: { action: replica ? 'promote' : 'already-promoted', instanceId: targetId, replicaLagSeconds: lag },
    estimatedRpoSeconds: lag,
  };
}

/** The newest available snapshot copy the backup job made of the database. */
const newestCopy = (snapshots: readonly DBSnapshot[]): DBSnapshot | undefined =>
  snapshots
    .filter(
      (s) => s.Status === 'available' && hasTag(s.TagList, 'lifeline:managed', 'true') && hasTag(s.TagList, 'lifeline:target', 'database'),
    )
    .sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))[0];

/**
 * The primary database's automated backups replicated to the DR region (cross-Region automated backups), with the
 * latest time they restore to: RDS copies its snapshots and transaction logs there as they are ready.
 */
async function replicatedBackups(ctx: PreflightContext, findings: Findings) {
  const { to, from, inventory } = ctx;
  const name = `${to.region} replicated automated backups`;
  // Unfiltered: the DBInstanceIdentifier filter "must match the identifier of an existing DB instance" (API reference),
  // and the source instance does not exist in this region.
  const listed = await findings.probe(name, false, () => rds(to.region).send(new DescribeDBInstanceAutomatedBackupsCommand({})));
  const named = (listed?.DBInstanceAutomatedBackups ?? []).filter(
    (b) =>
      b.Region === from.region &&
      b.DBInstanceIdentifier === inventory.primary.databaseInstanceId &&
      b.DBInstanceAutomatedBackupsArn &&
      b.RestoreWindow?.LatestTime,
  );
  // A backup's DBInstanceIdentifier is the name its instance had: after a failback another instance has that name.
  // Only those of the instance the heartbeat last wrote into (its resource id, in the ledger) hold the current data.
  const current = await lastHeartbeatResourceId(ctx.ledger, inventory.primary.databaseInstanceId ?? '');
  const found = named.find((b) => current === undefined || b.DbiResourceId === current);
  if (named.length && !found)
    findings.note(
      name,
      false,
      `the replicated automated backups are of an earlier instance named ${inventory.primary.databaseInstanceId} ` +
        `(${named.map((b) => b.DbiResourceId).join(', ')}), not of the current one (${current}): not used. ` +
        'Start the replication for the current instance (start-db-instance-automated-backups-replication in this region).',
    );
  return found?.DBInstanceAutomatedBackupsArn && found.RestoreWindow?.LatestTime
    ? { arn: found.DBInstanceAutomatedBackupsArn, earliest: found.RestoreWindow.EarliestTime, latest: found.RestoreWindow.LatestTime }
    : undefined;
}

/**
 * Pilot light failover: restores the newer of the newest copied snapshot and the replicated automated backups'
 * latest restorable time; how old the chosen one is, is the RPO to expect, and the plan says why it was chosen.
 */
async function restorePlan(ctx: PreflightContext): Promise<DatabasePart> {
  const { run, to, toRole, inventory, settings, now } = ctx;
  const findings = new Findings();
  const targetId = databaseIdOf(inventory, toRole);
  const name = `${to.region} snapshot copies`;
  const existing = await describeInstance(to.region, targetId);
  const described = await findings.probe(name, true, () => rds(to.region).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' })));
  const newest = newestCopy(described?.DBSnapshots ?? []);
  const backups = await replicatedBackups(ctx, findings);
  if (existing && createdBy(existing.TagList, run))
    findings.pass(`${to.region} database`, `${targetId} was restored by this execution already: continuing`);
  else if (existing)
    findings.fail(
      `${to.region} database`,
      `${targetId} already exists in ${to.region} and was not created by this execution: resolve the name conflict first`,
    );
  const snapshotAge = newest?.DBSnapshotIdentifier ? (now.getTime() - (newest.SnapshotCreateTime?.getTime() ?? 0)) / 1000 : undefined;
  const backupsAge = backups ? (now.getTime() - backups.latest.getTime()) / 1000 : undefined;
  const minutes = (seconds: number) => `${Math.round(seconds / 60)} min`;
  if (snapshotAge !== undefined) findings.pass(name, `newest copy ${newest?.DBSnapshotIdentifier}, ${minutes(snapshotAge)} old`);
  if (backups && backupsAge !== undefined)
    findings.pass(
      `${to.region} replicated automated backups`,
      `restorable from ${backups.earliest?.toISOString() ?? 'their start'} to ${backups.latest.toISOString()} ` +
        `(${Math.round(backupsAge)} s ago)`,
    );
  if (snapshotAge === undefined && backupsAge === undefined) {
    if (described) findings.fail(name, `no available Lifeline copy nor replicated automated backups of the database in ${to.region}`);
    return { checks: findings.checks };
  }
  const useBackups = backupsAge !== undefined && (snapshotAge === undefined || backupsAge < snapshotAge);
  const age = (useBackups ? backupsAge : snapshotAge) ?? 0;
  const why = useBackups
    ? `the replicated automated backups restore to ${backups?.latest.toISOString()}, ` +
      (snapshotAge === undefined ? 'and there is no snapshot copy' : `newer than the newest snapshot copy (${minutes(snapshotAge)} old)`)
    : 'the newest snapshot copy is newer than ' +
      (backupsAge === undefined
        ? 'any replicated automated backup (none)'
        : `the replicated automated backups' latest time (${minutes(backupsAge)} ago)`);
  findings.note('expected RPO', age <= inventory.rpoSeconds, `${Math.round(age)} s (RPO target ${inventory.rpoSeconds} s): ${why}`);
  return {
    checks: findings.checks,
    plan: {
      action: 'restore',
      instanceId: targetId,
      source: useBackups ? 'automated-backups' : 'snapshot',
      snapshotId: useBackups ? undefined : newest?.DBSnapshotIdentifier,
      automatedBackupsArn: useBackups ? backups?.arn : undefined,
      snapshotAgeSeconds: age,
      why,
      instanceClass: settings.instanceClass,
    },
    estimatedRpoSeconds: age,
  };
}

/**
 * Failback: the DR database must be the standalone writer a failover left; the
 * original region's instance is rebuilt as its replica. When that region
 * answers, an instance there that is not yet that replica holds the data of
 * before the failover: it will be kept under another name.
 */
async function rebuildPlan(
  { from, to, fromRole, toRole, inventory, now }: PreflightContext,
  primaryReachable: boolean,
): Promise<DatabasePart> {
  const findings = new Findings();
  const targetId = databaseIdOf(inventory, toRole);
  const sourceId = databaseIdOf(inventory, fromRole);
  const name = `${from.region} database`;
  const described = await findings.probe(name, true, () =>
    rds(from.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: sourceId })),
  );
  const source = described?.DBInstances?.[0];
  if (source?.ReadReplicaSourceDBInstanceIdentifier)
    findings.fail(name, `${sourceId} is still a read replica: there is no failover to undo`);
  else if (source && source.DBInstanceStatus !== 'available')
    findings.fail(name, `${sourceId} is ${source.DBInstanceStatus}, not available`);
  else if (source) findings.pass(name, `${sourceId} is the standalone writer`);
  const old = primaryReachable ? await describeInstance(to.region, targetId) : undefined;
  const staleInstanceId = old && !replicatesFrom(old, sourceId) ? staleName(targetId, now) : undefined;
  if (staleInstanceId)
    findings.pass(
      'name conflict',
      `${targetId} in ${to.region} holds the data from before the failover: ` +
        `it will be renamed ${staleInstanceId} (kept, deletion protection on)`,
      false,
    );
  return { checks: findings.checks, plan: { action: 'rebuild', instanceId: targetId, sourceInstanceId: sourceId, staleInstanceId } };
}

/** The database plan, per direction and strategy; none when the application has no database. */
export async function databaseChecks(ctx: PreflightContext, primaryReachable: boolean): Promise<DatabasePart> {
  if (!ctx.inventory.primary.databaseInstanceId) return { checks: [] };
  if (ctx.run.direction === 'failback') return rebuildPlan(ctx, primaryReachable);
  return ctx.inventory.strategy === 'warm-standby' ? promotePlan(ctx) : restorePlan(ctx);
}
