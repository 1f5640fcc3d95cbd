import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmPhrase } from '../../contracts/dr-runbook';
import type { RunbookReport } from '../../functions/dr/report';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { approveWith } from '../support/dr';
import { PILOT_LIGHT } from '../support/configs';
import { startTwin } from '../support/twin';

// A file of its own: handlers read their environment when first loaded, one twin per test process.
const HOUR = 3600_000;

/**
 * Pilot light creates the DR cache from the RDB copy in the DR artifacts
 * bucket (CreateReplicationGroup with SnapshotArns). ElastiCache reads the
 * file as the DR region's elasticache-snapshot service principal, so the
 * bucket must grant it read access (ElastiCache guide, "Seeding a new
 * node-based cluster with an externally created backup").
 */
describe('pilot-light failover seeds the DR cache from the copied RDB file', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({ ...PILOT_LIGHT, appName: 'seed' }, { start: new Date('2026-10-01T08:00:00.000Z'), cacheKeys: 2500 });
  });
  afterAll(async () => twin?.stop());

  it('creates the DR cache from the RDB copy, with the keys it held, the bucket granting the DR principal read access', async () => {
    // Prepare: a backup copies the cache export to the DR bucket.
    twin.clock.advance(HOUR);
    const backup = await runJob(twin, 'backup', {}, { executionName: 'seed-backup' });
    expect(backup.status, backup.cause).toBe('SUCCEEDED');
    const rdb = `arn:aws:s3:::${twin.inventory.dr.bucket}/cache-backups/lifeline-cache-seed-backup-0001.rdb`;
    expect(
      twin.s3.servicePrincipalMay(twin.inventory.dr.bucket, `${twin.drRegion}.elasticache-snapshot.amazonaws.com`, 's3:GetObject', rdb),
    ).toBe(true);

    // Act
    const stop = approveWith(twin, { decision: 'approve', afterSeconds: 60 });
    const failover = await runJob(
      twin,
      'dr-failover',
      { mode: 'failover', reason: 'seeding test', confirm: confirmPhrase('failover', twin.drRegion) },
      { region: twin.drRegion, executionName: 'seed-failover' },
    ).finally(stop);

    // Assess
    expect(failover.status, failover.cause).toBe('SUCCEEDED');
    expect((failover.output as RunbookReport).outcome).toBe('completed');
    const seeded = twin.core.calls.filter((c) => c.action === 'CreateReplicationGroup' && c.region === twin.drRegion);
    expect(seeded.map((c) => c.error)).toEqual([undefined]);
    const [created] = [...(twin.elasticache.groups.get(twin.drRegion)?.values() ?? [])];
    expect(created?.keyCount).toBe(2500);
  });
});
