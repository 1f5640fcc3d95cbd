import * as z from 'zod';
import type { CriticalPath } from '../critical-path';

/**
 * What the preflight returns, as schemas: the step function reads it back
 * from the runbook's state and validates it there, and the types come from
 * the same definitions.
 */
const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** A failed blocking check stops the runbook before any change. */
  blocking: z.boolean(),
  detail: z.string(),
});
export type Check = z.infer<typeof checkSchema>;

const databasePlanSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['promote', 'already-promoted']), instanceId: z.string(), replicaLagSeconds: z.number().optional() }),
  z.object({
    action: z.literal('restore'),
    instanceId: z.string(),
    /** The newer of the two: the newest copied snapshot, or the replicated automated backups' latest restorable time. */
    source: z.enum(['snapshot', 'automated-backups']).default('snapshot'),
    snapshotId: z.string().optional(),
    automatedBackupsArn: z.string().optional(),
    /** How old the data restored will be at the preflight (the RPO to expect). */
    snapshotAgeSeconds: z.number(),
    /** Why this source: the other one's age. */
    why: z.string().optional(),
    instanceClass: z.string(),
  }),
  z.object({ action: z.literal('rebuild'), instanceId: z.string(), sourceInstanceId: z.string(), staleInstanceId: z.string().optional() }),
]);
export type DatabasePlan = z.infer<typeof databasePlanSchema>;

const cachePlanSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.enum(['none', 'existing']), groupId: z.string().optional() }),
  z.object({ mode: z.literal('global-datastore'), groupId: z.string(), globalId: z.string() }),
  z.object({ mode: z.literal('restore-snapshot'), groupId: z.string(), rdbKey: z.string(), nodeType: z.string(), engine: z.string() }),
  z.object({ mode: z.literal('fresh'), groupId: z.string(), nodeType: z.string(), engine: z.string(), exists: z.boolean() }),
]);
export type CachePlan = z.infer<typeof cachePlanSchema>;

const criticalPathSchema: z.ZodType<CriticalPath> = z.object({
  operations: z.array(z.object({ name: z.string(), seconds: z.number() })),
  seconds: z.number(),
});

export const preflightSchema = z.object({
  ok: z.boolean(),
  checks: z.array(checkSchema),
  primaryReachable: z.boolean(),
  desiredCount: z.number(),
  desiredCountSource: z.string(),
  database: databasePlanSchema.optional(),
  cache: cachePlanSchema,
  estimatedRpoSeconds: z.number().optional(),
  expectedRtoSeconds: z.number(),
  criticalPath: criticalPathSchema,
  rtoTargetSeconds: z.number(),
  rpoTargetSeconds: z.number(),
  finishedAt: z.string(),
});
export type Preflight = z.infer<typeof preflightSchema>;

/** One concern's share of the preflight: its checks, and its part of the plan. */
export type Part<P = unknown> = P & { readonly checks: readonly Check[] };
