import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { type Inventory } from '../../contracts/inventory';
import { CUTOVERS_PK, type PitrPlan, pitrPlanSchema, undoPhrase } from '../../contracts/point-in-time-recovery';
import { s3 } from '../shared/clients';
import { parseInput, rootCause } from '../shared/errors';
import { type LedgerRef, put } from '../shared/ledger';
import { pitrDepsFromEnv } from './deps';
import { PITR_APPROVALS } from './approval';
import { type Progress, progressSchema } from './steps';
import type { Findings } from './verify';

const findingsSchema: z.ZodType<Findings> = z.looseObject({
  writes: z.array(z.looseObject({ table: z.string(), basis: z.string() })),
  writesGivenUp: z.number(),
  basis: z.string(),
}) as unknown as z.ZodType<Findings>;

/** The runbook's state at the end: whatever it reached. */
const eventSchema = z.looseObject({
  plan: pitrPlanSchema,
  findings: findingsSchema.optional(),
  restore: progressSchema.optional(),
  cutover: progressSchema.optional(),
  reprotect: progressSchema.optional(),
  reprotectError: z.object({ Error: z.string(), Cause: z.string() }).optional(),
  cleanup: progressSchema.optional(),
  progress: progressSchema.optional(),
  approval: z.unknown().optional(),
  declined: z.object({ why: z.enum(['rejected', 'timed-out']) }).optional(),
  /** The approver's rejection (its cause says why), or the timeout. */
  answer: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  error: z.object({ Error: z.string(), Cause: z.string() }).optional(),
});
export type PitrReportEvent = z.infer<typeof eventSchema>;

export type PitrOutcome = 'dry-run' | 'restored' | 'cut-over' | 'undone' | 'rejected' | 'timed-out' | 'verification-failed' | 'failed';

const seconds = (from?: string, to?: string) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined);

function outcomeOf(event: PitrReportEvent): PitrOutcome {
  const { plan } = event;
  if (event.error) return 'failed';
  if (event.declined) return event.declined.why;
  if (event.findings?.passed === false) return 'verification-failed';
  if (plan.mode === 'dry-run') return 'dry-run';
  if (plan.mode === 'restore') return 'restored';
  return event.cutover?.ready ? (plan.mode === 'undo' ? 'undone' : 'cut-over') : 'failed';
}

/** Where a swap that did not finish stands, for the operator who picks it up. */
function standing(plan: PitrPlan, progress: Progress | undefined): string | undefined {
  if (!plan.swap || progress?.step !== 'cutover') return undefined;
  return (
    `the swap stopped at "${String(progress.detail.phase ?? 'its start')}": ${plan.instanceId} is to be held by ` +
    `${plan.swap.replacementId}, the current instance kept as ${plan.swap.setAsideId}; nothing was deleted. ` +
    'Redrive the execution to go on from there.'
  );
}

function summaryOf(outcome: PitrOutcome, event: PitrReportEvent, downtime?: number): string {
  const { plan, findings } = event;
  const given = findings ? `${findings.writesGivenUp} writes given up` : 'writes not counted';
  switch (outcome) {
    case 'dry-run': {
      const inWindow = plan.window && plan.targetTime && plan.targetTime >= plan.window.earliest && plan.targetTime <= plan.window.latest;
      return plan.window
        ? `${plan.targetTime ?? ''} is ${inWindow ? 'inside' : 'OUTSIDE'} the restorable window ${plan.window.earliest} – ` +
            `${plan.window.latest}; a cutover to it would give up ${findings?.writesGivenUp ?? 'an uncounted number of'} writes`
        : `${plan.instanceId} has no restorable window (no automated backups)`;
    }
    case 'restored':
      return (
        `${plan.tempInstanceId ?? ''} holds ${plan.instanceId} as of ${plan.targetTime ?? ''}, verified, ` +
        `kept until ${plan.expiresAt ?? ''} for copying data back (${given} since then)`
      );
    case 'cut-over':
    case 'undone':
      return (
        (plan.mode === 'undo'
          ? `${plan.instanceId} is back on ${plan.swap?.replacementId ?? ''}; `
          : `${plan.instanceId} is now the copy restored to ${plan.targetTime ?? ''}; `) +
        `${given}; downtime ${Math.round(downtime ?? 0)} s; the previous instance is kept as ${plan.swap?.setAsideId ?? ''}`
      );
    case 'rejected':
      return (
        `the approver rejected it (${event.answer?.Cause ?? 'no reason given'}): ` +
        'production was not changed, the temporary instance was deleted'
      );
    case 'timed-out':
      return (
        `no answer within ${Math.round(plan.approvalTimeoutSeconds / 60)} min: ` +
        'production was not changed, the temporary instance was deleted'
      );
    case 'verification-failed':
      return `the restored copy failed its checks: ${(findings?.checks ?? [])
        .filter((c) => !c.passed)
        .map((c) => `${c.name} (${c.detail})`)
        .join('; ')}`;
    case 'failed': {
      const root = event.error ? rootCause(event.error.Error, event.error.Cause) : undefined;
      const where = standing(plan, event.progress);
      return `${root ? `${root.error}: ${root.cause}` : 'the cutover did not finish'}${where ? `; ${where}` : ''}`;
    }
  }
}

/** What the DR region follows after a cutover or an undo. */
function protectionText(event: PitrReportEvent): string {
  if (!event.cutover?.ready) return '';
  if (event.reprotectError) {
    const root = rootCause(event.reprotectError.Error, event.reprotectError.Cause);
    return `; the DR region does NOT follow it yet (${root.error}: ${root.cause}): redrive the execution`;
  }
  const detail = event.reprotect?.detail ?? {};
  if (detail.kind === 'replica')
    return (
      `; the DR replica ${String(detail.replica)} replicates from it ` +
      (detail.renamed ? `(the previous replica kept as ${String(detail.renamed)})` : '(it already did)')
    );
  if (detail.kind === 'backup-replication') return `; its automated backups replicate to ${String(detail.region)} (${String(detail.note)})`;
  return `; DR: ${String(detail.note ?? event.plan.protection?.note ?? 'nothing to re-point')}`;
}

/**
 * The run's report: the ledger (`pitr#<instance>`; a cutover also under `pitr#cutover`, which `undo` reads), a JSON
 * report in the region's artifacts bucket, and the pending approval closed. Downtime runs from the first rename to
 * the replacement answering under the name; the RTO from the start of the cutover (after approval) to then, against
 * its critical path, the two renames.
 */
export async function reportRecovery(event: PitrReportEvent, inventory: Inventory, ledger: LedgerRef, now: Date) {
  const { plan, findings, cutover } = event;
  const outcome = outcomeOf(event);
  // A cutover whose DR region does not follow it yet is not done: the run fails, saying production was cut over.
  const ok = ['dry-run', 'restored', 'cut-over', 'undone', 'rejected'].includes(outcome) && !event.reprotectError;
  const downtimeSeconds = seconds(cutover?.detail.downtimeStartedAt as string | undefined, cutover?.detail.servedAt as string | undefined);
  const report = {
    runId: plan.runId,
    mode: plan.mode,
    outcome,
    ok,
    summary: summaryOf(outcome, event, downtimeSeconds) + protectionText(event),
    region: plan.region,
    instanceId: plan.instanceId,
    reason: plan.reason,
    targetTime: plan.targetTime,
    window: plan.window,
    restoredTo: findings?.restoredTo,
    temporaryInstance:
      plan.mode === 'restore' && outcome === 'restored' ? { id: plan.tempInstanceId, keptUntil: plan.expiresAt } : undefined,
    checks: findings?.checks,
    writesGivenUp: findings?.writesGivenUp,
    writes: findings?.writes,
    writesBasis: findings?.basis,
    swap: plan.swap,
    undoes: plan.undoes,
    ...(cutover?.ready
      ? {
          drProtection: event.reprotectError
            ? { failed: rootCause(event.reprotectError.Error, event.reprotectError.Cause) }
            : (event.reprotect?.detail ?? plan.protection),
          downtimeSeconds,
          rtoSeconds: seconds(cutover.startedAt, cutover.detail.servedAt as string | undefined),
          criticalPathSeconds: 2 * plan.timings.renameInstance,
          undo: plan.mode === 'cutover' ? { mode: 'undo', undo: plan.runId, confirm: undoPhrase(plan.runId) } : undefined,
        }
      : {}),
    restoreSeconds: seconds(event.restore?.startedAt, event.restore?.readyAt),
    startedAt: plan.startedAt,
    finishedAt: now.toISOString(),
  };
  const regional = [inventory.primary, inventory.dr].find((r) => r.region === plan.region) ?? inventory.primary;
  const key = `reports/point-in-time-recovery/${plan.runId}.json`;
  await s3(regional.region).send(
    new PutObjectCommand({ Bucket: regional.bucket, Key: key, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }),
  );
  await put(ledger, {
    pk: `pitr#${plan.instanceId}`,
    sk: `${now.toISOString()}#${plan.runId}`,
    ...report,
    report: `s3://${regional.bucket}/${key}`,
  });
  if (plan.mode === 'cutover' && cutover?.ready)
    await put(ledger, {
      pk: CUTOVERS_PK,
      sk: plan.runId,
      at: String(cutover.detail.servedAt ?? now.toISOString()),
      instanceId: plan.instanceId,
      setAsideId: plan.swap?.setAsideId ?? '',
      replacementId: plan.swap?.replacementId ?? '',
      targetTime: plan.targetTime ?? '',
    });
  if (plan.mode === 'cutover' || plan.mode === 'undo')
    await put(ledger, { pk: PITR_APPROVALS, sk: plan.runId, closedAt: now.toISOString(), outcome, instanceId: plan.instanceId });
  return { ...report, report: `s3://${regional.bucket}/${key}` };
}

const { inventory, ledger } = pitrDepsFromEnv();

export const handler = async (event: unknown) =>
  reportRecovery(parseInput(eventSchema, event, 'point-in-time recovery report'), inventory, ledger, new Date());
