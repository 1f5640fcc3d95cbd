import * as z from 'zod';
import { parseInput, ValidationError } from '../shared/errors';

/**
 * The DR runbooks' contract, defined once: their input, the phrase that
 * confirms a real switch, the settings the CDK construct (or the twin)
 * gives the functions, and the durations the plan expects.
 */
export const DIRECTIONS = ['failover', 'failback'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** The phrase a real run must be confirmed with: it names the region traffic moves to. */
export const confirmPhrase = (direction: Direction, toRegion: string): string => `${direction} to ${toRegion}`;

export const runbookInputSchema = z
  .object({
    /** `dry-run` (the default) checks and reports; `failover` / `failback` acts. */
    mode: z.enum(['dry-run', ...DIRECTIONS]).default('dry-run'),
    /** Why the runbook runs (kept in the ledger and the report). */
    reason: z.string().trim().min(3, 'must say why, in at least 3 characters').max(500),
    /** For a real run: exactly "<direction> to <region>". */
    confirm: z.string().optional(),
    /** Who started it: an operator, or the primary-health alarm proposing a failover. */
    proposedBy: z.enum(['operator', 'alarm']).default('operator'),
    /** The alarm that proposed it, when proposedBy is alarm. */
    alarm: z.object({ name: z.string(), at: z.string() }).partial().optional(),
  })
  .strict();
export type RunbookInput = z.infer<typeof runbookInputSchema>;

export const cacheRecoverySchema = z.enum(['global-datastore', 'restore-snapshot', 'fresh']);
export type CacheRecovery = z.infer<typeof cacheRecoverySchema>;

/** Seconds the plan expects each AWS operation to take (from the latency profile). */
export const drTimingsSchema = z.object({
  apiCall: z.number().nonnegative(),
  promoteReplica: z.number().positive(),
  restoreInstance: z.number().positive(),
  createReplica: z.number().positive(),
  modifyInstance: z.number().positive(),
  replicaLag: z.number().nonnegative(),
  cacheGlobalFailover: z.number().positive(),
  cacheCreate: z.number().positive(),
  taskStart: z.number().positive(),
  taskStop: z.number().nonnegative(),
  dnsPropagation: z.number().positive(),
});
export type DrTimings = z.infer<typeof drTimingsSchema>;

export const drSettingsSchema = z.object({
  requireApproval: z.boolean(),
  approvalTimeoutSeconds: z.number().int().positive(),
  cacheRecovery: cacheRecoverySchema,
  cacheGlobalDatastoreId: z.string().optional(),
  /** Consecutive healthy answers that prove a switch, and the seconds between them. */
  healthyChecks: z.number().int().positive(),
  healthIntervalSeconds: z.number().int().positive(),
  healthCheckPath: z.string(),
  /** The primary's configured desired count: used when no live or recorded count is found. */
  desiredCount: z.number().int().min(0),
  standbyCount: z.number().int().min(0),
  /** vCPU of one task; the tasks a failover starts must fit the region's Fargate vCPU quota. */
  taskVcpu: z.number().positive(),
  /** The quota assumed when Service Quotas does not answer (the preflight reads the applied value first). */
  fargateVcpuQuota: z.number().positive(),
  /** Class of an instance restored from a snapshot (pilot light), and the cache a failover creates. */
  instanceClass: z.string(),
  cacheNodeType: z.string(),
  cacheEngine: z.string(),
  /** Failback promotes once the rebuilt replica's lag is at most this. */
  maxCatchUpLagSeconds: z.number().nonnegative(),
  timings: drTimingsSchema,
});
export type DrSettings = z.infer<typeof drSettingsSchema>;

/** The validated run, carried through the state machine as `$.run`. */
export interface Run {
  readonly direction: Direction;
  readonly mode: RunbookInput['mode'];
  readonly reason: string;
  readonly proposedBy: RunbookInput['proposedBy'];
  readonly alarm?: RunbookInput['alarm'];
  readonly executionName: string;
  readonly startedAt: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly approvalRequired: boolean;
  readonly approvalTimeoutSeconds: number;
  readonly dryRun: boolean;
}

/**
 * Validates a runbook's input before anything is read or changed. A real
 * run needs `confirm` to equal the phrase naming the region traffic moves
 * to; an alarm-proposed run always waits for approval.
 */
export function validateRun(
  raw: unknown,
  context: {
    direction: Direction;
    executionName: string;
    startedAt: string;
    fromRegion: string;
    toRegion: string;
    requireApproval: boolean;
    approvalTimeoutSeconds: number;
  },
): Run {
  const what = `DR ${context.direction} input`;
  const input = parseInput(runbookInputSchema, raw ?? {}, what);
  if (input.mode !== 'dry-run' && input.mode !== context.direction) {
    throw new ValidationError(`Invalid ${what}: mode: must be "dry-run" or "${context.direction}" for this runbook, not "${input.mode}"`);
  }
  const phrase = confirmPhrase(context.direction, context.toRegion);
  if (input.mode === context.direction && input.confirm !== phrase) {
    throw new ValidationError(
      `Invalid ${what}: confirm: must be exactly "${phrase}" to ${context.direction}${input.confirm === undefined ? ' (missing)' : ` (got "${input.confirm}")`}`,
    );
  }
  return {
    direction: context.direction,
    mode: input.mode,
    reason: input.reason,
    proposedBy: input.proposedBy,
    alarm: input.alarm,
    executionName: context.executionName,
    startedAt: context.startedAt,
    fromRegion: context.fromRegion,
    toRegion: context.toRegion,
    approvalRequired: context.requireApproval || input.proposedBy === 'alarm',
    approvalTimeoutSeconds: context.approvalTimeoutSeconds,
    dryRun: input.mode === 'dry-run',
  };
}

export interface PlannedOperation {
  readonly name: string;
  readonly seconds: number;
}

export interface CriticalPath {
  /** The operations on the critical path, in order (parallel branches reduced to the longest). */
  readonly operations: PlannedOperation[];
  readonly seconds: number;
}

/**
 * The critical path of the AWS operations a runbook waits for, from the
 * timings alone: the longest recovery branch, the repoint (new tasks start,
 * old ones drain), DNS propagation and the health probes. The runbook's own
 * orchestration (API calls, polling slack, Lambda time) is what a measured
 * RTO adds to it.
 */
export function criticalPath(
  timings: DrTimings,
  plan: {
    direction: Direction;
    strategy: 'warm-standby' | 'pilot-light';
    cache: CacheRecovery | 'none' | 'existing';
    serviceScales: boolean;
    healthyChecks: number;
    healthIntervalSeconds: number;
  },
): CriticalPath {
  const branches: PlannedOperation[] = [];
  if (plan.direction === 'failover') {
    branches.push(
      plan.strategy === 'warm-standby'
        ? { name: 'promote read replica', seconds: timings.promoteReplica }
        : { name: 'restore copied snapshot', seconds: timings.restoreInstance },
    );
  } else {
    branches.push({
      name: 'rebuild replica, catch up, promote',
      seconds: timings.createReplica + timings.replicaLag + timings.promoteReplica,
    });
  }
  if (plan.cache === 'global-datastore') branches.push({ name: 'cache global failover', seconds: timings.cacheGlobalFailover });
  else if (plan.cache === 'restore-snapshot' || plan.cache === 'fresh')
    branches.push({ name: 'create cache', seconds: timings.cacheCreate });
  if (plan.serviceScales) branches.push({ name: 'scale service', seconds: timings.taskStart });
  const longest = branches.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const operations = [
    longest,
    { name: 'forced deployment (new tasks start, old drain)', seconds: timings.taskStart + timings.taskStop },
    { name: 'DNS change INSYNC', seconds: timings.dnsPropagation },
    { name: `${plan.healthyChecks} consecutive health checks`, seconds: (plan.healthyChecks - 1) * plan.healthIntervalSeconds },
  ];
  return { operations, seconds: operations.reduce((sum, o) => sum + o.seconds, 0) };
}

/** Parses the settings the construct passes in DR_SETTINGS. */
export function parseSettings(value: unknown): DrSettings {
  return drSettingsSchema.parse(value);
}

/** The Fargate On-Demand vCPU resource count, per region (Service Quotas). */
export const FARGATE_VCPU_QUOTA = {
  serviceCode: 'fargate',
  quotaCode: 'L-3032A538',
  name: 'Fargate On-Demand vCPU resource count',
} as const;
