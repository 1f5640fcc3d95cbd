import { CreateDBSnapshotCommand, DeleteDBInstanceCommand, RDSClient, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { failCalls } from '../support/faults';
import { startTwin } from '../support/twin';

const HOUR = 3600_000;

describe('backup workflow on the twin (real PostgreSQL)', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin(
      { backup: { retention: { keepLast: 2, daily: 2, weekly: 0, monthly: 0, minimum: 2 } } },
      { start: new Date('2026-05-04T10:00:00.000Z') },
    );
  });
  afterAll(async () => twin?.stop());

  const snapshotsCreated = (executionName: string) =>
    twin.core.mutations.filter(
      (m) => m.kind === 'create' && (m.service === 'rds' || m.service === 'elasticache') && m.resource.endsWith(`-${executionName}`),
    );

  it('snapshots the database and the cache, copies both to the DR region, records a manifest with the RPO read from the data', async () => {
    // Prepare: an hour of application time, then the backup.
    twin.clock.advance(HOUR);
    const startedAt = twin.clock.now();

    // Act
    const result = await runJob(twin, 'backup', { reason: 'first' }, { executionName: 'run-1' });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const rdsSnapshot = twin.rds.snapshot(twin.primaryRegion, 'lifeline-database-run-1');
    const drCopy = twin.rds.snapshot(twin.drRegion, 'lifeline-database-run-1');
    expect(drCopy.kmsKeyId).toBe(twin.inventory.dr.kmsKeyArn);
    for (const snapshot of [rdsSnapshot, drCopy])
      expect(snapshot.tags).toEqual(
        expect.arrayContaining([
          { Key: 'lifeline:managed', Value: 'true' },
          { Key: 'lifeline:execution', Value: 'run-1' },
        ]),
      );
    expect(twin.elasticache.snapshot(twin.primaryRegion, 'lifeline-cache-run-1').tags).toEqual(
      expect.arrayContaining([{ Key: 'lifeline:managed', Value: 'true' }]),
    );
    expect(twin.s3.getInternal(twin.inventory.dr.bucket, 'cache-backups/lifeline-cache-run-1-0001.rdb')).toContain('"keyCount":5000');
    // The temporary export in the primary bucket is gone.
    expect(twin.s3.getInternal(twin.inventory.primary.bucket, 'lifeline-cache-run-1-0001.rdb')).toBeUndefined();

    const manifest = twin.dynamodb
      .scan(twin.controlPlane.ledgerTable)
      .find((r) => r.pk === 'backup#database' && String(r.sk).endsWith('#run-1'));
    const snapshotAt = startedAt + 300; // Plan (3 calls) + CreateDBSnapshot latency on the profile's 0.1 s
    expect(manifest).toMatchObject({
      runId: 'run-1',
      snapshots: { [twin.primaryRegion]: 'lifeline-database-run-1', [twin.drRegion]: 'lifeline-database-run-1' },
      sizeGiB: 50,
    });
    // The heartbeat function writes every minute: the snapshot holds the one of the minute it was taken in.
    const newest = Date.parse(String(manifest?.newestHeartbeat));
    expect(newest).toBe(Math.floor(Date.parse(String(manifest?.snapshotCreatedAt)) / 60_000) * 60_000);
    expect(manifest?.rpoSeconds).toBe((Date.parse(String(manifest?.snapshotCreatedAt)) - newest) / 1000);
    expect(Date.parse(String(manifest?.snapshotCreatedAt))).toBeGreaterThanOrEqual(snapshotAt - 300);
    expect(result.output).toMatchObject({ succeeded: ['database', 'cache'], failed: [] });

    // The DR copy really holds the data: restore it in the DR region and count the rows.
    const drRds = new RDSClient({ region: twin.drRegion });
    await drRds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'check-dr-copy',
        DBSnapshotIdentifier: 'lifeline-database-run-1',
      }),
    );
    const restored = twin.rds.instance(twin.drRegion, 'check-dr-copy');
    const rows = await twin.core.dataPlane.query<{ n: string }>(restored.physical ?? '', 'SELECT count(*) AS n FROM orders');
    expect(Number(rows.rows[0].n)).toBe(200);
    twin.clock.advance(twin.core.seconds('rdsRestore') * 1000);
    await drRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'check-dr-copy', SkipFinalSnapshot: true }));
  });

  it('retries throttling at every call site and still succeeds', async () => {
    twin.clock.advance(HOUR);
    for (const [service, action] of [
      ['rds', 'CreateDBSnapshot'],
      ['rds', 'DescribeDBSnapshots'],
      ['rds', 'CopyDBSnapshot'],
      ['rds', 'DeleteDBSnapshot'],
      ['rds', 'DescribeDBInstances'],
      ['elasticache', 'CreateSnapshot'],
      ['elasticache', 'DescribeSnapshots'],
      ['elasticache', 'CopySnapshot'],
      ['elasticache', 'ListTagsForResource'],
      ['s3', 'CopyObject'],
      ['s3', 'DeleteObject'],
      ['s3', 'ListObjectsV2'],
      ['dynamodb', 'PutItem'],
      ['dynamodb', 'Query'],
      ['secretsmanager', 'GetSecretValue'],
    ] as const) {
      twin.core.faults.add({ kind: 'throttle', service, action, count: 1 }, twin.clock.now());
    }
    const throttledBefore = twin.core.calls.filter((c) => c.error === 'Throttling' || c.error === 'ThrottlingException').length;
    const result = await runJob(twin, 'backup', {}, { executionName: 'throttled' });
    expect(result.status).toBe('SUCCEEDED');
    const throttled = twin.core.calls.filter((c) => c.error === 'Throttling' || c.error === 'ThrottlingException').length - throttledBefore;
    expect(throttled).toBeGreaterThanOrEqual(12);
  });

  it('fails the execution when the DR copy fails for good, notifies, and keeps the source snapshot tagged', async () => {
    twin.clock.advance(HOUR);
    failCalls(twin, {
      service: 'rds',
      action: 'CopyDBSnapshot',
      error: 'KMSKeyNotAccessibleFault',
      message: 'The DR key is disabled',
      count: 20,
    });
    const result = await runJob(twin, 'backup', { targets: ['database'] }, { executionName: 'copy-fails' });
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('database: KMSKeyNotAccessibleFault (The DR key is disabled)');
    expect(twin.sns.messages.at(-1)?.message).toContain('copy-fails');
    const source = twin.rds.snapshot(twin.primaryRegion, 'lifeline-database-copy-fails');
    expect(source.tags).toEqual(
      expect.arrayContaining([
        { Key: 'lifeline:managed', Value: 'true' },
        { Key: 'lifeline:target', Value: 'database' },
      ]),
    );
    twin.core.faults.clear('fail');
  });

  it('is safe to run twice: the same execution creates no second snapshot', async () => {
    const before = snapshotsCreated('run-1');
    expect(before.map((m) => `${m.region}:${m.action}`).sort()).toEqual(
      [`${twin.primaryRegion}:CreateDBSnapshot`, `${twin.primaryRegion}:CreateSnapshot`, `${twin.drRegion}:CopyDBSnapshot`].sort(),
    );
    const again = await runJob(twin, 'backup', { reason: 'first' }, { executionName: 'run-1' });
    expect(again.status).toBe('SUCCEEDED');
    expect(snapshotsCreated('run-1')).toEqual(before);
    expect(
      twin.core.calls.filter((c) => c.action === 'CreateDBSnapshot' && c.error === 'DBSnapshotAlreadyExistsFault').length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('rejects bad input in its first state, naming the field, before anything is created', async () => {
    const mutationsBefore = twin.core.mutations.length;
    const result = await runJob(twin, 'backup', { targets: ['database', 'queue'], reason: 'x' }, { executionName: 'bad-input' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toBe('Invalid backup input: targets.1: unknown target "queue" (known: database, cache)');
    expect(result.timeline.map((t) => t.state)).toEqual(['Plan', 'ReadValidationError', 'InvalidInput']);
    expect(twin.core.mutations.length).toBe(mutationsBefore);
  });

  it('lets the other targets finish when one fails, then fails naming the failed target and why, and notifies', async () => {
    twin.clock.advance(HOUR);
    failCalls(twin, {
      service: 'elasticache',
      action: 'CreateSnapshot',
      error: 'ReplicationGroupNotFoundFault',
      message: 'Replication group gone',
      count: 1,
    });
    const result = await runJob(twin, 'backup', {}, { executionName: 'partial' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('BackupFailed');
    expect(result.cause).toContain('1 of 2 targets failed: cache: ElastiCache.ReplicationGroupNotFoundException (Replication group gone');
    expect(twin.rds.snapshot(twin.drRegion, 'lifeline-database-partial').status.at(twin.clock.now())).toBe('available');
    expect(twin.sns.messages.at(-1)).toMatchObject({ subject: 'Lifeline backup failed', message: expect.stringContaining('partial') });
  });

  it('prunes by retention in both regions, never touching an unmanaged snapshot, and explains each decision', async () => {
    // Prepare: an operator's own snapshot, then backups over three days.
    await new RDSClient({ region: twin.primaryRegion }).send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: twin.inventory.primary.databaseInstanceId,
        DBSnapshotIdentifier: 'operator-keep-me',
      }),
    );
    for (const day of [1, 2, 3]) {
      twin.clock.advance(24 * HOUR);
      const result = await runJob(twin, 'backup', { targets: ['database'] }, { executionName: `daily-${day}` });
      expect(result.status).toBe('SUCCEEDED');
    }
    const remaining = [...(twin.rds.snapshots.get(twin.primaryRegion)?.keys() ?? [])].sort();
    expect(remaining).toEqual(['lifeline-database-daily-2', 'lifeline-database-daily-3', 'operator-keep-me']);
    expect([...(twin.rds.snapshots.get(twin.drRegion)?.keys() ?? [])].sort()).toEqual([
      'lifeline-database-daily-2',
      'lifeline-database-daily-3',
    ]);
    const lastManifest = twin.dynamodb
      .scan(twin.controlPlane.ledgerTable)
      .find((r) => r.pk === 'backup#database' && String(r.sk).endsWith('#daily-3'));
    const prune = lastManifest?.prune as {
      region: string;
      deleted: { id: string; reasons: string[] }[];
      kept: { id: string; reasons: string[] }[];
    }[];
    expect(prune[0].deleted.map((d) => [d.id, d.reasons])).toEqual([['lifeline-database-daily-1', ['outside every retention rule']]]);
    expect(prune[0].kept.find((k) => k.id === 'operator-keep-me')?.reasons).toEqual(['not managed by Lifeline (never touched)']);
  });
});
