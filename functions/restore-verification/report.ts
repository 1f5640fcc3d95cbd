import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { s3 } from '../shared/clients';
import { jsonEnv } from '../shared/env';
import { LifelineError, parseInput, rootCause } from '../shared/errors';
import { type Inventory, inventorySchema } from '../../contracts/inventory';
import { regionRoleFromEnv } from '../shared/active-region';
import { type LedgerRef, ledgerFromEnv, put } from '../shared/ledger';
import { metrics } from '../shared/powertools';
import { verificationPlanSchema } from '../../contracts/restore-verification';

const outcomeSchema = z.object({
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })),
  passed: z.boolean(),
  newestHeartbeat: z.string().optional(),
  rpoSeconds: z.number().optional(),
  verifiedAt: z.string(),
});

/** The workflow's state at the end: the plan, and the branch's outcome or the error that stopped it. */
const eventSchema = z.object({
  plan: verificationPlanSchema,
  outcome: z.object({ value: outcomeSchema }).optional(),
  error: z.object({ Error: z.string(), Cause: z.string() }).optional(),
});
export type ReportEvent = z.infer<typeof eventSchema>;

/**
 * The run's report: ledger (`verify#<target>`, `passed#…` entries are what
 * pruning keeps as "newest verified"), a JSON report in the region's
 * artifacts bucket, and metrics. A failed verification fails the execution
 * naming each failed check (or the error that stopped it).
 */
export async function reportVerification(event: ReportEvent, inventory: Inventory, ledger: LedgerRef, now: Date) {
  const { plan, error } = event;
  const outcome = event.outcome?.value;
  const passed = outcome?.passed === true && !error;
  const restoreSeconds = outcome ? (Date.parse(outcome.verifiedAt) - Date.parse(plan.startedAt)) / 1000 : undefined;
  const failed = outcome?.checks.filter((c) => !c.passed) ?? [];
  const root = error ? rootCause(error.Error, error.Cause) : undefined;
  const summary = passed
    ? 'passed'
    : root
      ? `${root.error}: ${root.cause}`
      : `failed checks: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`;
  const report = {
    runId: plan.runId,
    target: plan.target,
    region: plan.region,
    snapshotId: plan.snapshotId,
    snapshotCreatedAt: plan.snapshotCreatedAt,
    temporaryInstance: plan.tempInstanceId,
    kept: plan.keepMinutes > 0 ? { until: plan.expiresAt } : undefined,
    passed,
    summary,
    restoreDurationSeconds: restoreSeconds,
    rpoSeconds: outcome?.rpoSeconds,
    newestHeartbeat: outcome?.newestHeartbeat,
    checks: outcome?.checks ?? [],
    finishedAt: now.toISOString(),
  };
  const regional = [inventory.primary, inventory.dr].find((r) => r.region === plan.region) ?? inventory.primary;
  const key = `reports/restore-verification/${plan.runId}.json`;
  await s3(regional.region).send(
    new PutObjectCommand({ Bucket: regional.bucket, Key: key, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }),
  );
  await put(ledger, {
    pk: `verify#${plan.target}`,
    sk: `${passed ? 'passed' : 'failed'}#${now.toISOString()}#${plan.runId}`,
    ...report,
    report: `s3://${regional.bucket}/${key}`,
  });
  metrics.addDimension(METRICS['restore-verification'].dimension, plan.target);
  if (restoreSeconds !== undefined)
    metrics.addMetric(METRICS['restore-verification'].names.restoreDuration, MetricUnit.Seconds, restoreSeconds);
  if (outcome?.rpoSeconds !== undefined)
    metrics.addMetric(METRICS['restore-verification'].names.verifiedRpo, MetricUnit.Seconds, outcome.rpoSeconds);
  metrics.addMetric(METRICS['restore-verification'].names.failed, MetricUnit.Count, passed ? 0 : 1);
  metrics.addMetric(METRICS['restore-verification'].names.succeeded, MetricUnit.Count, passed ? 1 : 0);
  if (passed) metrics.addMetric(METRICS['restore-verification'].names.covered, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  if (!passed)
    throw new LifelineError(
      // The error the state machine catches; equal to the metric's name by coincidence, not by contract.
      'VerificationFailed',
      `Restore verification of ${plan.snapshotId} in ${plan.region} failed: ${summary}`,
    );
  return { ...report, report: `s3://${regional.bucket}/${key}` };
}

const inventory = jsonEnv('INVENTORY', inventorySchema);
const ledger = ledgerFromEnv(inventory[regionRoleFromEnv()].region);

export const handler = async (event: unknown) =>
  reportVerification(parseInput(eventSchema, event, 'verification report'), inventory, ledger, new Date());
