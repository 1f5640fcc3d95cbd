import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, PromoteReadReplicaCommand } from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DatabasePlan } from '../../../functions/dr/preflight/plan';
import { database } from '../../../functions/dr/steps/database';
import type { RecoveryPoint, StepContext } from '../../../functions/dr/steps/step';
import { aws, changes, DR, instance, notFound, PRIMARY, resetAws, sent, settings, stepContext, tagsOf } from './fixtures';

const replica = instance('shop-dr-db', { ReadReplicaSourceDBInstanceIdentifier: `arn:aws:rds:${PRIMARY}:111122223333:db:shop-primary-db` });
const restorePlan: DatabasePlan = {
  action: 'restore',
  instanceId: 'shop-dr-db',
  source: 'snapshot',
  snapshotId: 'shop-db-copy-0630',
  snapshotAgeSeconds: 3600,
  instanceClass: 'db.r6g.large',
};

describe('database step', () => {
  beforeEach(resetAws);

  it('start promotes the DR read replica and waits the promotion time', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [replica] });
    aws.rds[DR].on(PromoteReadReplicaCommand).resolves({});

    // Act
    const outcome = await database.start(stepContext());

    // Assess
    expect(changes()).toEqual([
      {
        service: 'rds',
        region: DR,
        command: 'PromoteReadReplica',
        input: { DBInstanceIdentifier: 'shop-dr-db', BackupRetentionPeriod: 7 },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.promoteReplica,
      detail: { instanceId: 'shop-dr-db', action: 'promote read replica' },
    });
  });

  it('start promotes nothing when the instance was promoted earlier (a re-run)', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-dr-db')] });

    // Act
    const outcome = await database.start(stepContext());

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome).toEqual({ ready: false, waitSeconds: 0, detail: { instanceId: 'shop-dr-db', action: 'already promoted' } });
  });

  it('start waits out a busy replica (a promotion a failed run began); the check promotes a replica left idle', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...replica, DBInstanceStatus: 'modifying' }] });
    aws.rds[DR].on(PromoteReadReplicaCommand).resolves({});

    // Act
    const started = await database.start(stepContext());
    const stillBusy = await database.check(stepContext(), started.detail);
    const changedWhileBusy = changes().length;
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [replica] });
    const idle = await database.check(stepContext(), started.detail);

    // Assess
    expect(started).toEqual({ ready: false, waitSeconds: 0, detail: { instanceId: 'shop-dr-db', action: 'already promoted' } });
    expect(stillBusy).toMatchObject({ ready: false, detail: { status: 'modifying' } });
    expect(changedWhileBusy).toBe(0);
    expect(idle).toMatchObject({ ready: false, detail: { action: 'promote read replica' } });
    expect(changes().map((c) => c.command)).toEqual(['PromoteReadReplica']);
  });

  it('start fails when the replica to promote does not exist', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);

    // Act
    const started = database.start(stepContext());

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'DatabaseNotFound', message: `shop-dr-db not found in ${DR}` });
    expect(changes()).toEqual([]);
  });

  it("start restores the copied snapshot into the DR placement with deletion protection and the run's tags (pilot light)", async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);

    // Act
    const outcome = await database.start(stepContext({ preflight: { database: restorePlan } }));

    // Assess
    expect(changes()).toEqual([
      {
        service: 'rds',
        region: DR,
        command: 'RestoreDBInstanceFromDBSnapshot',
        input: {
          DBInstanceIdentifier: 'shop-dr-db',
          DBSnapshotIdentifier: 'shop-db-copy-0630',
          DBInstanceClass: 'db.r6g.large',
          DBSubnetGroupName: 'shop-dr-db-subnets',
          VpcSecurityGroupIds: ['sg-dr-db'],
          MultiAZ: true,
          PubliclyAccessible: false,
          DeletionProtection: true,
          Tags: tagsOf('failover'),
        },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.restoreInstance,
      detail: { instanceId: 'shop-dr-db', action: 'restore shop-db-copy-0630' },
    });
  });

  it('start continues the restore this execution began instead of restoring again', async () => {
    // Prepare
    const restoring = instance('shop-dr-db', {
      DBInstanceStatus: 'creating',
      TagList: [{ Key: 'lifeline:execution', Value: 'failover-1' }],
    });
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoring] });

    // Act
    const outcome = await database.start(stepContext({ preflight: { database: restorePlan } }));

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome.waitSeconds).toBe(settings.timings.restoreInstance);
  });

  it('start refuses to take over an instance of that name another execution created', async () => {
    // Prepare
    const foreign = instance('shop-dr-db', { TagList: [{ Key: 'lifeline:execution', Value: 'failover-0' }] });
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [foreign] });

    // Act
    const started = database.start(stepContext({ preflight: { database: restorePlan } }));

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'NameConflict' });
    expect(changes()).toEqual([]);
  });

  it('start is done at once, without a call, when the application has no database', async () => {
    // Act
    const outcome = await database.start(stepContext({ preflight: { database: undefined } }));

    // Assess
    expect(outcome).toEqual({ ready: true, detail: { skipped: 'no database' } });
    expect(sent()).toEqual([]);
  });

  it.each([
    ['still a replica', replica, 'available'],
    ['not yet available', instance('shop-dr-db', { DBInstanceStatus: 'modifying' }), 'modifying'],
  ])('check waits while the instance is %s', async (_, described, status) => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [described] });

    // Act
    const outcome = await database.check(stepContext(), { instanceId: 'shop-dr-db', action: 'promote read replica' });

    // Assess
    expect(outcome).toEqual({ ready: false, detail: { instanceId: 'shop-dr-db', action: 'promote read replica', status } });
  });

  it('check of a failover measures the recovery point on the new writer once it is available', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-dr-db')] });
    const measured: string[] = [];
    const point: RecoveryPoint = { writable: true, rpoBasis: 'ledger', rpoSeconds: 4, newestHeartbeat: '2026-07-01T11:49:56.000Z' };
    const measureRecoveryPoint = async (_ctx: StepContext, instanceId: string) => {
      measured.push(instanceId);
      return point;
    };

    // Act
    const outcome = await database.check(stepContext({ io: { measureRecoveryPoint } }), { instanceId: 'shop-dr-db', action: 'x' });

    // Assess
    expect(measured).toEqual(['shop-dr-db']);
    expect(outcome).toEqual({ ready: true, detail: { instanceId: 'shop-dr-db', action: 'x', status: 'available', ...point } });
    expect(changes()).toEqual([]);
  });

  it('check of a failback turns deletion protection on: the rebuilt primary is production again', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-primary-db', { DeletionProtection: false })] });
    aws.rds[PRIMARY].on(ModifyDBInstanceCommand).resolves({});
    const ctx = stepContext({
      direction: 'failback',
      preflight: { database: { action: 'rebuild', instanceId: 'shop-primary-db', sourceInstanceId: 'shop-dr-db' } },
    });

    // Act
    const outcome = await database.check(ctx, { instanceId: 'shop-primary-db', action: 'promote read replica' });

    // Assess
    expect(changes()).toEqual([
      {
        service: 'rds',
        region: PRIMARY,
        command: 'ModifyDBInstance',
        input: { DBInstanceIdentifier: 'shop-primary-db', DeletionProtection: true, ApplyImmediately: true },
      },
    ]);
    expect(outcome).toMatchObject({
      ready: true,
      detail: { status: 'available', writable: 'standalone (checked by the application health)' },
    });
  });

  it('check of a failback leaves deletion protection alone when it is on', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-primary-db', { DeletionProtection: true })] });
    const ctx = stepContext({ direction: 'failback' });

    // Act
    const outcome = await database.check(ctx, { instanceId: 'shop-primary-db' });

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome.ready).toBe(true);
  });
});
