import * as z from 'zod';
import { LifelineError, parseInput, rootCause } from '../shared/errors';
import { type LedgerRef, put } from '../shared/ledger';
import { loadBackupEnv } from './deps';

const resultSchema = z.union([
  z.object({ targetId: z.string(), status: z.literal('SUCCEEDED'), manifest: z.record(z.string(), z.unknown()) }),
  z.object({ targetId: z.string(), status: z.literal('FAILED'), error: z.string(), cause: z.string() }),
]);
const eventSchema = z.object({ runId: z.string(), startedAt: z.string(), results: z.array(resultSchema) });

export interface BackupSummary {
  readonly runId: string;
  readonly succeeded: string[];
  readonly failed: { targetId: string; error: string; cause: string }[];
  readonly manifests: Record<string, unknown>[];
}

/**
 * Records the run's outcome. Every target ran to the end on its own; when
 * any failed, the execution fails naming each failed target and why.
 */
export async function summarize(event: z.infer<typeof eventSchema>, ledger: LedgerRef, now: Date): Promise<BackupSummary> {
  const failed = event.results.flatMap((r) => (r.status === 'FAILED' ? [{ targetId: r.targetId, ...rootCause(r.error, r.cause) }] : []));
  const summary: BackupSummary = {
    runId: event.runId,
    succeeded: event.results.filter((r) => r.status === 'SUCCEEDED').map((r) => r.targetId),
    failed,
    manifests: event.results.flatMap((r) => (r.status === 'SUCCEEDED' ? [r.manifest] : [])),
  };
  await put(ledger, {
    pk: `run#${event.runId}`,
    sk: 'backup-result',
    job: 'backup',
    finishedAt: now.toISOString(),
    status: failed.length ? 'FAILED' : 'SUCCEEDED',
    succeeded: summary.succeeded,
    failed,
  });
  if (failed.length) {
    throw new LifelineError(
      'BackupFailed',
      `${failed.length} of ${event.results.length} targets failed: ` +
        `${failed.map((f) => `${f.targetId}: ${f.error} (${f.cause})`).join('; ')}`,
    );
  }
  return summary;
}

const env = loadBackupEnv();

export const handler = async (event: unknown) => summarize(parseInput(eventSchema, event, 'backup results'), env.ledger, new Date());
