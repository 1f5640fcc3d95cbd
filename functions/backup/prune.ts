import {
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  ListTagsForResourceCommand,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { DBSnapshotNotFoundFault, DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { elasticache, rds, s3 } from '../shared/clients';
import { isUnreachable, parseInput } from '../shared/errors';
import { type LedgerRef, newestFirst } from '../shared/ledger';
import { logger } from '../shared/powertools';
import { type BackupItem, backupItemSchema, MANAGED_TAG, TARGET_TAG } from '../../contracts/backup';
import { loadBackupEnv } from './deps';
import { drCacheKey } from './copy-to-dr';
import { decideRetention, type RetentionDecision, type RetentionPolicy, type SnapshotFacts } from './retention';

interface Place {
  readonly region: string;
  readonly kind: 'rds-snapshot' | 'cache-snapshot' | 's3-object';
  readonly list: () => Promise<SnapshotFacts[]>;
  readonly remove: (id: string) => Promise<void>;
}

export interface PruneResult {
  readonly region: string;
  readonly kind: Place['kind'];
  readonly kept: RetentionDecision[];
  readonly deleted: RetentionDecision[];
  /** Why nothing was decided there: the other region did not answer (pruned by a later run). */
  readonly skipped?: string;
}

const managedBy = (tags: { Key?: string; Value?: string }[] | undefined, targetId: string) =>
  (tags ?? []).some((t) => t.Key === MANAGED_TAG && t.Value === 'true') &&
  (tags ?? []).some((t) => t.Key === TARGET_TAG && t.Value === targetId);

function placesFor(item: BackupItem): Place[] {
  if (item.kind === 'rds') {
    return [item.sourceRegion, item.drRegion].map((region) => ({
      region,
      kind: 'rds-snapshot' as const,
      list: async () => {
        const described = await rds(region).send(
          new DescribeDBSnapshotsCommand({
            SnapshotType: 'manual',
            ...(region === item.sourceRegion ? { DBInstanceIdentifier: item.identifier } : {}),
          }),
        );
        return (described.DBSnapshots ?? []).map((s) => ({
          id: s.DBSnapshotIdentifier ?? '',
          createdAt: (s.SnapshotCreateTime ?? new Date(0)).toISOString(),
          managed: managedBy(s.TagList, item.targetId),
          available: s.Status === 'available',
        }));
      },
      remove: async (id) => {
        try {
          await rds(region).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
        } catch (error) {
          if (!(error instanceof DBSnapshotNotFoundFault)) throw error;
        }
      },
    }));
  }
  return [
    {
      region: item.sourceRegion,
      kind: 'cache-snapshot',
      list: async () => {
        const described = await elasticache(item.sourceRegion).send(new DescribeSnapshotsCommand({ ReplicationGroupId: item.identifier }));
        return Promise.all(
          (described.Snapshots ?? []).map(async (s) => {
            const tags = await elasticache(item.sourceRegion).send(new ListTagsForResourceCommand({ ResourceName: s.ARN }));
            return {
              id: s.SnapshotName ?? '',
              createdAt: (s.NodeSnapshots?.[0]?.SnapshotCreateTime ?? new Date(0)).toISOString(),
              managed: managedBy(tags.TagList, item.targetId),
              available: s.SnapshotStatus === 'available',
            };
          }),
        );
      },
      remove: async (id) => {
        try {
          await elasticache(item.sourceRegion).send(new DeleteSnapshotCommand({ SnapshotName: id }));
        } catch (error) {
          if (!(error instanceof SnapshotNotFoundFault)) throw error;
        }
      },
    },
    {
      region: item.drRegion,
      kind: 's3-object',
      list: async () => {
        // Only Lifeline writes under this prefix: every object there is managed.
        const listed = await s3(item.drRegion).send(
          new ListObjectsV2Command({ Bucket: item.drBucket, Prefix: drCacheKey(`lifeline-${item.targetId}-`).replace(/-0001\.rdb$/, '') }),
        );
        return (listed.Contents ?? []).map((o) => ({
          id: o.Key ?? '',
          createdAt: (o.LastModified ?? new Date(0)).toISOString(),
          managed: true,
          available: true,
        }));
      },
      remove: async (key) => {
        await s3(item.drRegion).send(new DeleteObjectCommand({ Bucket: item.drBucket, Key: key }));
      },
    },
  ];
}

/** Applies the retention policy to one target in both regions; returns what was kept and deleted and why. */
export async function prune(item: BackupItem, policy: RetentionPolicy, ledger: LedgerRef, now: Date): Promise<PruneResult[]> {
  const [verified] = await newestFirst(ledger, `verify#${item.targetId}`, { prefix: 'passed#', limit: 1 });
  const newestVerifiedId = typeof verified?.snapshotId === 'string' ? verified.snapshotId : undefined;
  const results: PruneResult[] = [];
  for (const place of placesFor(item)) {
    let facts: SnapshotFacts[];
    try {
      facts = await place.list();
    } catch (error) {
      // The other region in an outage: this region's retention still applies; that region's waits for a later run.
      if (place.region === item.sourceRegion || !isUnreachable(error)) throw error;
      results.push({ region: place.region, kind: place.kind, kept: [], deleted: [], skipped: `${place.region} did not answer` });
      continue;
    }
    const decisions = decideRetention(
      facts,
      policy,
      now,
      place.kind === 's3-object' && newestVerifiedId ? drCacheKey(newestVerifiedId) : newestVerifiedId,
    );
    const deleted = decisions.filter((d) => d.action === 'delete');
    for (const decision of deleted) await place.remove(decision.id);
    results.push({ region: place.region, kind: place.kind, kept: decisions.filter((d) => d.action === 'keep'), deleted });
  }
  logger.info('pruned', { target: item.targetId, deleted: results.flatMap((r) => r.deleted.map((d) => `${r.region}/${d.id}`)) });
  return results;
}

const env = loadBackupEnv();

export const handler = async (event: unknown) =>
  prune(parseInput(backupItemSchema, event, 'backup item'), env.retention, env.ledger, new Date());
