import { type Inventory, otherRole } from '../../contracts/inventory';
import type { RegionRole } from '../../contracts/naming';
import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Passive, passiveUnlessActive } from '../shared/active-region';
import { parseInput, ValidationError } from '../shared/errors';
import { type LedgerRef, newestFirst, putOnce } from '../shared/ledger';
import { logger, metrics } from '../shared/powertools';
import {
  type BackupInput,
  backupInputSchema,
  type BackupItem,
  backupTargetsOf,
  MANAGED_TAG,
  snapshotName,
  TARGET_TAG,
} from '../../contracts/backup';
import { loadBackupEnv } from './deps';

/** Defaults before any backup of a target has been measured. */
const DEFAULT_EXPECTED_SECONDS = { rds: 300, elasticache: 120, copy: 900 } as const;

/** Polling that does not waste transitions: first check at the expected duration, then every quarter of it. */
export function pollingFor(expectedSeconds: number): { first: number; poll: number } {
  const first = Math.max(30, Math.round(expectedSeconds));
  return { first, poll: Math.max(30, Math.round(first / 4)) };
}

export interface PlanEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startedAt: string;
}

export interface Plan {
  readonly runId: string;
  readonly startedAt: string;
  readonly reason: string;
  readonly source: BackupInput['source'];
  readonly items: BackupItem[];
  /** False when this execution already planned (a redrive or a duplicate start). */
  readonly firstAttempt: boolean;
  /** Present when this region is passive: the run records a no-op and backs nothing up (the state machine ends). */
  readonly passive?: Passive;
}

/**
 * Validates the input (before anything changes) and plans one item per target of this region's workload, copied to
 * the other region. In the passive region it plans nothing: the run is recorded as a no-op.
 */
export async function planBackup(event: PlanEvent, inventory: Inventory, ledger: LedgerRef, role: RegionRole = 'primary'): Promise<Plan> {
  const input = parseInput(backupInputSchema, event.input ?? {}, 'backup input');
  const [home, away] = [inventory[role], inventory[otherRole(role)]];
  const known = backupTargetsOf(inventory, role);
  const unknown = (input.targets ?? []).flatMap((id, index) =>
    known.some((t) => t.id === id) ? [] : [`targets.${index}: unknown target "${id}" (known: ${known.map((t) => t.id).join(', ')})`],
  );
  if (unknown.length) throw new ValidationError(`Invalid backup input: ${unknown.join('; ')}`);
  const wanted = input.targets ? known.filter((t) => input.targets?.includes(t.id)) : known;
  const reason = input.reason ?? (input.source === 'schedule' ? 'scheduled backup' : 'manual backup');
  const run = { executionName: event.executionName, startedAt: event.startedAt, region: home.region, role };
  const passive = await passiveUnlessActive(ledger, 'backup', run);
  if (passive) {
    // The stale-backup alarms count these with the successes: a passive region's duty is met by the active one.
    for (const target of wanted) {
      metrics.addDimension(METRICS.backup.dimension, target.id);
      metrics.addMetric(METRICS.backup.names.passive, MetricUnit.Count, 1);
      metrics.addMetric(METRICS.backup.names.covered, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    logger.info('backup: passive region', { ...passive });
    return { runId: event.executionName, startedAt: event.startedAt, reason, source: input.source, items: [], firstAttempt: true, passive };
  }
  const items: BackupItem[] = [];
  for (const { id: targetId, kind, identifier } of wanted) {
    const [last] = await newestFirst(ledger, `backup#${targetId}`, { limit: 1 });
    const expected = typeof last?.backupSeconds === 'number' ? last.backupSeconds : DEFAULT_EXPECTED_SECONDS[kind];
    const expectedCopy = typeof last?.copySeconds === 'number' ? last.copySeconds : DEFAULT_EXPECTED_SECONDS.copy;
    const polling = pollingFor(expected);
    const copyPolling = pollingFor(expectedCopy);
    items.push({
      runId: event.executionName,
      targetId,
      kind,
      sourceRegion: home.region,
      drRegion: away.region,
      identifier,
      snapshotId: snapshotName(targetId, event.executionName),
      drKmsKeyArn: away.kmsKeyArn,
      sourceBucket: home.bucket,
      drBucket: away.bucket,
      firstWaitSeconds: polling.first,
      pollSeconds: polling.poll,
      copyFirstWaitSeconds: copyPolling.first,
      copyPollSeconds: copyPolling.poll,
      startedAt: event.startedAt,
      tags: [
        { Key: MANAGED_TAG, Value: 'true' },
        { Key: TARGET_TAG, Value: targetId },
        { Key: 'lifeline:job', Value: 'backup' },
        { Key: 'lifeline:execution', Value: event.executionName.slice(0, 256) },
        { Key: 'lifeline:created-at', Value: event.startedAt },
      ],
    });
  }
  const firstAttempt = await putOnce(ledger, {
    pk: `run#${event.executionName}`,
    sk: 'backup',
    job: 'backup',
    startedAt: event.startedAt,
    reason,
    source: input.source,
    targets: items.map((i) => i.targetId),
  });
  logger.info('backup planned', { runId: event.executionName, targets: items.map((i) => i.targetId), firstAttempt });
  return { runId: event.executionName, startedAt: event.startedAt, reason, source: input.source, items, firstAttempt };
}

const env = loadBackupEnv();

export const handler = async (event: PlanEvent): Promise<Plan> => planBackup(event, env.inventory, env.ledger, env.role);
