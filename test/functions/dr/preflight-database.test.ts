import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  type DBSnapshot,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from '@aws-sdk/client-rds';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { databaseChecks } from '../../../functions/dr/preflight/database';
import {
  aws,
  DR,
  instance,
  inventory,
  NOW,
  notFound,
  pilotLight,
  PRIMARY,
  preflightContext,
  resetAws,
  secondsBefore,
  sent,
} from './fixtures';

const replicaOfPrimary = instance('shop-dr-db', { ReadReplicaSourceDBInstanceIdentifier: instance('shop-primary-db').DBInstanceArn });
const lagOf = (values: number[]) => aws.cloudwatch[DR].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Values: values }] });
const copy = (id: string, ageSeconds: number, fields: Partial<DBSnapshot> = {}): DBSnapshot => ({
  DBSnapshotIdentifier: id,
  Status: 'available',
  SnapshotCreateTime: secondsBefore(ageSeconds),
  TagList: [
    { Key: 'lifeline:managed', Value: 'true' },
    { Key: 'lifeline:target', Value: 'database' },
  ],
  ...fields,
});

describe('preflight: database, warm standby failover', () => {
  beforeEach(resetAws);

  it('plans to promote the available DR replica and expects its lag as the RPO', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [replicaOfPrimary] });
    lagOf([12]);

    // Act
    const part = await databaseChecks(preflightContext(), false);

    // Assess
    expect(part).toEqual({
      checks: [
        { name: `${DR} database`, ok: true, blocking: true, detail: 'shop-dr-db is an available read replica' },
        { name: 'replica lag', ok: true, blocking: false, detail: '12 s behind (RPO target 900 s)' },
      ],
      plan: { action: 'promote', instanceId: 'shop-dr-db', replicaLagSeconds: 12 },
      estimatedRpoSeconds: 12,
    });
    expect(aws.cloudwatch[DR].commandCalls(GetMetricDataCommand)[0].args[0].input).toMatchObject({
      StartTime: new Date(NOW.getTime() - 10 * 60_000),
      EndTime: NOW,
    });
  });

  it('reports a lag beyond the RPO target without blocking', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [replicaOfPrimary] });
    lagOf([1200]);

    // Act
    const part = await databaseChecks(preflightContext(), false);

    // Assess
    expect(part.checks[1]).toEqual({ name: 'replica lag', ok: false, blocking: false, detail: '1200 s behind (RPO target 900 s)' });
  });

  it('plans nothing to promote, and reads no lag, when the DR instance is standalone already', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-dr-db')] });

    // Act
    const part = await databaseChecks(preflightContext(), false);

    // Assess
    expect(part.plan).toEqual({ action: 'already-promoted', instanceId: 'shop-dr-db', replicaLagSeconds: undefined });
    expect(sent().map((c) => c.command)).toEqual(['DescribeDBInstances']);
  });

  it('blocks on a DR replica that is not available', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...replicaOfPrimary, DBInstanceStatus: 'storage-full' }] });
    lagOf([]);

    // Act
    const part = await databaseChecks(preflightContext(), false);

    // Assess
    expect(part.checks).toEqual([
      { name: `${DR} database`, ok: false, blocking: true, detail: 'shop-dr-db is storage-full, not available' },
    ]);
  });

  it('plans nothing, reads nothing, when the application has no database', async () => {
    // Act
    const part = await databaseChecks(
      preflightContext({ inventory: { ...inventory, primary: { ...inventory.primary, databaseInstanceId: undefined } } }),
      true,
    );

    // Assess
    expect(part).toEqual({ checks: [] });
    expect(sent()).toEqual([]);
  });
});

describe('preflight: database, pilot light failover', () => {
  beforeEach(resetAws);
  const pilot = () => preflightContext({ inventory: pilotLight });

  it('plans to restore the newest available managed database copy and expects its age as the RPO', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);
    aws.rds[DR].on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({
      DBSnapshots: [
        copy('copy-old', 7200),
        copy('copy-newest', 600),
        copy('copy-still-copying', 60, { Status: 'creating' }),
        copy('somebody-elses', 30, { TagList: [] }),
        copy('cache-export', 30, {
          TagList: [
            { Key: 'lifeline:managed', Value: 'true' },
            { Key: 'lifeline:target', Value: 'cache' },
          ],
        }),
      ],
    });

    // Act
    const part = await databaseChecks(pilot(), false);

    // Assess
    expect(part).toEqual({
      checks: [
        { name: `${DR} snapshot copies`, ok: true, blocking: true, detail: 'newest copy copy-newest, 10 min old' },
        {
          name: 'expected RPO',
          ok: true,
          blocking: false,
          detail: '600 s (RPO target 900 s): the newest snapshot copy is newer than any replicated automated backup (none)',
        },
      ],
      plan: {
        action: 'restore',
        instanceId: 'shop-dr-db',
        source: 'snapshot',
        snapshotId: 'copy-newest',
        snapshotAgeSeconds: 600,
        why: 'the newest snapshot copy is newer than any replicated automated backup (none)',
        instanceClass: 'db.r6g.large',
      },
      estimatedRpoSeconds: 600,
    });
  });

  /** The primary's automated backups as replicated to the DR region, restorable up to `secondsAgo` before now. */
  const replicated = (secondsAgo: number) =>
    aws.rds[DR].on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [
        {
          DBInstanceIdentifier: 'shop-primary-db',
          Region: PRIMARY,
          Status: 'replicating',
          DBInstanceAutomatedBackupsArn: `arn:aws:rds:${DR}:111122223333:auto-backup:ab-shop`,
          RestoreWindow: { EarliestTime: secondsBefore(86_400), LatestTime: secondsBefore(secondsAgo) },
        },
      ],
    });

  it('uses no replicated automated backups of an earlier instance of the same name (after a failback), and says so', async () => {
    // Prepare: the heartbeat last wrote into the instance with resource id db-CURRENT; the backups are of db-EARLIER
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);
    aws.rds[DR].on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [copy('copy-newest', 600)] });
    aws.rds[DR].on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [
        {
          DBInstanceIdentifier: 'shop-primary-db',
          DbiResourceId: 'db-EARLIER',
          Region: PRIMARY,
          DBInstanceAutomatedBackupsArn: `arn:aws:rds:${DR}:111122223333:auto-backup:ab-earlier`,
          RestoreWindow: { EarliestTime: secondsBefore(86_400), LatestTime: secondsBefore(120) },
        },
      ],
    });
    aws.ledger[DR].on(QueryCommand).resolves({
      Items: [
        {
          pk: { S: 'heartbeat#shop-primary-db' },
          sk: { S: 'latest' },
          writtenAt: { S: secondsBefore(60).toISOString() },
          dbiResourceId: { S: 'db-CURRENT' },
        },
      ],
    });

    // Act
    const part = await databaseChecks(pilot(), false);

    // Assess: the snapshot copy, though older, is the current data
    expect(part.plan).toMatchObject({ source: 'snapshot', snapshotId: 'copy-newest' });
    expect(part.checks.find((c) => c.name === `${DR} replicated automated backups`)).toMatchObject({
      ok: false,
      blocking: false,
      detail: expect.stringContaining('not of the current one (db-CURRENT): not used'),
    });
  });

  it.each([
    ['the replicated automated backups when they restore to a later time than the newest copy', 300, 'automated-backups', 300],
    ['the newest copy when it is newer than the replicated automated backups', 1200, 'snapshot', 600],
  ])('chooses %s, and says why', async (_, backupsAgo, source, rpo) => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);
    aws.rds[DR].on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [copy('copy-newest', 600)] });
    replicated(backupsAgo);

    // Act
    const part = await databaseChecks(pilot(), false);

    // Assess
    expect(part.plan).toMatchObject({ action: 'restore', source, snapshotAgeSeconds: rpo });
    expect(part.plan).toMatchObject(
      source === 'snapshot'
        ? { snapshotId: 'copy-newest', automatedBackupsArn: undefined }
        : { automatedBackupsArn: `arn:aws:rds:${DR}:111122223333:auto-backup:ab-shop`, snapshotId: undefined },
    );
    expect(part.estimatedRpoSeconds).toBe(rpo);
    expect(part.checks.find((c) => c.name === `${DR} replicated automated backups`)?.detail).toContain(`(${backupsAgo} s ago)`);
    expect(part.checks.find((c) => c.name === 'expected RPO')?.detail).toMatch(
      source === 'snapshot'
        ? /newest snapshot copy is newer than the replicated automated backups' latest time \(20 min ago\)/
        : /replicated automated backups restore to .*, newer than the newest snapshot copy \(10 min old\)/,
    );
  });

  it('blocks when neither a copy nor replicated automated backups are there to restore', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).rejects(notFound);
    aws.rds[DR].on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [copy('copy-still-copying', 60, { Status: 'creating' })] });

    // Act
    const part = await databaseChecks(pilot(), false);

    // Assess
    expect(part).toEqual({
      checks: [
        {
          name: `${DR} snapshot copies`,
          ok: false,
          blocking: true,
          detail: `no available Lifeline copy nor replicated automated backups of the database in ${DR}`,
        },
      ],
    });
  });

  it.each([
    ['continues a restore this execution began', 'failover-1', true],
    ['blocks on an instance of that name another execution created', 'failover-0', false],
  ])('%s', async (_, execution, ok) => {
    // Prepare
    const existing = instance('shop-dr-db', { TagList: [{ Key: 'lifeline:execution', Value: execution }] });
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [existing] });
    aws.rds[DR].on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [copy('copy-newest', 600)] });

    // Act
    const part = await databaseChecks(pilot(), false);

    // Assess
    expect(part.checks[0]).toMatchObject({ name: `${DR} database`, ok, blocking: true });
  });
});

describe('preflight: database, failback', () => {
  beforeEach(resetAws);
  const failback = () => preflightContext({ direction: 'failback' });
  const drWriter = instance('shop-dr-db');

  it('plans to rebuild from the DR writer, keeping the old primary under a stale name', async () => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-dr-db' }).resolves({ DBInstances: [drWriter] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-primary-db' }).resolves({
      DBInstances: [instance('shop-primary-db')],
    });

    // Act
    const part = await databaseChecks(failback(), true);

    // Assess
    expect(part).toEqual({
      checks: [
        { name: `${DR} database`, ok: true, blocking: true, detail: 'shop-dr-db is the standalone writer' },
        {
          name: 'name conflict',
          ok: true,
          blocking: false,
          detail:
            `shop-primary-db in ${PRIMARY} holds the data from before the failover: ` +
            'it will be renamed shop-primary-db-stale-202607011200 (kept, deletion protection on)',
        },
      ],
      plan: {
        action: 'rebuild',
        instanceId: 'shop-primary-db',
        sourceInstanceId: 'shop-dr-db',
        staleInstanceId: 'shop-primary-db-stale-202607011200',
      },
    });
  });

  it.each([
    [
      'the original region already replicates from the DR writer',
      true,
      [instance('shop-primary-db', { ReadReplicaSourceDBInstanceIdentifier: drWriter.DBInstanceArn })],
    ],
    ['the original region did not answer', false, [instance('shop-primary-db')]],
  ])('plans no stale name when %s', async (_, reachable, primaryInstances) => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [drWriter] });
    aws.rds[PRIMARY].on(DescribeDBInstancesCommand).resolves({ DBInstances: primaryInstances });

    // Act
    const part = await databaseChecks(failback(), reachable);

    // Assess
    expect(part.plan).toEqual({
      action: 'rebuild',
      instanceId: 'shop-primary-db',
      sourceInstanceId: 'shop-dr-db',
      staleInstanceId: undefined,
    });
    expect(part.checks.map((c) => c.name)).toEqual([`${DR} database`]);
  });

  it.each([
    ['still a read replica: there is no failover to undo', { ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:x:1:db:shop-primary-db' }],
    ['rebooting, not available', { DBInstanceStatus: 'rebooting' }],
  ])('blocks when the DR database is %s', async (why, fields) => {
    // Prepare
    aws.rds[DR].on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('shop-dr-db', fields)] });

    // Act
    const part = await databaseChecks(failback(), false);

    // Assess
    expect(part.checks).toEqual([{ name: `${DR} database`, ok: false, blocking: true, detail: `shop-dr-db is ${why}` }]);
  });
});
