import {
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DecreaseReplicaCountCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
} from '@aws-sdk/client-elasticache';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { isModeled } from '../../local/twin/errors';
import { stepFunctionsErrorName } from '../../local/twin/sdk-models';
import { STATE_OMISSIONS } from '../../local/twin/state-omissions';
import { startTwin } from '../support/twin';

/** What the twin refuses, omits and does slowly, as AWS does: each case names where AWS says so. */
describe('twin fidelity: RDS and ElastiCache', () => {
  let twin: Twin;
  let rds: RDSClient;
  let cache: ElastiCacheClient;
  let db: string;
  beforeAll(async () => {
    twin = await startTwin({}, { start: new Date('2026-08-01T00:00:00.000Z') });
    rds = new RDSClient({ region: twin.primaryRegion });
    cache = new ElastiCacheClient({ region: twin.primaryRegion });
    db = twin.inventory.primary.databaseInstanceId ?? '';
  });
  afterAll(async () => twin?.stop());

  const pass = (seconds: number) => twin.clock.advance(seconds * 1000);
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => new Error('resolved'),
      (error: unknown) => error,
    );

  it('keeps its state omissions in one table, each with a source', () => {
    expect(STATE_OMISSIONS.map((o) => `${o.service} ${o.shape}.${o.member}`)).toEqual([
      'rds DBSnapshot.SnapshotCreateTime',
      'rds DBSnapshot.OriginalSnapshotCreateTime',
      'rds DBSnapshot.SnapshotDatabaseTime',
      'rds DBInstance.Endpoint',
      'rds DBInstance.InstanceCreateTime',
      'elasticache Snapshot.NodeSnapshots[].SnapshotCreateTime',
    ]);
    for (const omission of STATE_OMISSIONS) expect(omission.source).toMatch(/[a-z]+\/[a-z0-9-]+#\d+|\.d\.ts/);
  });

  it('RDS: a DB snapshot has no creation times until it is available (boto/boto3#952)', async () => {
    // Act
    const created = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: 'fidelity-s1' }));
    const creating = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'fidelity-s1' }))).DBSnapshots?.[0];
    pass(twin.core.seconds('rdsSnapshotCreate'));
    const available = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'fidelity-s1' }))).DBSnapshots?.[0];

    // Assess
    for (const snapshot of [created.DBSnapshot, creating]) {
      expect(snapshot).toMatchObject({ Status: 'creating', PercentProgress: 0 });
      expect(snapshot).not.toHaveProperty('SnapshotCreateTime');
      expect(snapshot).not.toHaveProperty('OriginalSnapshotCreateTime');
      expect(snapshot).not.toHaveProperty('SnapshotDatabaseTime');
    }
    expect(available).toMatchObject({ Status: 'available', SnapshotCreateTime: expect.any(Date), SnapshotDatabaseTime: expect.any(Date) });
  });

  it('RDS: a copy is "creating" without creation times until available (SDK CopyDBSnapshotCommand example)', async () => {
    // Act
    const copy = await rds.send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'fidelity-s1', TargetDBSnapshotIdentifier: 'fidelity-s1-copy' }),
    );

    // Assess
    expect(copy.DBSnapshot).toMatchObject({ Status: 'creating' });
    expect(copy.DBSnapshot).not.toHaveProperty('SnapshotCreateTime');
  });

  it('RDS: an instance being created has no Endpoint and no InstanceCreateTime (prowler-cloud/prowler#1906)', async () => {
    // Act
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'fidelity-r1', DBSnapshotIdentifier: 'fidelity-s1' }),
    );
    const creating = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'fidelity-r1' }))).DBInstances?.[0];
    pass(twin.core.seconds('rdsRestore'));
    const available = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'fidelity-r1' }))).DBInstances?.[0];

    // Assess
    expect(creating?.DBInstanceStatus).toBe('creating');
    expect(creating).not.toHaveProperty('Endpoint');
    expect(creating).not.toHaveProperty('InstanceCreateTime');
    expect(available).toMatchObject({
      DBInstanceStatus: 'available',
      Endpoint: { Address: '127.0.0.1' },
      InstanceCreateTime: expect.any(Date),
    });
  });

  it('RDS: a rename answers to the new name at once but frees the old one only when complete (renaming, rebooting)', async () => {
    // Prepare
    const renameSeconds = twin.core.seconds('rdsRename');
    const rebootSeconds = twin.core.seconds('rdsReboot');
    const claimOldName = () =>
      rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'fidelity-r1', DBSnapshotIdentifier: 'fidelity-s1' }));

    // Act
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'fidelity-r1',
        NewDBInstanceIdentifier: 'fidelity-r1-old',
        ApplyImmediately: true,
      }),
    );
    const oldName = await rejection(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'fidelity-r1' })));
    const renaming = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'fidelity-r1-old' }))).DBInstances?.[0];
    const takenWhileRenaming = await rejection(claimOldName());
    pass(renameSeconds);
    const rebooting = twin.rds.instance(twin.primaryRegion, 'fidelity-r1-old').status.at(twin.clock.now());
    const takenWhileRebooting = await rejection(claimOldName());
    pass(rebootSeconds);
    const claimed = await claimOldName();

    // Assess
    expect(oldName).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(renaming?.DBInstanceStatus).toBe('renaming');
    expect(takenWhileRenaming).toBeInstanceOf(DBInstanceAlreadyExistsFault);
    expect(rebooting).toBe('rebooting');
    expect(takenWhileRebooting).toBeInstanceOf(DBInstanceAlreadyExistsFault);
    expect(claimed.DBInstance?.DBInstanceIdentifier).toBe('fidelity-r1');
    expect(twin.rds.instance(twin.primaryRegion, 'fidelity-r1-old').status.at(twin.clock.now())).toBe('available');
  });

  it('RDS: refuses identifiers the API reference does not allow with InvalidParameterValue, a code the SDK does not model', async () => {
    // Act
    const refused = await Promise.all(
      ['9starts-with-digit', 'ends-with-hyphen-', 'two--hyphens', 'under_score', 'x'.repeat(256)].map((id) =>
        rejection(rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: id }))),
      ),
    );
    const tooLongInstance = await rejection(
      rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'r'.repeat(64), SourceDBInstanceIdentifier: db })),
    );
    const accepted = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: `s${'x'.repeat(254)}` }));

    // Assess
    for (const error of [...refused, tooLongInstance]) {
      expect(error).toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/is not a valid identifier/) });
      expect(isModeled(error)).toBe(false);
    }
    expect(stepFunctionsErrorName('rds', 'InvalidParameterValue', false)).toBe('Rds.RdsException');
    expect(accepted.DBSnapshot?.DBSnapshotIdentifier).toHaveLength(255);
  });

  it('RDS: raises the state faults the SDK models, named Rds.InvalidDbInstanceStateException in Step Functions', async () => {
    // Act
    const error = await rejection(rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: db })));

    // Assess
    expect(error).toBeInstanceOf(InvalidDBInstanceStateFault);
    expect(isModeled(error)).toBe(true);
    expect(stepFunctionsErrorName('rds', 'InvalidDBInstanceStateFault', true)).toBe('Rds.InvalidDbInstanceStateException');
  });

  it('ElastiCache: node snapshot times are absent while the snapshot is creating (SDK CreateSnapshotCommand examples)', async () => {
    // Prepare
    const group = twin.inventory.primary.cacheReplicationGroupId ?? '';

    // Act
    const created = await cache.send(new CreateSnapshotCommand({ ReplicationGroupId: group, SnapshotName: 'fidelity-c1' }));
    pass(twin.core.seconds('elasticacheSnapshotCreate'));
    const available = (await cache.send(new DescribeSnapshotsCommand({ SnapshotName: 'fidelity-c1' }))).Snapshots?.[0];

    // Assess
    expect(created.Snapshot?.SnapshotStatus).toBe('creating');
    expect(created.Snapshot?.NodeSnapshots?.[0]).not.toHaveProperty('SnapshotCreateTime');
    expect(created.Snapshot?.NodeSnapshots?.[0]?.CacheSize).toBe('');
    expect(available?.NodeSnapshots?.[0]?.SnapshotCreateTime).toBeInstanceOf(Date);
  });

  it('ElastiCache: Multi-AZ keeps a replica: DecreaseReplicaCount to 0 is refused (hashicorp/terraform-provider-aws#24244)', async () => {
    // Prepare
    const group = twin.inventory.primary.cacheReplicationGroupId ?? '';
    const before = twin.elasticache.group(twin.primaryRegion, group).replicas;

    // Act
    const error = await rejection(
      cache.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: group, NewReplicaCount: 0, ApplyImmediately: true })),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error).toMatchObject({ message: 'Must have at least 1 replica when cluster mode is disabled with auto failover enabled.' });
    expect(stepFunctionsErrorName('elasticache', 'InvalidParameterValueException', true)).toBe(
      'ElastiCache.InvalidParameterValueException',
    );
    expect(twin.elasticache.group(twin.primaryRegion, group).replicas).toBe(before);
  });

  it('ElastiCache: without Multi-AZ the last replica may go; automatic failover without a replica is refused at creation', async () => {
    // Prepare
    const create = (id: string, failover: boolean, replicas: number) =>
      cache.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: id,
          ReplicationGroupDescription: 'fidelity',
          ReplicasPerNodeGroup: replicas,
          AutomaticFailoverEnabled: failover,
        }),
      );

    // Act
    await create('fidelity-single-az', false, 1);
    pass(twin.core.seconds('elasticacheCreateFromSnapshot'));
    await cache.send(
      new DecreaseReplicaCountCommand({ ReplicationGroupId: 'fidelity-single-az', NewReplicaCount: 0, ApplyImmediately: true }),
    );
    const failoverAlone = await rejection(create('fidelity-failover-alone', true, 0));
    const badId = await rejection(create('Fidelity_Group', false, 0));

    // Assess
    expect(twin.elasticache.group(twin.primaryRegion, 'fidelity-single-az').replicas).toBe(0);
    expect(failoverAlone).toBeInstanceOf(InvalidParameterCombinationException);
    expect(badId).toBeInstanceOf(InvalidParameterValueException);
    expect(badId).toMatchObject({ message: expect.stringMatching(/ReplicationGroupId is not a valid identifier/) });
  });
});
