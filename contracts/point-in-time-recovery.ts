import * as z from 'zod';
import { backupReplicationSchema } from './dr-runbook';
import { userCheckSchema } from './restore-verification';

/**
 * The point-in-time recovery runbook's contract, defined once: its input, the phrases that confirm a change to
 * production, the settings the CDK construct (or the twin) gives its functions, and the plan it carries.
 */
export const PITR_MODES = ['dry-run', 'restore', 'cutover', 'undo'] as const;
export type PitrMode = (typeof PITR_MODES)[number];

/** A Step Functions execution name (what `undo` names: the cutover to reverse). */
const executionName = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be the name of the cutover execution to undo');

export const pitrInputSchema = z
  .object({
    /**
     * `dry-run` (the default) reports the restorable window and what a cutover would give up; `restore` restores into
     * a temporary isolated instance, verifies it and keeps it; `cutover` also moves the application to it, after
     * approval; `undo` moves the application back to the instance a cutover set aside.
     */
    mode: z.enum(PITR_MODES).default('dry-run'),
    /** The time to restore to (ISO 8601 with an offset, e.g. 2026-12-01T09:14:00Z). */
    targetTime: z.iso.datetime({ offset: true }).optional(),
    /** Or: this many minutes before the execution started. */
    minutesAgo: z
      .number()
      .positive()
      .max(35 * 24 * 60)
      .optional(),
    reason: z.string().trim().min(3, 'must say why, in at least 3 characters').max(500),
    /** `cutover`: exactly "cutover <instance>"; `undo`: exactly "undo <cutover execution>". */
    confirm: z.string().optional(),
    /** `undo`: the execution name of the cutover to reverse. */
    undo: executionName.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    const times = [input.targetTime, input.minutesAgo].filter((t) => t !== undefined).length;
    if (input.mode === 'undo') {
      if (input.undo === undefined) ctx.addIssue({ code: 'custom', path: ['undo'], message: 'is required with mode "undo"' });
      if (times)
        ctx.addIssue({ code: 'custom', path: ['targetTime'], message: 'is not used with mode "undo" (it goes back to the cutover)' });
    } else {
      if (times !== 1) ctx.addIssue({ code: 'custom', path: ['targetTime'], message: 'give exactly one of targetTime and minutesAgo' });
      if (input.undo !== undefined) ctx.addIssue({ code: 'custom', path: ['undo'], message: 'is used only with mode "undo"' });
    }
  });
export type PitrInput = z.infer<typeof pitrInputSchema>;

/** The phrase a change to production must be confirmed with: it names what changes. */
export const cutoverPhrase = (instanceId: string): string => `cutover ${instanceId}`;
export const undoPhrase = (cutoverExecution: string): string => `undo ${cutoverExecution}`;

/** Temporary instances of this runbook: named with this prefix, tagged with this job (the sweeper's match). */
export const PITR_JOB = 'point-in-time-recovery';
export const PITR_PREFIX = 'lifeline-pitr-';
/** Where the runbook records each cutover (sk: its execution name): what `undo` reads. */
export const CUTOVERS_PK = 'pitr#cutover';

/** The POINT_IN_TIME_RECOVERY environment of the runbook's functions. */
export const pitrSettingsSchema = z.object({
  approvalTimeoutSeconds: z.number().int().positive(),
  keepHours: z.number().int().positive(),
  compareRowLimit: z.number().int().min(0),
  instanceClass: z.string(),
  multiAz: z.boolean(),
  checks: z.array(userCheckSchema),
  backupReplication: backupReplicationSchema,
  /** Seconds a restore to a point in time, a rename until the old name is free again, and a new replica are expected to take. */
  timings: z.object({
    restorePointInTime: z.number().positive(),
    renameInstance: z.number().positive(),
    createReplica: z.number().positive(),
  }),
});
export type PitrSettings = z.infer<typeof pitrSettingsSchema>;

const tagSchema = z.object({ Key: z.string(), Value: z.string() });

/** What a cutover swaps: the instance that will hold the name, and the name the current holder is kept under. */
export const swapSchema = z.object({
  /** The instance that takes the name: the restored one (cutover), or the one a cutover set aside (undo). */
  replacementId: z.string(),
  /** The name the current holder is kept under, deletion-protected. */
  setAsideId: z.string(),
});
export type Swap = z.infer<typeof swapSchema>;

/** The plan the workflow carries from state to state as `$.plan`. */
export const pitrPlanSchema = z.object({
  runId: z.string(),
  startedAt: z.string(),
  mode: z.enum(PITR_MODES),
  reason: z.string(),
  region: z.string(),
  appName: z.string(),
  /** The application's database: the instance restored from, and whose name a cutover moves. */
  instanceId: z.string(),
  /** The time restored to (absent for undo). */
  targetTime: z.string().optional(),
  window: z.object({ earliest: z.string(), latest: z.string() }).optional(),
  /** The temporary instance (restore, cutover). */
  tempInstanceId: z.string().optional(),
  placement: z.object({ subnetGroup: z.string(), securityGroupId: z.string(), instanceClass: z.string(), multiAz: z.boolean() }).optional(),
  tags: z.array(tagSchema),
  expiresAt: z.string().optional(),
  swap: swapSchema.optional(),
  /**
   * After a cutover or an undo, what keeps the DR region following the instance that now holds the name: a new DR
   * replica of it (warm standby), its automated backups replicated there (pilot light), or nothing, and why.
   */
  protection: z
    .object({ kind: z.enum(['replica', 'backup-replication', 'none']), retentionDays: z.number().optional(), note: z.string().optional() })
    .optional(),
  /** Undo: the cutover it reverses. */
  undoes: z.object({ execution: z.string(), targetTime: z.string().optional(), cutoverAt: z.string() }).optional(),
  approvalTimeoutSeconds: z.number(),
  checks: z.array(userCheckSchema),
  compareRowLimit: z.number(),
  timings: pitrSettingsSchema.shape.timings,
});
export type PitrPlan = z.infer<typeof pitrPlanSchema>;

/** Writes after a point in time, per table, as counted from the data. */
export const tableWritesSchema = z.object({
  table: z.string(),
  /** Rows the current database has and the restored one does not. */
  inserted: z.number().optional(),
  /** Rows both have, with different values. */
  updated: z.number().optional(),
  /** Rows the restored database has and the current one does not. */
  deleted: z.number().optional(),
  /** Rows written (inserted or updated) after the point, by their transaction (the dry run's count: deletes are not visible). */
  written: z.number().optional(),
  /** How it was counted. */
  basis: z.string(),
});
export type TableWrites = z.infer<typeof tableWritesSchema>;
