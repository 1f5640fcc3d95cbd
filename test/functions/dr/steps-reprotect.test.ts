import {
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { reprotect } from '../../../functions/dr/steps/reprotect';
import {
  aws,
  changes,
  DR,
  instance,
  inventory,
  notFound,
  pilotLight,
  PRIMARY,
  resetAws,
  settings,
  steadyService,
  stepContext,
  tagsOf,
} from './fixtures';

const promotedPrimary = instance('shop-primary-db');
const failback = (deployment = inventory, backupReplication = settings.backupReplication) =>
  stepContext({
    direction: 'failback',
    inventory: deployment,
    preflight: { database: { action: 'rebuild', instanceId: 'shop-primary-db', sourceInstanceId: 'shop-dr-db' } },
    settings: { backupReplication },
  });
/** The ARN of automated backups replicated to `region`. */
const backupsIn = (region: string) => `arn:aws:rds:${region}:111122223333:auto-backup:ab-shopprimary`;
/** The configuration that replicates the primary's automated backups to the DR region (pilot light's default). */
const replicated = { on: true, retentionDays: 9 };

/** A warm standby at failback's end: the DR writer to rename aside, the rebuilt primary, and the calls that succeed. */
function warmStandbyAnswers() {
  aws.ecs[DR].on(UpdateServiceCommand).resolves({});
  aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);
  aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [instance('shop-dr-db')] });
  aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
    DBInstances: [promotedPrimary],
  });
  aws.rds[DR].on(ModifyDBInstanceCommand).resolves({});
  aws.ssm[DR].on(PutParameterCommand).resolves({});
}

describe('reprotect step (failback)', () => {
  beforeEach(resetAws);

  it('start shrinks the DR service to standby and renames the DR writer out of the way (the replica comes after)', async () => {
    // Prepare
    warmStandbyAnswers();

    // Act
    const outcome = await reprotect.start(failback());

    // Assess
    expect(changes()).toEqual([
      {
        service: 'ecs',
        region: DR,
        command: 'UpdateService',
        input: { cluster: 'shop-dr-cluster', service: 'shop-dr-service', desiredCount: 1 },
      },
      {
        service: 'rds',
        region: DR,
        command: 'ModifyDBInstance',
        input: { DBInstanceIdentifier: 'shop-dr-db', NewDBInstanceIdentifier: 'shop-dr-db-stale-202607011200', ApplyImmediately: true },
      },
      {
        service: 'ssm',
        region: DR,
        command: 'PutParameter',
        // The DR application uses its replica-to-be again, as deployed: no repoint at the next failover.
        input: { Name: '/shop/app/database-instance', Value: 'shop-dr-db', Type: 'String', Overwrite: true },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.renameInstance,
      plannedSeconds: settings.timings.renameInstance + settings.timings.createReplica,
      detail: {
        standbyCount: settings.standbyCount,
        replica: 'shop-dr-db',
        renamed: 'shop-dr-db-stale-202607011200',
        waitingFor: 'rename',
      },
    });
  });

  it('check asks for the DR replica once the writer it replaces has finished its rename', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db-stale-202607011200' }).resolves({
      DBInstances: [instance('shop-dr-db-stale-202607011200')],
    });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [promotedPrimary],
    });
    aws.rds[DR].on(CreateDBInstanceReadReplicaCommand).resolves({});

    // Act
    const outcome = await reprotect.check(failback(), {
      standbyCount: settings.standbyCount,
      replica: 'shop-dr-db',
      renamed: 'shop-dr-db-stale-202607011200',
      waitingFor: 'rename',
    });

    // Assess
    expect(changes()).toEqual([
      {
        service: 'rds',
        region: DR,
        command: 'CreateDBInstanceReadReplica',
        input: {
          DBInstanceIdentifier: 'shop-dr-db',
          SourceDBInstanceIdentifier: promotedPrimary.DBInstanceArn,
          KmsKeyId: `arn:aws:kms:${DR}:111122223333:key/dr`,
          DBSubnetGroupName: 'shop-dr-db-subnets',
          VpcSecurityGroupIds: ['sg-dr-db'],
          MultiAZ: false,
          Tags: tagsOf('failback'),
        },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.createReplica,
      detail: {
        standbyCount: settings.standbyCount,
        replica: 'shop-dr-db',
        renamed: 'shop-dr-db-stale-202607011200',
        waitingFor: 'replica',
      },
    });
  });

  it('start on pilot light stops the DR service and keeps the database the failover restored', async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [instance('shop-dr-db')] });
    // Act
    const outcome = await reprotect.start(failback(pilotLight));

    // Assess
    expect(changes()).toEqual([
      {
        service: 'ecs',
        region: DR,
        command: 'UpdateService',
        input: { cluster: 'shop-dr-cluster', service: 'shop-dr-service', desiredCount: 0 },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.taskStop,
      detail: { standbyCount: 0, database: 'shop-dr-db kept (restored by the failover; delete it when no longer needed)' },
    });
  });

  it('start fails when the primary to replicate from is missing, after shrinking the service', async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-dr-db')] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });

    // Act
    const started = reprotect.start(failback());

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'DatabaseNotFound', message: `shop-primary-db not found in ${PRIMARY}` });
    expect(changes().map((c) => c.command)).toEqual(['UpdateService']);
  });

  it.each([
    ['the replica is still being created', false, 'creating', steadyService(1)],
    ['the service is still shrinking', false, 'available', steadyService(1, { runningCount: 4 })],
    ['both are done', true, 'available', steadyService(1)],
  ])('check waits for the service and the new replica: when %s, ready is %s', async (_, ready, status, service) => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({
      DBInstances: [instance('shop-dr-db', { DBInstanceStatus: status })],
    });
    aws.ecs[DR].on(DescribeServicesCommand, { cluster: 'shop-dr-cluster', services: ['shop-dr-service'] }).resolves({
      services: [service],
    });

    // Act
    const outcome = await reprotect.check(failback(), { standbyCount: 1, replica: 'shop-dr-db' });

    // Assess
    expect(outcome).toMatchObject({ ready, detail: { replica: 'shop-dr-db', replicaStatus: status } });
  });
  it("start on pilot light replicates the rebuilt primary's automated backups to the DR region, with its key and retention", async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [instance('shop-dr-db')] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [promotedPrimary],
    });
    aws.rds[DR].on(StartDBInstanceAutomatedBackupsReplicationCommand).resolves({});

    // Act
    const outcome = await reprotect.start(failback(pilotLight, replicated));

    // Assess
    expect(changes().filter((c) => c.service === 'rds')).toEqual([
      {
        service: 'rds',
        region: DR,
        command: 'StartDBInstanceAutomatedBackupsReplication',
        input: {
          SourceDBInstanceArn: promotedPrimary.DBInstanceArn,
          KmsKeyId: `arn:aws:kms:${DR}:111122223333:key/dr`,
          BackupRetentionPeriod: 9,
        },
      },
    ]);
    expect(outcome.detail.backupReplication).toBe('started');
  });

  it('start leaves a primary that already replicates its automated backups as it is (a re-run)', async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [instance('shop-dr-db')] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [{ ...promotedPrimary, DBInstanceAutomatedBackupsReplications: [{ DBInstanceAutomatedBackupsArn: backupsIn(DR) }] }],
    });

    // Act
    const outcome = await reprotect.start(failback(pilotLight, replicated));

    // Assess
    expect(changes().map((c) => c.command)).toEqual(['UpdateService']);
    expect(outcome.detail.backupReplication).toBe('already replicating');
  });

  it('waits for a primary that is still modifying, then starts the replication from check once it is available', async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [instance('shop-dr-db')] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' })
      .resolvesOnce({ DBInstances: [{ ...promotedPrimary, DBInstanceStatus: 'modifying' }] })
      .resolves({ DBInstances: [promotedPrimary] });
    aws.rds[DR].on(StartDBInstanceAutomatedBackupsReplicationCommand).resolves({});
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });

    // Act
    const started = await reprotect.start(failback(pilotLight, replicated));
    const startedChanges = changes().map((c) => c.command);
    const checked = await reprotect.check(failback(pilotLight, replicated), started.detail);

    // Assess
    expect(startedChanges).toEqual(['UpdateService']);
    expect(started.detail.backupReplication).toBe('waiting for the instance');
    expect(changes().map((c) => c.command)).toEqual(['UpdateService', 'StartDBInstanceAutomatedBackupsReplication']);
    expect(checked).toMatchObject({ ready: true, detail: { backupReplication: 'started' } });
  });

  it('check is not ready while the primary cannot replicate yet, even with the service settled', async () => {
    // Prepare
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [{ ...promotedPrimary, DBInstanceStatus: 'modifying' }],
    });
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });

    // Act
    const outcome = await reprotect.check(failback(pilotLight, replicated), {
      standbyCount: 0,
      backupReplication: 'waiting for the instance',
    });

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome).toMatchObject({ ready: false, detail: { backupReplication: 'waiting for the instance' } });
  });
  it.each([
    [
      'replicates to another region',
      { DBInstanceAutomatedBackupsReplications: [{ DBInstanceAutomatedBackupsArn: backupsIn('eu-west-1') }] },
      { name: 'BackupReplicationElsewhere', message: expect.stringContaining('eu-west-1') as string },
    ],
    [
      'is storage-full (a status that does not clear by itself)',
      { DBInstanceStatus: 'storage-full' },
      { name: 'DatabaseNotAvailable', message: expect.stringContaining('storage-full') as string },
    ],
  ])('fails, starting nothing, when the rebuilt primary %s', async (_, fields, error) => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [instance('shop-dr-db')] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [{ ...promotedPrimary, ...fields }],
    });

    // Act
    const started = reprotect.start(failback(pilotLight, replicated));

    // Assess
    await expect(started).rejects.toMatchObject(error);
    expect(changes().map((c) => c.command)).toEqual(['UpdateService']);
  });

  it('asks for the warm standby replica before the replication, so a refused replication leaves the standby protected', async () => {
    // Prepare
    warmStandbyAnswers();
    aws.rds[DR].on(StartDBInstanceAutomatedBackupsReplicationCommand).rejects(new Error('quota of replicated backups reached'));

    // Act
    const started = reprotect.start(failback(inventory, replicated));

    // Assess
    await expect(started).rejects.toThrow('quota of replicated backups reached');
    expect(changes().map((c) => c.command)).toEqual([
      'UpdateService',
      'ModifyDBInstance',
      'PutParameter',
      'StartDBInstanceAutomatedBackupsReplication',
    ]);
  });
});
