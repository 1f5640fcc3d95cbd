import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { functionEnvironment, runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

const HOUR = 3600_000;

/** The sweeper as deployed: a schedule invokes it, and it runs with its own role. */
const SWEEPER = 'RestoreVerificationSweeperFunction';

describe('restore verification on the twin (real PostgreSQL)', () => {
  let twin: Twin;
  let region: string;
  let sweep: typeof import('../../functions/restore-verification/sweep').sweep;

  const temporaryInstances = () =>
    [...(twin.rds.instances.get(region)?.values() ?? [])].filter(
      (i) => i.id.startsWith('lifeline-verify-') && i.status.at(twin.clock.now()) !== 'deleted',
    );
  const backup = async (name: string) => {
    twin.clock.advance(HOUR);
    const result = await runJob(twin, 'backup', { targets: ['database'] }, { executionName: name });
    expect(result.status).toBe('SUCCEEDED');
    return `lifeline-database-${name}`;
  };
  const lastReport = () =>
    twin.dynamodb
      .scan(twin.controlPlane.ledgerTable)
      .filter((r) => String(r.pk) === 'verify#database')
      .sort((a, b) => String(a.finishedAt).localeCompare(String(b.finishedAt)))
      .at(-1);

  beforeAll(async () => {
    twin = await startTwin(
      {
        appName: 'verify',
        restoreVerification: {
          checks: [
            { name: 'orders present', sql: 'SELECT count(*) FROM orders', op: '>', value: 0 },
            { name: 'no negative totals', sql: 'SELECT count(*) FROM orders WHERE total_cents < 0', op: '=', value: 0 },
          ],
        },
      },
      { start: new Date('2026-08-03T06:00:00.000Z') },
    );
    region = twin.primaryRegion;
    Object.assign(process.env, functionEnvironment(twin, region));
    ({ sweep } = await import('../../functions/restore-verification/sweep'));
  });
  afterAll(async () => twin?.stop());
  afterEach(() => {
    // Nothing temporary outlives a test (a kept instance is swept within its own test): by the mutation log,
    // every temporary instance created was deleted.
    const log = twin.core.mutations.filter((m) => m.service === 'rds' && /:db:lifeline-verify-/.test(m.resource));
    const created = log
      .filter((m) => m.kind === 'create')
      .map((m) => m.resource)
      .sort();
    const deleted = log
      .filter((m) => m.kind === 'delete')
      .map((m) => m.resource)
      .sort();
    expect(deleted).toEqual(created);
    expect(temporaryInstances().map((i) => i.id)).toEqual([]);
  });

  it('restores the newest backup, finds the rows written before it and not those after, and measures the RPO as the gap', async () => {
    await twin.writeSampleRows(11, 'before-backup');
    const snapshotId = await backup('verify-1');
    twin.clock.advance(10 * 60_000);
    await twin.writeSampleRows(7, 'after-backup');

    const result = await runJob(twin, 'restore-verification', { keep: 30, reason: 'investigate' }, { executionName: 'happy' });

    expect(result.status).toBe('SUCCEEDED');
    const report = result.output as {
      passed: boolean;
      snapshotId: string;
      rpoSeconds: number;
      snapshotCreatedAt: string;
      newestHeartbeat: string;
      checks: { name: string; passed: boolean }[];
      report: string;
    };
    expect(report).toMatchObject({ passed: true, snapshotId });
    expect(report.checks.map((c) => c.name)).toEqual([
      'connects',
      'table lifeline_heartbeat exists',
      'table orders exists',
      'rows of orders',
      'orders present',
      'no negative totals',
      'heartbeat present',
      'indexes (amcheck)',
    ]);
    // The heartbeat writes once a minute: the newest in the snapshot is that of the minute it was taken in.
    const gap = (Date.parse(report.snapshotCreatedAt) - Date.parse(report.newestHeartbeat)) / 1000;
    expect(report.rpoSeconds).toBe(gap);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(60);
    // Kept for investigation: look inside it.
    const [kept] = temporaryInstances();
    const count = async (customer: string) =>
      Number(
        (
          await twin.core.dataPlane.query<{ n: string }>(kept.physical ?? '', 'SELECT count(*) AS n FROM orders WHERE customer LIKE $1', [
            `${customer}-%`,
          ])
        ).rows[0].n,
      );
    expect(await count('before-backup')).toBe(11);
    expect(await count('after-backup')).toBe(0);
    expect(kept.tags).toEqual(
      expect.arrayContaining([
        { Key: 'lifeline:job', Value: 'restore-verification' },
        { Key: 'lifeline:expires-at', Value: expect.any(String) },
      ]),
    );
    expect(twin.s3.getInternal(twin.inventory.primary.bucket, 'reports/restore-verification/happy.json')).toContain('"passed": true');
    // The sweeper removes it once it expires, and nothing else.
    twin.clock.advance(31 * 60_000);
    const swept = await twin.clock.drive(() =>
      twin.asFunction(SWEEPER, twin.primaryRegion, () => sweep(twin.inventory, twin.clock.date())),
    );
    expect(swept.deleted).toEqual([`${region}/${kept.id}`]);
    twin.clock.advance(twin.core.seconds('rdsDeleteInstance') * 1000);
  });

  it('fails naming the check when a table is missing from the restored data', async () => {
    const snapshotId = await backup('verify-2');
    // A damaged snapshot: the table the manifest counted is gone from it.
    await twin.core.dataPlane.query(twin.rds.snapshot(region, snapshotId).physical, 'DROP TABLE orders');
    const result = await runJob(twin, 'restore-verification', { snapshotId }, { executionName: 'missing-table' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('VerificationFailed');
    expect(result.cause).toContain('table orders exists (missing from the restored database)');
    expect(twin.sns.messages.at(-1)).toMatchObject({ subject: 'Lifeline restore verification failed' });
    expect(lastReport()).toMatchObject({ passed: false, snapshotId });
  });

  it('fails naming a failing user check', async () => {
    await twin.core.dataPlane.query(
      twin.rds.instance(region, twin.inventory.primary.databaseInstanceId ?? '').physical ?? '',
      "INSERT INTO orders (customer, total_cents, written_at) VALUES ('refund', -500, now())",
    );
    const snapshotId = await backup('verify-3');
    const result = await runJob(twin, 'restore-verification', { snapshotId }, { executionName: 'user-check' });
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('no negative totals (1 = 0)');
  });

  it('fails cleanly, notifying, when the restore itself fails', async () => {
    await backup('verify-4');
    twin.core.faults.add(
      {
        kind: 'fail',
        service: 'rds',
        action: 'RestoreDBInstanceFromDBSnapshot',
        error: 'InsufficientDBInstanceCapacityFault',
        message: 'No capacity for db.t4g.micro',
        count: 10,
      },
      twin.clock.now(),
    );
    const created = twin.core.mutations.length;
    const result = await runJob(twin, 'restore-verification', {}, { executionName: 'restore-fails' });
    twin.core.faults.clear('fail');
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('Rds.InsufficientDbInstanceCapacityException');
    expect(twin.sns.messages.at(-1)?.message).toContain('restore-fails');
    expect(twin.core.mutations.slice(created).filter((m) => m.service === 'rds')).toEqual([]);
  });

  it('rejects bad input in its first state, before anything is created', async () => {
    const before = twin.core.mutations.length;
    const result = await runJob(twin, 'restore-verification', { keep: -1, region: 'moon-1' }, { executionName: 'bad-input' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toContain('region: must be an AWS region name');
    expect(result.cause).toContain('keep:');
    expect(twin.core.mutations.length).toBe(before);
  });

  it('sweeps what a crashed run left behind, and nothing else', async () => {
    const snapshotId = await backup('verify-5');
    const restore = (id: string, tags: { Key: string; Value: string }[]) =>
      twin.core.call('rds', 'RestoreDBInstanceFromDBSnapshot', region, {
        DBInstanceIdentifier: id,
        DBSnapshotIdentifier: snapshotId,
        Tags: tags,
      });
    const expired = new Date(twin.clock.now() - 60_000).toISOString();
    // A run crashed after its restore; an operator restored one by hand under a look-alike name; another run is still going.
    await restore('lifeline-verify-crashed', [
      { Key: 'lifeline:managed', Value: 'true' },
      { Key: 'lifeline:job', Value: 'restore-verification' },
      { Key: 'lifeline:expires-at', Value: expired },
    ]);
    await restore('lifeline-verify-by-hand', [{ Key: 'lifeline:expires-at', Value: expired }]);
    await restore('lifeline-verify-running', [
      { Key: 'lifeline:managed', Value: 'true' },
      { Key: 'lifeline:job', Value: 'restore-verification' },
      { Key: 'lifeline:expires-at', Value: new Date(twin.clock.now() + HOUR).toISOString() },
    ]);
    twin.clock.advance(twin.core.seconds('rdsRestore') * 1000);

    const swept = await twin.clock.drive(() =>
      twin.asFunction(SWEEPER, twin.primaryRegion, () => sweep(twin.inventory, twin.clock.date())),
    );

    expect(swept.deleted).toEqual([`${region}/lifeline-verify-crashed`]);
    expect(swept.notYetExpired).toEqual([`${region}/lifeline-verify-running`]);
    expect(twin.core.mutations.filter((m) => m.action === 'DeleteDBInstance').at(-1)?.resource).toContain('lifeline-verify-crashed');
    // Clean up the two this test made by hand, so the after-each check holds.
    for (const id of ['lifeline-verify-by-hand', 'lifeline-verify-running'])
      await twin.core.call('rds', 'DeleteDBInstance', region, { DBInstanceIdentifier: id, SkipFinalSnapshot: true });
    twin.clock.advance(twin.core.seconds('rdsDeleteInstance') * 1000);
  });
});
