import { CopyDBSnapshotCommand, DBSnapshotAlreadyExistsFault, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  NotFound,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { rds, s3 } from '../shared/clients';
import { isUnreachable, parseInput } from '../shared/errors';
import { logger } from '../shared/powertools';
import { type BackupItem, backupItemSchema } from '../../contracts/backup';

export interface CopyResult {
  readonly drSnapshotId: string;
  /** The copy's status; `deferred` when the other region did not answer (the next run's copy supersedes it). */
  readonly status: string;
  readonly copyStartedAt: string;
  /** Why a copy is deferred. */
  readonly note?: string;
}

/**
 * The answer when the other region does not answer (a regional outage: after a failover, the primary). The backup
 * is made and recorded in this region; its copy is pending, not failed, and the next run once the region answers
 * copies its own, newer snapshot.
 */
const deferred = (item: BackupItem, drSnapshotId: string, copyStartedAt: string, error: unknown): CopyResult => {
  logger.warn('the other region does not answer: copy deferred', { region: item.drRegion, snapshotId: item.snapshotId, error });
  return {
    drSnapshotId,
    status: 'deferred',
    copyStartedAt,
    note: `${item.drRegion} did not answer (${error instanceof Error ? error.name : String(error)}): the copy is pending`,
  };
};

/**
 * The object ElastiCache writes when it exports a snapshot to S3: `<TargetSnapshotName>-0001.rdb`, one per shard
 * (ElastiCache guide, "Exporting a backup"); the caches Lifeline protects have one shard.
 */
export const cacheExportKey = (snapshotId: string) => `${snapshotId}-0001.rdb`;

/** The object key of a cache export in the DR bucket. */
export const drCacheKey = (snapshotId: string) => `cache-backups/${cacheExportKey(snapshotId)}`;

const MiB = 1024 * 1024;
/**
 * S3 API reference, CopyObject: "You create a copy of your object up to 5 GB in size in a single atomic action
 * using this API. However, to copy an object greater than 5 GB, you must use the multipart upload Upload Part -
 * Copy (UploadPartCopy) API." Larger sources are refused with InvalidRequest.
 */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 * MiB;
/**
 * Parts of 512 MiB, copied four at a time: inside S3's multipart limits (parts of 5 MiB to 5 GiB, at most
 * 10,000; S3 User Guide, "Amazon S3 multipart upload limits"); an object over 5,000 GiB gets larger parts.
 */
const PART_BYTES = 512 * MiB;
const MAX_PARTS = 10_000;
const PARTS_AT_ONCE = 4;

/** The inclusive byte ranges an object of `size` bytes is copied in: at most 10,000, each at least PART_BYTES but the last. */
export function partRanges(size: number): { first: number; last: number }[] {
  const partBytes = Math.max(PART_BYTES, Math.ceil(size / MAX_PARTS));
  const ranges: { first: number; last: number }[] = [];
  for (let first = 0; first < size; first += partBytes) ranges.push({ first, last: Math.min(size, first + partBytes) - 1 });
  return ranges;
}

interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Copies an object with a client of the target's region: one CopyObject up
 * to 5 GiB, a multipart upload of UploadPartCopy parts above. A failed
 * multipart copy is aborted (its parts would otherwise be stored, and
 * billed, until a lifecycle rule removes them) and the error rethrown.
 */
export async function copyObject(region: string, source: ObjectRef & { readonly size: number }, target: ObjectRef): Promise<void> {
  const copySource = `${source.bucket}/${source.key}`;
  if (source.size <= MAX_SINGLE_COPY_BYTES) {
    await s3(region).send(new CopyObjectCommand({ Bucket: target.bucket, Key: target.key, CopySource: copySource }));
    return;
  }
  const { UploadId } = await s3(region).send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key }));
  const upload = { Bucket: target.bucket, Key: target.key, UploadId };
  try {
    const ranges = partRanges(source.size);
    const parts: { ETag?: string; PartNumber: number }[] = [];
    for (let start = 0; start < ranges.length; start += PARTS_AT_ONCE) {
      // allSettled: no part is still being copied when a failure aborts the upload.
      const batch = await Promise.allSettled(
        ranges.slice(start, start + PARTS_AT_ONCE).map(async ({ first, last }, offset) => {
          const PartNumber = start + offset + 1;
          const copied = await s3(region).send(
            new UploadPartCopyCommand({ ...upload, PartNumber, CopySource: copySource, CopySourceRange: `bytes=${first}-${last}` }),
          );
          return { ETag: copied.CopyPartResult?.ETag, PartNumber };
        }),
      );
      const failed = batch.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      for (const result of batch) if (result.status === 'fulfilled') parts.push(result.value);
    }
    await s3(region).send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await s3(region)
      .send(new AbortMultipartUploadCommand(upload))
      .catch((abortError: unknown) => logger.error('could not abort the multipart copy', { upload, error: abortError }));
    throw error;
  }
}

/** The object's size, or undefined when it is not (yet) there. */
async function sizeOf(region: string, { bucket, key }: ObjectRef): Promise<number | undefined> {
  try {
    return (await s3(region).send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? 0;
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

/**
 * Copies a finished snapshot to the DR region. RDS: CopyDBSnapshot called in
 * the DR region with that region's KMS key (an existing copy of the same name
 * is this run's own, so a retry continues). ElastiCache cannot copy across
 * regions: its export in the primary bucket is copied to the DR bucket and
 * the temporary export deleted. ElastiCache reports no export progress (no
 * snapshot status), so the export is done when its object is there: until
 * then this answers `pending` and the state machine asks again.
 */
export async function copyToDr(item: BackupItem, now: () => Date): Promise<CopyResult> {
  const copyStartedAt = now().toISOString();
  if (item.kind === 'rds') {
    // A cross-region copy names its source by ARN; the SDK presigns the source-region request from it.
    const source = await rds(item.sourceRegion).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: item.snapshotId }));
    const sourceArn = source.DBSnapshots?.[0]?.DBSnapshotArn;
    if (!sourceArn) throw new Error(`Snapshot ${item.snapshotId} not found in ${item.sourceRegion}`);
    try {
      const copied = await rds(item.drRegion).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: sourceArn,
          TargetDBSnapshotIdentifier: item.snapshotId,
          KmsKeyId: item.drKmsKeyArn,
          CopyTags: true,
        }),
      );
      return { drSnapshotId: item.snapshotId, status: copied.DBSnapshot?.Status ?? 'copying', copyStartedAt };
    } catch (error) {
      if (isUnreachable(error)) return deferred(item, item.snapshotId, copyStartedAt, error);
      if (!(error instanceof DBSnapshotAlreadyExistsFault)) throw error;
      const existing = await rds(item.drRegion).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: item.snapshotId }));
      logger.info('DR copy already exists: continuing', { snapshotId: item.snapshotId });
      return { drSnapshotId: item.snapshotId, status: existing.DBSnapshots?.[0]?.Status ?? 'copying', copyStartedAt };
    }
  }
  const exported = { bucket: item.sourceBucket, key: cacheExportKey(item.snapshotId) };
  const copy = { bucket: item.drBucket, key: drCacheKey(item.snapshotId) };
  const size = await sizeOf(item.sourceRegion, exported);
  if (size === undefined) {
    // A retry after the copy was made and the export deleted finds the copy: done.
    try {
      const copied = (await sizeOf(item.drRegion, copy)) !== undefined;
      return { drSnapshotId: copy.key, status: copied ? 'available' : 'pending', copyStartedAt };
    } catch (error) {
      if (isUnreachable(error)) return deferred(item, copy.key, copyStartedAt, error);
      throw error;
    }
  }
  let result: CopyResult = { drSnapshotId: copy.key, status: 'available', copyStartedAt };
  try {
    await copyObject(item.drRegion, { ...exported, size }, copy);
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    result = deferred(item, copy.key, copyStartedAt, error);
  }
  // The export is temporary either way: the snapshot stays in this region, and a deferred copy is made afresh next run.
  await s3(item.sourceRegion).send(new DeleteObjectCommand({ Bucket: exported.bucket, Key: exported.key }));
  return result;
}

export const handler = async (event: unknown): Promise<CopyResult> =>
  copyToDr(parseInput(backupItemSchema, event, 'backup item'), () => new Date());
