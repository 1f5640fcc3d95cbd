import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DatabasePlan } from '../../../functions/dr/preflight/plan';
import { replication } from '../../../functions/dr/steps/replication';
import { aws, changes, DR, instance, NOW, notFound, PRIMARY, resetAws, sent, settings, stepContext } from './fixtures';

const rebuild: DatabasePlan = {
  action: 'rebuild',
  instanceId: 'shop-primary-db',
  sourceInstanceId: 'shop-dr-db',
  staleInstanceId: 'shop-primary-db-stale-202607011150',
};
const failback = () => stepContext({ direction: 'failback', preflight: { database: rebuild } });
const writer = instance('shop-dr-db');
const replicaOfWriter = instance('shop-primary-db', { ReadReplicaSourceDBInstanceIdentifier: writer.DBInstanceArn });

describe('replication step (failback)', () => {
  beforeEach(resetAws);

  it('start keeps the old primary under its stale name and waits for that rename before asking for the replica', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [writer] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).rejects(notFound);
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [instance('shop-primary-db')],
    });
    aws.rds[PRIMARY].on(ModifyDBInstanceCommand).resolves({});

    // Act
    const outcome = await replication.start(failback());

    // Assess: RDS frees the old name only when the rename completes, so no replica is asked for yet.
    expect(changes()).toEqual([
      {
        service: 'rds',
        region: PRIMARY,
        command: 'ModifyDBInstance',
        input: {
          DBInstanceIdentifier: 'shop-primary-db',
          NewDBInstanceIdentifier: 'shop-primary-db-stale-202607011150',
          ApplyImmediately: true,
        },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.renameInstance,
      plannedSeconds: settings.timings.renameInstance + settings.timings.createReplica,
      detail: {
        instanceId: 'shop-primary-db',
        source: 'shop-dr-db',
        renamed: 'shop-primary-db-stale-202607011150',
        waitingFor: 'rename',
        status: 'renaming',
      },
    });
  });

  it('start leaves a replica of the DR writer in place (a re-run)', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: [replicaOfWriter] });

    // Act
    const outcome = await replication.start(failback());

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome.detail).toMatchObject({ renamed: undefined, waitingFor: 'replica' });
  });

  it('start fails when the DR writer to replicate from is missing', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);

    // Act
    const started = replication.start(failback());

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'DatabaseNotFound', message: `shop-dr-db not found in ${DR}` });
    expect(changes()).toEqual([]);
  });

  it('start is done at once, without a call, when there is no database to rebuild', async () => {
    // Act
    const outcome = await replication.start(stepContext({ direction: 'failback', preflight: { database: undefined } }));

    // Assess
    expect(outcome).toEqual({ ready: true, detail: { skipped: 'no database to rebuild' } });
    expect(sent()).toEqual([]);
  });

  it('check waits while the replica is being created', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...replicaOfWriter, DBInstanceStatus: 'creating' }] });

    // Act
    const outcome = await replication.check(failback(), { instanceId: 'shop-primary-db' });

    // Assess
    expect(outcome).toEqual({ ready: false, detail: { instanceId: 'shop-primary-db', status: 'creating' } });
  });

  it.each([
    [[], false],
    [[5], true],
    [[6], false],
  ])('check with the lag CloudWatch reports (%j) against the catch-up bound of 5 s: ready %s', async (values, ready) => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: [replicaOfWriter] });
    aws.cloudwatch[PRIMARY].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Values: values }] });

    // Act
    const outcome = await replication.check(failback(), { instanceId: 'shop-primary-db' });

    // Assess
    expect(outcome).toEqual({ ready, detail: { instanceId: 'shop-primary-db', status: 'available', replicaLagSeconds: values[0] } });
    expect(aws.cloudwatch[PRIMARY].commandCalls(GetMetricDataCommand)[0].args[0].input).toMatchObject({
      StartTime: new Date(NOW.getTime() - 5 * 60_000),
      EndTime: NOW,
      MetricDataQueries: [{ MetricStat: { Metric: { Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'shop-primary-db' }] } } }],
    });
  });
});
