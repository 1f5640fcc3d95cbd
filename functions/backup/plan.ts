import type { Inventory } from '../../contracts/inventory';
import { parseInput, ValidationError } from '../shared/errors';
import { type LedgerRef, newestFirst, putOnce } from '../shared/ledger';
import { logger } from '../shared/powertools';
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
}

/** Validates the input (before anything changes) and plans one item per target. */
export async function planBackup(event: PlanEvent, inventory: Inventory, ledger: LedgerRef): Promise<Plan> {
  const input = parseInput(backupInputSchema, event.input ?? {}, 'backup input');
  const known = backupTargetsOf(inventory);
  const unknown = (input.targets ?? []).flatMap((id, index) =>
    known.some((t) => t.id === id) ? [] : [`targets.${index}: unknown target "${id}" (known: ${known.map((t) => t.id).join(', ')})`],
  );
  if (unknown.length) throw new ValidationError(`Invalid backup input: ${unknown.join('; ')}`);
  const wanted = input.targets ? known.filter((t) => input.targets?.includes(t.id)) : known;
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
      sourceRegion: inventory.primary.region,
      drRegion: inventory.dr.region,
      identifier,
      snapshotId: snapshotName(targetId, event.executionName),
      drKmsKeyArn: inventory.dr.kmsKeyArn,
      sourceBucket: inventory.primary.bucket,
      drBucket: inventory.dr.bucket,
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
  const reason = input.reason ?? (input.source === 'schedule' ? 'scheduled backup' : 'manual backup');
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

export const handler = async (event: PlanEvent): Promise<Plan> => planBackup(event, env.inventory, env.ledger);
