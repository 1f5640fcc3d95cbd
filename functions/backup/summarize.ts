import { z } from 'zod';
import { LifelineError, parseInput } from '../shared/errors';
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The real error of a failed target: a child execution fails its task with
 * States.TaskFailed and carries its own Error and Cause in the Cause; a
 * Lambda's Cause is JSON with errorMessage.
 */
export function rootCause(error: string, cause: string): { error: string; cause: string } {
  const parsed = parseJson(cause);
  if (typeof parsed === 'object' && parsed !== null) {
    if ('Error' in parsed && typeof parsed.Error === 'string') return rootCause(parsed.Error, 'Cause' in parsed ? String(parsed.Cause) : '');
    if ('errorMessage' in parsed) return { error, cause: String(parsed.errorMessage) };
  }
  return { error, cause };
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
  await put(ledger, { pk: `run#${event.runId}`, sk: 'backup-result', job: 'backup', finishedAt: now.toISOString(), status: failed.length ? 'FAILED' : 'SUCCEEDED', succeeded: summary.succeeded, failed });
  if (failed.length) {
    throw new LifelineError('BackupFailed', `${failed.length} of ${event.results.length} targets failed: ${failed.map((f) => `${f.targetId}: ${f.error} (${f.cause})`).join('; ')}`);
  }
  return summary;
}

const env = loadBackupEnv();

export const handler = async (event: unknown) => summarize(parseInput(eventSchema, event, 'backup results'), env.ledger, new Date());
