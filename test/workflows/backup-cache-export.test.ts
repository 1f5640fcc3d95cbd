import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { RDB_BYTES_PER_KEY } from '../../local/twin/services/elasticache';
import { runJob } from '../../local/workflows';
import { failCalls } from '../support/faults';
import { startTwin } from '../support/twin';

// A file of its own: handlers read their environment when first loaded, one twin per test process.
const HOUR = 3600_000;
/** Over S3's 5 GiB CopyObject limit at the twin's ~1 KB per key: the application's cache exports about 6 GB. */
const LARGE_CACHE_KEYS = 6_000_000;
/** A small export, the same cache before the application filled it. */
const SMALL_CACHE_KEYS = 100;

describe('cache backups through an S3 export on the twin', () => {
  let twin: Twin;
  let drBucket: string;
  let primaryBucket: string;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'exports' }, { start: new Date('2026-06-01T02:00:00.000Z'), cacheKeys: SMALL_CACHE_KEYS });
    drBucket = twin.inventory.dr.bucket;
    primaryBucket = twin.inventory.primary.bucket;
  });
  afterAll(async () => twin?.stop());

  const callsOf = (action: string, since: number) => twin.core.calls.slice(since).filter((c) => c.service === 's3' && c.action === action);

  it('copies each export to the DR bucket only once its RDB object is there: CopyObject up to 5 GiB, multipart above', async () => {
    // Prepare
    twin.clock.advance(HOUR);
    const callsBefore = twin.core.calls.length;
    const group = twin.elasticache.groups.get(twin.primaryRegion)?.get(twin.inventory.primary.cacheReplicationGroupId ?? '');
    if (!group) throw new Error('no cache');

    // Act: a backup of the small cache, then of the same cache once the application filled it.
    const first = await runJob(twin, 'backup', { targets: ['cache'] }, { executionName: 'exports-0' });
    group.keyCount = LARGE_CACHE_KEYS;
    twin.clock.advance(HOUR);
    const result = await runJob(twin, 'backup', { targets: ['cache'] }, { executionName: 'exports-1' });

    // Assess
    expect(first.status, first.cause).toBe('SUCCEEDED');
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const large = 'lifeline-cache-exports-1-0001.rdb';
    const small = 'lifeline-cache-exports-0-0001.rdb';
    expect(twin.s3.sizeOf(drBucket, `cache-backups/${large}`)).toBe(LARGE_CACHE_KEYS * RDB_BYTES_PER_KEY);
    expect(twin.s3.getInternal(drBucket, `cache-backups/${large}`)).toContain(`"keyCount":${LARGE_CACHE_KEYS}`);
    expect(twin.s3.sizeOf(drBucket, `cache-backups/${small}`)).toBe(SMALL_CACHE_KEYS * RDB_BYTES_PER_KEY);
    expect(twin.s3.hasObject(primaryBucket, large) || twin.s3.hasObject(primaryBucket, small)).toBe(false);
    expect(callsOf('CopyObject', callsBefore).filter((c) => !c.error)).toHaveLength(1);
    expect(callsOf('UploadPartCopy', callsBefore).filter((c) => !c.error).length).toBeGreaterThanOrEqual(2);
    expect(callsOf('CompleteMultipartUpload', callsBefore).filter((c) => !c.error)).toHaveLength(1);
    expect(twin.s3.openUploads()).toEqual([]);
    // Nothing asked S3 for an export before ElastiCache had written it.
    expect(twin.core.calls.slice(callsBefore).filter((c) => c.service === 's3' && c.error === 'NoSuchKey')).toEqual([]);
    // Each copy was made only once ElastiCache had written the export, the export time after it was asked for.
    for (const key of [large, small]) {
      const exported = twin.core.mutations.find((m) => m.action === 'CopySnapshot' && m.resource.endsWith(`/${key}`));
      const copied = twin.core.mutations.find((m) => m.service === 's3' && m.resource.endsWith(`/cache-backups/${key}`));
      const waited = (Date.parse(copied?.at ?? '') - Date.parse(exported?.at ?? '')) / 1000;
      expect(waited).toBeGreaterThanOrEqual(twin.core.seconds('elasticacheSnapshotExport'));
    }
  });

  it('aborts the multipart upload when a part copy fails for good, and fails naming the target and the error', async () => {
    twin.clock.advance(HOUR);
    failCalls(twin, { service: 's3', action: 'UploadPartCopy', error: 'AccessDenied', message: 'part copy denied', count: 100 });

    const result = await runJob(twin, 'backup', { targets: ['cache'] }, { executionName: 'exports-2' });

    twin.core.faults.clear('fail');
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('cache: AccessDenied (part copy denied)');
    expect(callsOf('AbortMultipartUpload', 0).filter((c) => !c.error).length).toBeGreaterThanOrEqual(1);
    expect(twin.s3.openUploads()).toEqual([]);
    expect(twin.s3.hasObject(drBucket, 'cache-backups/lifeline-cache-exports-2-0001.rdb')).toBe(false);
  });

  it("fails naming ElastiCache's refusal when the bucket policy does not grant the export", async () => {
    twin.clock.advance(HOUR);
    const s3 = new S3Client({ region: twin.primaryRegion });
    const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: primaryBucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: primaryBucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    try {
      const before = twin.core.mutations.length;
      const result = await runJob(twin, 'backup', { targets: ['cache'] }, { executionName: 'exports-3' });
      expect(result.status).toBe('FAILED');
      expect(result.cause).toContain(
        'cache: ElastiCache.InvalidParameterValueException (ElastiCache has not been granted READ permissions s3:GetObject',
      );
      // Refused before anything was written to either bucket.
      expect(twin.core.mutations.slice(before).filter((m) => m.service === 's3')).toEqual([]);
    } finally {
      await s3.send(new PutBucketPolicyCommand({ Bucket: primaryBucket, Policy }));
    }
  });
});
