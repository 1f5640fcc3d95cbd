import * as z from 'zod';
import { scalingPolicySchema } from './config/schema';

/**
 * The EventBridge event a CloudWatch alarm emits on a state change, and the
 * pattern that routes the workload's alarms to the scaling workflow. Defined
 * once: the CDK rule, the handler, the local event bus and the tests use it.
 */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

export function alarmEventPattern(alarmArns: readonly string[]) {
  return { source: ['aws.cloudwatch'], 'detail-type': [ALARM_STATE_CHANGE], resources: [...alarmArns] };
}

export const alarmEventSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal(ALARM_STATE_CHANGE),
  source: z.literal('aws.cloudwatch'),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()).min(1),
  detail: z.object({
    alarmName: z.string(),
    state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), reason: z.string().optional(), timestamp: z.string() }),
    previousState: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']) }).optional(),
  }),
});
export type AlarmEvent = z.infer<typeof alarmEventSchema>;

/** What the decision step hands to the rest of the workflow. */
export interface ScalingDecision {
  readonly eventId: string;
  readonly alarmName: string;
  readonly alarmId?: string;
  readonly action: 'scale' | 'noop';
  readonly reason: string;
  /** What changes: the ECS service, or a linked target (ElastiCache replicas, RDS read replicas). */
  readonly target: 'service' | 'cache-replicas' | 'database-replicas';
  /** Ledger key of the thing scaled (history, lock): `<cluster>/<service>`, `cache/<group>`, `database/<source>`. */
  readonly subject: string;
  /** The replication group or source DB instance of a linked target. */
  readonly resourceId?: string;
  /** The read replica to create (scale out) or delete (scale in). */
  readonly replicaId?: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly direction?: 'out' | 'in';
  readonly from: number;
  readonly to: number;
  readonly running: number;
  /** Seconds between the alarm's state change and the decision. */
  readonly decisionLatencySeconds: number;
  /** Wait before the first steady-state check, and between checks (from the expected task start). */
  readonly pollSeconds: number;
  /** Checks before the wait for steady state gives up. */
  readonly maxPolls: number;
  readonly decidedAt: string;
}

/** The SCALING environment of the scaling functions. */
export const scalingSettingsSchema = z.object({
  /** Policy per alarm id (config.scaling.policies). */
  policies: z.record(z.string(), scalingPolicySchema),
  /** Bounds of the service (config.service minCount / maxCount). */
  min: z.number().int().min(0),
  max: z.number().int().min(1),
  /** Seconds a new Fargate task takes to run: the first steady-state check and the interval. */
  taskStartSeconds: z.number().int().positive(),
  /** Give up waiting for steady state after this long. */
  steadyStateTimeoutSeconds: z.number().int().positive(),
});
export type ScalingSettings = z.infer<typeof scalingSettingsSchema>;
