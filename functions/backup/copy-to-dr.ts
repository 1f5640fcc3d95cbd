import { CopyDBSnapshotCommand, DBSnapshotAlreadyExistsFault, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { CopyObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { rds, s3 } from '../shared/clients';
import { parseInput } from '../shared/errors';
import { logger } from '../shared/powertools';
import { type BackupItem, backupItemSchema } from '../../contracts/backup';

export interface CopyResult {
  readonly drSnapshotId: string;
  readonly status: string;
  readonly copyStartedAt: string;
}

/** The object key of a cache export in the DR bucket. */
export const drCacheKey = (snapshotId: string) => `cache-backups/${snapshotId}-0001.rdb`;

/**
 * Copies a finished snapshot to the DR region. RDS: CopyDBSnapshot called in
 * the DR region with that region's KMS key (an existing copy of the same name
 * is this run's own, so a retry continues). ElastiCache cannot copy across
 * regions: its export in the primary bucket is copied to the DR bucket and
 * the temporary export deleted.
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
      if (!(error instanceof DBSnapshotAlreadyExistsFault)) throw error;
      const existing = await rds(item.drRegion).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: item.snapshotId }));
      logger.info('DR copy already exists: continuing', { snapshotId: item.snapshotId });
      return { drSnapshotId: item.snapshotId, status: existing.DBSnapshots?.[0]?.Status ?? 'copying', copyStartedAt };
    }
  }
  const exportKey = `${item.snapshotId}-0001.rdb`;
  await s3(item.drRegion).send(
    new CopyObjectCommand({ Bucket: item.drBucket, Key: drCacheKey(item.snapshotId), CopySource: `${item.sourceBucket}/${exportKey}` }),
  );
  await s3(item.sourceRegion).send(new DeleteObjectCommand({ Bucket: item.sourceBucket, Key: exportKey }));
  return { drSnapshotId: drCacheKey(item.snapshotId), status: 'available', copyStartedAt };
}

export const handler = async (event: unknown): Promise<CopyResult> =>
  copyToDr(parseInput(backupItemSchema, event, 'backup item'), () => new Date());
