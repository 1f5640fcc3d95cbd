import {
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketPolicyCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsBucketStatements } from '../../contracts/artifacts-bucket';
import type { Twin } from '../../local/twin';
import { RDB_BYTES_PER_KEY } from '../../local/twin/services/elasticache';
import { startTwin } from '../support/twin';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const TOO_LARGE = 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120';

describe('twin S3 and ElastiCache exports: what AWS refuses, the twin refuses', () => {
  let twin: Twin;
  let primary: string;
  let dr: string;
  let primaryBucket: string;
  let drBucket: string;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'fidelity' }, { start: new Date('2026-05-04T00:00:00.000Z'), cacheKeys: 3000 });
    primary = twin.primaryRegion;
    dr = twin.drRegion;
    primaryBucket = twin.inventory.primary.bucket;
    drBucket = twin.inventory.dr.bucket;
  });
  afterAll(async () => twin?.stop());

  const pass = (seconds: number) => twin.clock.advance(seconds * 1000);
  const s3 = (region: string) => new S3Client({ region });
  const cache = (region: string) => new ElastiCacheClient({ region });
  const head = (bucket: string, key: string) => s3(primary).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  async function availableSnapshot(name: string): Promise<void> {
    await cache(primary).send(
      new CreateSnapshotCommand({ ReplicationGroupId: twin.inventory.primary.cacheReplicationGroupId, SnapshotName: name }),
    );
    pass(twin.core.seconds('elasticacheSnapshotCreate'));
  }
  async function withPolicy<T>(bucket: string, statements: object[], act: () => Promise<T>): Promise<T> {
    const { Policy } = await s3(primary).send(new GetBucketPolicyCommand({ Bucket: bucket }));
    await s3(primary).send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }),
    );
    try {
      return await act();
    } finally {
      await s3(primary).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy }));
    }
  }

  it("attaches each artifacts bucket's synthesized policy: TLS only, and the product's grant to its own region's ElastiCache", async () => {
    const { Policy } = await s3(primary).send(new GetBucketPolicyCommand({ Bucket: primaryBucket }));
    const attached = JSON.parse(Policy ?? '{}') as { Statement: Record<string, unknown>[] };
    expect(attached.Statement).toEqual(twin.iam?.view.bucketPolicies[primaryBucket]?.Statement);
    const [grant] = artifactsBucketStatements(primary, `arn:aws:s3:::${primaryBucket}`);
    expect(attached.Statement).toContainEqual(expect.objectContaining({ Effect: 'Allow', Principal: grant.Principal }));
    expect(attached.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(JSON.stringify(artifactsBucketStatements(dr, `arn:aws:s3:::${drBucket}`))).toContain(`${dr}.elasticache-snapshot.amazonaws.com`);
  });

  it('exports only with the bucket-policy grant, in the same region; no exporting status; the RDB lands after the export', async () => {
    await availableSnapshot('fid-export');
    const exportTo = (bucket: string, target = 'fid-export') =>
      cache(primary).send(new CopySnapshotCommand({ SourceSnapshotName: 'fid-export', TargetSnapshotName: target, TargetBucket: bucket }));

    await expect(exportTo(drBucket)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: `The S3 bucket ${drBucket} is outside of the region.`,
    });
    await expect(exportTo('no-such-bucket')).rejects.toMatchObject({ message: 'The S3 bucket no-such-bucket does not exist.' });
    await expect(withPolicy(primaryBucket, [], () => exportTo(primaryBucket))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'ElastiCache has not been granted READ permissions s3:GetObject on the S3 Bucket.',
    });
    const [grant] = artifactsBucketStatements(primary, `arn:aws:s3:::${primaryBucket}`);
    const withoutAcl = { ...grant, Action: grant.Action.filter((a) => a !== 's3:GetBucketAcl') };
    await expect(withPolicy(primaryBucket, [withoutAcl], () => exportTo(primaryBucket))).rejects.toMatchObject({
      message: 'ElastiCache has not been granted READ_ACP permissions s3:GetBucketAcl on the S3 Bucket.',
    });
    const otherRegion = artifactsBucketStatements(dr, `arn:aws:s3:::${primaryBucket}`);
    await expect(withPolicy(primaryBucket, otherRegion, () => exportTo(primaryBucket))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    expect(twin.core.mutations.filter((m) => m.action === 'CopySnapshot')).toEqual([]);

    await exportTo(primaryBucket);
    const key = 'fid-export-0001.rdb';
    const described = await cache(primary).send(new DescribeSnapshotsCommand({ SnapshotName: 'fid-export' }));
    expect(described.Snapshots?.[0].SnapshotStatus).toBe('available');
    await expect(head(primaryBucket, key)).rejects.toMatchObject({ name: 'NotFound' });
    await expect(exportTo(primaryBucket)).rejects.toMatchObject({
      message: `The S3 bucket ${primaryBucket} already contains an object with key ${key}.`,
    });
    pass(twin.core.seconds('elasticacheSnapshotExport') - 1);
    await expect(head(primaryBucket, key)).rejects.toMatchObject({ name: 'NotFound' });
    pass(1);
    expect((await head(primaryBucket, key)).ContentLength).toBe(3000 * RDB_BYTES_PER_KEY);
  });

  it('seeds a new group from an RDB file only where the region’s ElastiCache principal may read it', async () => {
    const key = 'fid-export-0001.rdb';
    const seed = (region: string, bucket: string, id: string) =>
      cache(region).send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: id,
          ReplicationGroupDescription: 'seeded',
          SnapshotArns: [`arn:aws:s3:::${bucket}/${key}`],
        }),
      );
    // The primary bucket grants the primary region's principal only.
    await expect(seed(dr, primaryBucket, 'fid-seed-dr')).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'ElastiCache has not been granted READ permissions s3:GetObject on the S3 Bucket.',
    });
    await s3(dr).send(new CopyObjectCommand({ Bucket: drBucket, Key: `cache-backups/${key}`, CopySource: `${primaryBucket}/${key}` }));
    await expect(
      cache(dr).send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: 'fid-seed-dr-2',
          ReplicationGroupDescription: 'seeded',
          SnapshotArns: [`arn:aws:s3:::${drBucket}/cache-backups/${key}`],
        }),
      ),
    ).resolves.toBeDefined();
    expect(twin.elasticache.group(dr, 'fid-seed-dr-2').keyCount).toBe(3000);
  });

  it('refuses CopyObject of a source over 5 GiB (InvalidRequest); UploadPartCopy parts of 5 MiB to 5 GiB copy it', async () => {
    const size = 6 * GiB + 123;
    twin.s3.putInternal(primaryBucket, 'big.rdb', '{"keyCount":1}', twin.clock.now(), size);
    const copy = (bucket: string, key: string) =>
      s3(dr).send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${primaryBucket}/big.rdb` }));
    await expect(copy(drBucket, 'cache-backups/big.rdb')).rejects.toMatchObject({ name: 'InvalidRequest', message: TOO_LARGE });
    twin.s3.putInternal(primaryBucket, 'exactly-5gib.rdb', '{}', twin.clock.now(), 5 * GiB);
    await s3(dr).send(
      new CopyObjectCommand({ Bucket: drBucket, Key: 'cache-backups/5gib.rdb', CopySource: `${primaryBucket}/exactly-5gib.rdb` }),
    );

    const client = s3(dr);
    const target = { Bucket: drBucket, Key: 'cache-backups/big.rdb' };
    const { UploadId } = await client.send(new CreateMultipartUploadCommand(target));
    const part = (PartNumber: number, range?: string) =>
      client.send(
        new UploadPartCopyCommand({ ...target, UploadId, PartNumber, CopySource: `${primaryBucket}/big.rdb`, CopySourceRange: range }),
      );
    await expect(part(1)).rejects.toMatchObject({ name: 'InvalidRequest', message: TOO_LARGE });
    await expect(part(1, `bytes=0-${5 * GiB}`)).rejects.toMatchObject({ name: 'InvalidRequest', message: TOO_LARGE });
    await expect(part(10_001, 'bytes=0-99')).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(part(1, `bytes=0-${size}`)).rejects.toMatchObject({
      name: 'InvalidArgument',
      message: `Range specified is not valid for source object of size: ${size}`,
    });
    // A part may be small while uploading; a part under 5 MiB that is not the last is refused on completion.
    const small = await part(1, `bytes=0-${MiB - 1}`);
    await expect(part(2, `bytes=${MiB}-${size - 1}`)).rejects.toMatchObject({ name: 'InvalidRequest', message: TOO_LARGE });
    const next = await part(2, `bytes=${MiB}-${GiB - 1}`);
    const parts = [small, next].map((p, i) => ({ ETag: p.CopyPartResult?.ETag, PartNumber: i + 1 }));
    await expect(
      client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } })),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId }));
  });

  it('completes a multipart copy of whole parts into one object of the source size; an aborted upload is gone', async () => {
    const size = 6 * GiB + 123;
    const client = s3(dr);
    const target = { Bucket: drBucket, Key: 'cache-backups/big.rdb' };
    const { UploadId } = await client.send(new CreateMultipartUploadCommand(target));
    const part = (PartNumber: number, first: number, last: number) =>
      client.send(
        new UploadPartCopyCommand({
          ...target,
          UploadId,
          PartNumber,
          CopySource: `${primaryBucket}/big.rdb`,
          CopySourceRange: `bytes=${first}-${last}`,
        }),
      );
    const parts = [await part(1, 0, 4 * GiB - 1), await part(2, 4 * GiB, size - 1)].map((p, i) => ({
      ETag: p.CopyPartResult?.ETag,
      PartNumber: i + 1,
    }));
    await expect(
      client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: [...parts].reverse() } })),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
    expect((await client.send(new HeadObjectCommand(target))).ContentLength).toBe(size);
    expect(twin.s3.getInternal(drBucket, target.Key)).toBe('{"keyCount":1}');

    const aborted = await client.send(new CreateMultipartUploadCommand(target));
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId: aborted.UploadId }));
    await expect(client.send(new AbortMultipartUploadCommand({ ...target, UploadId: aborted.UploadId }))).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
  });
});
