import {
  CreateDBInstanceReadReplicaCommand,
  DBInstanceAlreadyExistsFault,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DatabasePlan } from '../../../functions/dr/preflight/plan';
import { replication } from '../../../functions/dr/steps/replication';
import { aws, changes, DR, instance, notFound, PRIMARY, resetAws, settings, stepContext, tagsOf } from './fixtures';

/**
 * RDS frees a renamed instance's old identifier only when the rename
 * completes ("renaming", then a reboot: RDS User Guide "Renaming a DB
 * instance"); until then CreateDBInstanceReadReplica under it fails with
 * DBInstanceAlreadyExists, which is "done" only when the instance holding the
 * name is the replica wanted.
 */
const STALE = 'shop-primary-db-stale-202607011150';
const rebuild: DatabasePlan = { action: 'rebuild', instanceId: 'shop-primary-db', sourceInstanceId: 'shop-dr-db', staleInstanceId: STALE };
const failback = () => stepContext({ direction: 'failback', preflight: { database: rebuild } });
const writer = instance('shop-dr-db');
const renaming = { instanceId: 'shop-primary-db', source: 'shop-dr-db', renamed: STALE, waitingFor: 'rename' as const };
const alreadyExists = new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', $metadata: {} });

describe('replication step (failback): the rename that frees the name comes first', () => {
  beforeEach(() => {
    resetAws();
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [writer] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).rejects(notFound);
  });

  it('check keeps waiting, asking for nothing, while the old primary is still renaming', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: STALE }).resolves({
      DBInstances: [instance(STALE, { DBInstanceStatus: 'renaming' })],
    });

    // Act
    const outcome = await replication.check(failback(), renaming);

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome).toEqual({ ready: false, detail: { ...renaming, status: 'renaming' } });
  });

  it('check asks for the replica under the freed name once the renamed instance is available again', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: STALE }).resolves({ DBInstances: [instance(STALE)] });
    aws.rds[PRIMARY].on(CreateDBInstanceReadReplicaCommand).resolves({});

    // Act
    const outcome = await replication.check(failback(), renaming);

    // Assess
    expect(changes()).toEqual([
      {
        service: 'rds',
        region: PRIMARY,
        command: 'CreateDBInstanceReadReplica',
        input: {
          DBInstanceIdentifier: 'shop-primary-db',
          SourceDBInstanceIdentifier: writer.DBInstanceArn,
          KmsKeyId: `arn:aws:kms:${PRIMARY}:111122223333:key/primary`,
          DBSubnetGroupName: 'shop-primary-db-subnets',
          VpcSecurityGroupIds: ['sg-primary-db'],
          MultiAZ: true,
          Tags: tagsOf('failback'),
        },
      },
    ]);
    expect(outcome).toEqual({ ready: false, waitSeconds: settings.timings.createReplica, detail: { ...renaming, waitingFor: 'replica' } });
  });

  it('check takes DBInstanceAlreadyExists with nothing to describe for a name still held by the rename: it waits', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: STALE }).resolves({ DBInstances: [instance(STALE)] });
    aws.rds[PRIMARY].on(CreateDBInstanceReadReplicaCommand).rejects(alreadyExists);

    // Act
    const outcome = await replication.check(failback(), renaming);

    // Assess
    expect(outcome).toMatchObject({ ready: false, detail: { waitingFor: 'rename', renamed: STALE } });
  });

  it('start fails naming the conflict when DBInstanceAlreadyExists comes from an instance that is not the wanted replica', async () => {
    // Prepare: the name answered nothing, then something else took it before the replica could.
    const other = instance('shop-primary-db', { ReadReplicaSourceDBInstanceIdentifier: undefined });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' })
      .rejectsOnce(notFound)
      .resolves({
        DBInstances: [other],
      });
    aws.rds[PRIMARY].on(CreateDBInstanceReadReplicaCommand).rejects(alreadyExists);

    // Act
    const started = replication.start(failback());

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'NameConflict' });
    expect(changes().map((c) => c.command)).toEqual(['CreateDBInstanceReadReplica']);
  });

  it('start counts DBInstanceAlreadyExists as done when the name holds the replica of the DR writer (a retried request)', async () => {
    // Prepare
    const replica = instance('shop-primary-db', {
      ReadReplicaSourceDBInstanceIdentifier: writer.DBInstanceArn,
      DBInstanceStatus: 'creating',
    });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' })
      .rejectsOnce(notFound)
      .resolves({
        DBInstances: [replica],
      });
    aws.rds[PRIMARY].on(CreateDBInstanceReadReplicaCommand).rejects(alreadyExists);

    // Act
    const outcome = await replication.start(failback());

    // Assess
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.createReplica,
      detail: { instanceId: 'shop-primary-db', source: 'shop-dr-db', waitingFor: 'replica' },
    });
    expect(aws.rds[PRIMARY].commandCalls(ModifyDBInstanceCommand)).toEqual([]);
  });
});
