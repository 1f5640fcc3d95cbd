import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { parseInput } from '../shared/errors';
import { type LedgerRef, put } from '../shared/ledger';
import { metrics } from '../shared/powertools';
import { historyKey, loadScalingEnv, lockKey, noopKey } from './deps';

const eventSchema = z.object({
  decision: z
    .object({
      eventId: z.string(),
      alarmName: z.string(),
      alarmId: z.string().optional(),
      action: z.enum(['scale', 'noop']),
      reason: z.string(),
      target: z.enum(['service', 'cache-replicas', 'database-replicas']),
      subject: z.string(),
      region: z.string(),
      cluster: z.string(),
      service: z.string(),
      direction: z.enum(['out', 'in']).optional(),
      from: z.number(),
      to: z.number(),
      running: z.number(),
      decisionLatencySeconds: z.number(),
      decidedAt: z.string(),
    })
    .passthrough(),
  result: z.enum(['noop', 'steady', 'failed']),
  autoscaling: z.unknown().optional(),
  linked: z.unknown().optional(),
  error: z.object({ Error: z.string(), Cause: z.string() }).optional(),
});
export type ScalingRecordEvent = z.infer<typeof eventSchema>;

/**
 * The ledger entry of one decision (inputs, decision, result, latencies) and
 * its metrics. A finished action releases the subject's lock; the cooldown
 * then comes from this history.
 */
export async function recordScaling(event: ScalingRecordEvent, ledger: LedgerRef, now: Date): Promise<Record<string, unknown>> {
  const { decision, result } = event;
  const timeToSteadySeconds = result === 'steady' ? (now.getTime() - Date.parse(decision.decidedAt)) / 1000 : undefined;
  const record = {
    pk: result === 'noop' ? noopKey(decision.subject) : historyKey(decision.subject),
    sk: `${decision.decidedAt}#${decision.eventId}`,
    ...decision,
    result,
    timeToSteadySeconds,
    autoscaling: event.autoscaling,
    linked: event.linked,
    error: event.error,
    recordedAt: now.toISOString(),
  };
  await put(ledger, record);
  if (result !== 'noop')
    await put(ledger, { pk: lockKey(decision.subject), sk: 'lock', lockedUntil: now.toISOString(), releasedBy: decision.eventId });
  metrics.addDimension(METRICS['alarm-scaling'].dimension, decision.subject);
  metrics.addMetric(METRICS['alarm-scaling'].names.decisionLatency, MetricUnit.Seconds, decision.decisionLatencySeconds);
  if (result === 'steady' && decision.direction === 'out') metrics.addMetric(METRICS['alarm-scaling'].names.scaleOut, MetricUnit.Count, 1);
  if (result === 'steady' && decision.direction === 'in') metrics.addMetric(METRICS['alarm-scaling'].names.scaleIn, MetricUnit.Count, 1);
  if (timeToSteadySeconds !== undefined)
    metrics.addMetric(METRICS['alarm-scaling'].names.timeToSteadyState, MetricUnit.Seconds, timeToSteadySeconds);
  if (result === 'failed') metrics.addMetric(METRICS['alarm-scaling'].names.failed, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return record;
}

const env = loadScalingEnv();

export const handler = async (event: unknown) => recordScaling(parseInput(eventSchema, event, 'scaling record'), env.ledger, new Date());
