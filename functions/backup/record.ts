import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { parseInput } from '../shared/errors';
import { type LedgerRef, put } from '../shared/ledger';
import { metrics } from '../shared/powertools';
import { backupItemSchema } from '../../contracts/backup';
import { loadBackupEnv } from './deps';

const eventSchema = z.object({
  item: backupItemSchema,
  snapshot: z.object({ createdAt: z.string(), sizeGiB: z.number().optional() }),
  copy: z.object({ drSnapshotId: z.string(), copyStartedAt: z.string(), status: z.string().optional(), note: z.string().optional() }),
  recoveryPoint: z
    .object({
      newestHeartbeat: z.string().optional(),
      rpoSeconds: z.number().optional(),
      rowCounts: z.record(z.string(), z.number()).optional(),
      keyCount: z.number().optional(),
    })
    .optional(),
  prune: z.array(z.unknown()),
});
export type RecordEvent = z.infer<typeof eventSchema>;

export interface Manifest {
  readonly pk: string;
  readonly sk: string;
  readonly runId: string;
  readonly targetId: string;
  readonly kind: string;
  /** The region backed up (the active one); the other region's entry in `snapshots` is its copy. */
  readonly sourceRegion: string;
  readonly snapshots: Record<string, string>;
  readonly snapshotCreatedAt: string;
  readonly sizeGiB?: number;
  readonly backupSeconds: number;
  /** Absent while the copy is pending. */
  readonly copySeconds?: number;
  /** `copied`, or `pending` when the other region did not answer (the next run's copy supersedes it). */
  readonly copy: 'copied' | 'pending';
  readonly copyNote?: string;
  readonly newestHeartbeat?: string;
  readonly rpoSeconds?: number;
  /** Rows per table at snapshot time (databases only). */
  readonly rowCounts?: Record<string, number>;
  /** Keys at snapshot time (caches only). */
  readonly keyCount?: number;
  readonly prune: unknown[];
}

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

/** Writes the backup's manifest to the ledger and publishes its metrics. */
export async function recordManifest(event: RecordEvent, ledger: LedgerRef, now: Date): Promise<Manifest> {
  const { item } = event;
  const pending = event.copy.status === 'deferred';
  const manifest: Manifest = {
    pk: `backup#${item.targetId}`,
    sk: `${event.snapshot.createdAt}#${item.runId}`,
    runId: item.runId,
    targetId: item.targetId,
    kind: item.kind,
    sourceRegion: item.sourceRegion,
    snapshots: pending
      ? { [item.sourceRegion]: item.snapshotId }
      : { [item.sourceRegion]: item.snapshotId, [item.drRegion]: event.copy.drSnapshotId },
    snapshotCreatedAt: event.snapshot.createdAt,
    sizeGiB: event.snapshot.sizeGiB,
    // The copy starts the moment the snapshot is seen available, and this runs the moment the copy is.
    backupSeconds: seconds(item.startedAt, event.copy.copyStartedAt),
    copySeconds: pending ? undefined : seconds(event.copy.copyStartedAt, now.toISOString()),
    copy: pending ? 'pending' : 'copied',
    copyNote: event.copy.note,
    newestHeartbeat: event.recoveryPoint?.newestHeartbeat,
    rpoSeconds: event.recoveryPoint?.rpoSeconds,
    rowCounts: event.recoveryPoint?.rowCounts,
    keyCount: event.recoveryPoint?.keyCount,
    prune: event.prune,
  };
  await put(ledger, { ...manifest });
  metrics.addDimension(METRICS.backup.dimension, item.targetId);
  metrics.addMetric(METRICS.backup.names.backupDuration, MetricUnit.Seconds, manifest.backupSeconds);
  if (manifest.copySeconds !== undefined) metrics.addMetric(METRICS.backup.names.copyDuration, MetricUnit.Seconds, manifest.copySeconds);
  metrics.addMetric(METRICS.backup.names.newestBackupAge, MetricUnit.Seconds, seconds(event.snapshot.createdAt, now.toISOString()));
  metrics.addMetric(METRICS.backup.names.succeeded, MetricUnit.Count, 1);
  metrics.addMetric(METRICS.backup.names.covered, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return manifest;
}

const env = loadBackupEnv();

export const handler = async (event: unknown) => recordManifest(parseInput(eventSchema, event, 'backup record'), env.ledger, new Date());
