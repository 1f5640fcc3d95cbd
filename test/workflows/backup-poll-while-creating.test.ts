import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

/**
 * A snapshot still creating has no creation time in AWS's answer
 * (boto/boto3#952, awslabs/rds-snapshot-tool#45; ElastiCache's node times
 * likewise): a poll that reads one fails the execution with States.Runtime,
 * which no Retry or Catch handles. The first poll comes at the expected
 * duration, so it usually sees the snapshot creating.
 */
describe('backup: a poll that finds the snapshot still creating', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({}, { start: new Date('2026-06-01T10:00:00.000Z') });
    twin.clock.advance(3600_000);
  });
  afterAll(async () => twin?.stop());

  const backUp = async (target: 'database' | 'cache', executionName: string) => {
    const result = await runJob(twin, 'backup', { targets: [target], reason: 'poll while creating' }, { executionName });
    const [child] = result.children;
    return { result, states: child?.timeline.map((t) => t.state) ?? [], error: child?.error };
  };

  it('database: the first DescribeDbSnapshot sees "creating", later ones "available", and the backup succeeds', async () => {
    // Prepare: the plan's first wait (300 s before any measured backup) is shorter than the snapshot takes.
    expect(twin.core.seconds('rdsSnapshotCreate')).toBeGreaterThan(300);

    // Act
    const { result, states, error } = await backUp('database', 'poll-creating-db');

    // Assess
    expect(error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(states.filter((s) => s === 'DescribeDbSnapshot').length).toBeGreaterThan(1);
    expect(states).toContain('DbSnapshotTaken');
    const snapshot = twin.rds.snapshot(twin.primaryRegion, 'lifeline-database-poll-creating-db');
    const manifest = twin.dynamodb.scan(twin.controlPlane.ledgerTable).find((r) => r.runId === 'poll-creating-db');
    expect(manifest?.snapshotCreatedAt).toBe(new Date(snapshot.createdAt).toISOString());
  });

  it('cache: the first DescribeCacheSnapshot sees "creating" and the snapshot time is read once it is available', async () => {
    // Prepare
    expect(twin.core.seconds('elasticacheSnapshotCreate')).toBeGreaterThan(120);

    // Act
    const { states, error } = await backUp('cache', 'poll-creating-cache');

    // Assess: whatever the export and copy do next, no poll failed on a missing member.
    expect(error).not.toBe('States.Runtime');
    expect(states.filter((s) => s === 'DescribeCacheSnapshot').length).toBeGreaterThan(1);
    expect(states).toContain('CacheSnapshotTaken');
  });
});
