import * as z from 'zod';

/**
 * The DR runbooks' contract, defined once: their input, the phrase that
 * confirms a real switch, the settings the CDK construct (or the twin)
 * gives the functions, and the durations the plan expects.
 */
export const DIRECTIONS = ['failover', 'failback'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Where an operator finds a pending approval without the notification: the ledger (in the region it runs in), one
 * record per execution, closed (its token removed) by the run's report.
 */
export const PENDING_APPROVALS = 'dr#approval';

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
  /** A restore to a point in time from automated backups (a snapshot restore and the log replay). */
  restorePointInTime: z.number().positive(),
  createReplica: z.number().positive(),
  modifyInstance: z.number().positive(),
  /** A rename until the old identifier is free again (renaming, then a reboot). */
  renameInstance: z.number().positive(),
  replicaLag: z.number().nonnegative(),
  cacheGlobalFailover: z.number().positive(),
  cacheCreate: z.number().positive(),
  taskStart: z.number().positive(),
  taskStop: z.number().nonnegative(),
  /** The traffic alarm's period: a switch's datapoint counts (for the alarm and Route 53's check) once it has ended. */
  alarmPeriod: z.number().positive(),
  /** The alias records' TTL: resolvers follow a switch within it. */
  dnsTtl: z.number().nonnegative(),
});
export type DrTimings = z.infer<typeof drTimingsSchema>;

/**
 * Cross-Region automated backups: whether the primary's are replicated to the DR region (on by default for pilot
 * light), and for how many days. A failback and a point-in-time cutover start it for the instance that then holds the
 * primary's name: the replication follows an instance (its DbiResourceId), not a name.
 */
export const backupReplicationSchema = z.object({ on: z.boolean(), retentionDays: z.number().int().positive() });

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
  backupReplication: backupReplicationSchema,
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

/** The Fargate On-Demand vCPU resource count, per region (Service Quotas). */
export const FARGATE_VCPU_QUOTA = {
  serviceCode: 'fargate',
  quotaCode: 'L-3032A538',
  name: 'Fargate On-Demand vCPU resource count',
} as const;
