import * as z from 'zod';
import { type LifelineConfig, scalingPolicySchema } from '../../cdk/config/schema';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../shared/inventory';
import { ledgerFromEnv } from '../shared/ledger';

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

/** The SCALING environment of the scaling functions, from the configuration (CDK and the twin use this). */
export function scalingSettingsFrom(config: LifelineConfig): ScalingSettings {
  return {
    policies: config.scaling.policies,
    min: config.service.minCount,
    max: config.service.maxCount,
    taskStartSeconds: config.scaling.taskStartSeconds,
    steadyStateTimeoutSeconds: config.scaling.steadyStateTimeoutSeconds,
  };
}

export function loadScalingEnv() {
  const inventory = jsonEnv('INVENTORY', inventorySchema);
  return { inventory, ledger: ledgerFromEnv(inventory.primary.region), settings: jsonEnv('SCALING', scalingSettingsSchema) };
}

/** Ledger keys of one subject's scaling history and lock (see ScalingDecision.subject). */
export const historyKey = (subject: string) => `scaling#${subject}`;
export const lockKey = (subject: string) => `scaling-lock#${subject}`;
export const noopKey = (subject: string) => `scaling-noop#${subject}`;

/** RDS read replicas take tens of minutes to create: linked targets wait up to an hour. */
export const LINKED_TIMEOUT_SECONDS = 3600;

/** The name of a read replica the scaling workflow creates (its prefix marks the ones it may delete). */
export const managedReplicaPrefix = (source: string) => `${source}-read-`;
