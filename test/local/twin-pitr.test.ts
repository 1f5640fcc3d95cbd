import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { DataPlane } from '../../local/twin/data-plane';
import type { DbInstance } from '../../local/twin/services/rds';
import { startTwin } from '../support/twin';

const MINUTE = 60_000;

/**
 * The twin's point-in-time recovery is PostgreSQL's own (WAL archive, base backup, named restore points at virtual
 * times): data at T comes back exactly, rows later updated or deleted included, which no filter on a timestamp
 * column could give. RDS's API on top of it: the restorable window, RestoreDBInstanceToPointInTime, and automated
 * backups replicated to the DR region with their lag.
 */
describe("the twin's point-in-time recovery", () => {
  let twin: Twin;
  let db: DbInstance;
  let t: number;
  let atT: { id: string; customer: string; total_cents: number }[];
  beforeAll(async () => {
    twin = await startTwin({ appName: 'pitr' });
    db = twin.rds.instance(twin.primaryRegion, twin.inventory.primary.databaseInstanceId ?? '');
    // The data at T, then a bad change ten minutes later.
    twin.clock.advance(10 * MINUTE);
    await twin.writeSampleRows(25, 'before');
    t = twin.clock.now();
    atT = await orders(db.physical ?? '');
    twin.clock.advance(10 * MINUTE);
    await twin.core.dataPlane.query(db.physical ?? '', "DELETE FROM orders WHERE customer LIKE 'before-1%'");
    await twin.core.dataPlane.query(db.physical ?? '', 'UPDATE orders SET total_cents = -1 WHERE id % 3 = 0');
    await twin.writeSampleRows(5, 'after');
  });
  afterAll(async () => twin?.stop());

  const orders = (physical: string) =>
    twin.core.dataPlane
      .query<{ id: string; customer: string; total_cents: number }>(physical, 'SELECT id, customer, total_cents FROM orders ORDER BY id')
      .then((r) => r.rows);
  const rds = (action: string, input: Record<string, unknown>, region = twin.primaryRegion) => twin.core.call('rds', action, region, input);
  const refusal = (action: string, input: Record<string, unknown>, region?: string) =>
    rds(action, input, region).then(
      () => 'no error',
      (error: Error) => `${error.name}: ${error.message}`,
    );

  it('recovers a database as it was at a virtual time, undoing later updates and deletes row for row', async () => {
    // Act: recover to a minute after T (before the change)
    const { serverId, markAt } = await twin.core.dataPlane.recoverTo(t + MINUTE);
    const recovered = await orders(DataPlane.inRecovered(serverId, db.physical ?? ''));

    // Assess
    expect(await orders(db.physical ?? '')).not.toEqual(atT);
    expect(markAt).toBeGreaterThanOrEqual(t);
    expect(markAt).toBeLessThanOrEqual(t + MINUTE);
    expect(recovered).toEqual(atT);
    expect(recovered.filter((r) => r.total_cents < 0)).toEqual([]);
  });

  it('restores an instance to a time in its window with the data of that time, and shows the window as RDS does', async () => {
    // Prepare
    const described = (await rds('DescribeDBInstances', { DBInstanceIdentifier: db.id })) as {
      DBInstances: { LatestRestorableTime?: Date }[];
    };
    const latest = described.DBInstances[0].LatestRestorableTime?.getTime() ?? 0;

    // Act
    const restored = (await rds('RestoreDBInstanceToPointInTime', {
      SourceDBInstanceIdentifier: db.id,
      TargetDBInstanceIdentifier: 'pitr-restored',
      RestoreTime: new Date(t + MINUTE),
      DBSubnetGroupName: 'pitr-primary-isolated',
    })) as { DBInstance: { DBInstanceStatus: string } };
    const instance = twin.rds.instance(twin.primaryRegion, 'pitr-restored');
    twin.clock.advance(twin.core.seconds('rdsRestorePointInTime') * 1000);

    // Assess: the latest restorable time is the newest five-minute log upload, at most five minutes behind
    expect(latest % (5 * MINUTE)).toBe(0);
    expect(twin.clock.now() - twin.core.seconds('rdsRestorePointInTime') * 1000 - latest).toBeLessThan(5 * MINUTE);
    expect(restored.DBInstance.DBInstanceStatus).toBe('creating');
    expect(instance.status.at(twin.clock.now())).toBe('available');
    expect(await orders(instance.physical ?? '')).toEqual(atT);
  });

  it('refuses a time outside the window, in the future, two times or no time, and an unknown source, creating nothing', async () => {
    // Prepare
    const before = twin.core.mutations.length;
    const base = { SourceDBInstanceIdentifier: db.id, TargetDBInstanceIdentifier: 'pitr-refused' };

    // Act
    const future = await refusal('RestoreDBInstanceToPointInTime', { ...base, RestoreTime: new Date(twin.clock.now() + MINUTE) });
    const tooEarly = await refusal('RestoreDBInstanceToPointInTime', { ...base, RestoreTime: new Date(db.createdAt - MINUTE) });
    const both = await refusal('RestoreDBInstanceToPointInTime', { ...base, RestoreTime: new Date(t), UseLatestRestorableTime: true });
    const neither = await refusal('RestoreDBInstanceToPointInTime', base);
    const unknown = await refusal('RestoreDBInstanceToPointInTime', {
      ...base,
      SourceDBInstanceIdentifier: undefined,
      SourceDBInstanceAutomatedBackupsArn: `arn:aws:rds:${twin.primaryRegion}:111122223333:auto-backup:ab-nothing`,
      UseLatestRestorableTime: true,
    });

    // Assess
    expect(future).toMatch(/^InvalidParameterValue: The restore time .* is outside the restorable window/);
    expect(tooEarly).toMatch(/^InvalidParameterValue: /);
    expect(both).toBe('InvalidParameterCombination: Cannot specify both RestoreTime and UseLatestRestorableTime.');
    expect(neither).toBe('InvalidParameterCombination: Specify RestoreTime or UseLatestRestorableTime.');
    expect(unknown).toMatch(/^DBInstanceAutomatedBackupNotFoundFault: /);
    expect(twin.core.mutations.slice(before)).toEqual([]);
  });

  it("replicated automated backups lag in the DR region, stop at the primary's outage, and restore there", async () => {
    // Prepare: replication on, as CloudFormation's AutomaticBackupReplicationRegion turns it on
    db.backupReplication = { region: twin.drRegion, kmsKeyId: twin.inventory.dr.kmsKeyArn, startedAt: twin.clock.now() };
    twin.clock.advance(30 * MINUTE);
    await twin.writeSampleRows(3, 'last-before-outage');
    twin.clock.advance(MINUTE);
    twin.core.faults.add({ kind: 'region-outage', region: twin.primaryRegion }, twin.clock.now());
    const failedAt = twin.clock.now();
    twin.clock.advance(20 * MINUTE);

    // Act
    const listed = (await rds('DescribeDBInstanceAutomatedBackups', {}, twin.drRegion)) as {
      DBInstanceAutomatedBackups: { Status: string; DBInstanceAutomatedBackupsArn: string; RestoreWindow: { LatestTime: Date } }[];
    };
    const [replicated] = listed.DBInstanceAutomatedBackups;
    // The identifier filter names an instance of the region: not the source of backups replicated here.
    const filtered = await refusal('DescribeDBInstanceAutomatedBackups', { DBInstanceIdentifier: db.id }, twin.drRegion);
    await rds(
      'RestoreDBInstanceToPointInTime',
      {
        SourceDBInstanceAutomatedBackupsArn: replicated.DBInstanceAutomatedBackupsArn,
        TargetDBInstanceIdentifier: 'pitr-dr',
        UseLatestRestorableTime: true,
        DBSubnetGroupName: 'pitr-dr-isolated',
      },
      twin.drRegion,
    );
    const restored = twin.rds.instance(twin.drRegion, 'pitr-dr');

    // Assess: the newest log that reached the DR region before the outage, two minutes behind its upload
    const latest = replicated.RestoreWindow.LatestTime.getTime();
    expect(replicated.Status).toBe('replicating');
    expect(filtered).toMatch(/^DBInstanceNotFoundFault: /);
    expect(latest % (5 * MINUTE)).toBe(0);
    expect(latest + twin.core.seconds('rdsBackupReplicationCopy') * 1000).toBeLessThanOrEqual(failedAt);
    expect(failedAt - latest).toBeLessThan(5 * MINUTE + twin.core.seconds('rdsBackupReplicationCopy') * 1000);
    const newest = await twin.core.dataPlane.query<{ newest: Date }>(
      restored.physical ?? '',
      'SELECT max(written_at) AS newest FROM lifeline_heartbeat',
    );
    expect(newest.rows[0].newest.getTime()).toBe(latest);
    expect(restored.kmsKeyId).toBe(twin.inventory.dr.kmsKeyArn);
  });
});
