import * as z from 'zod';

/** A manual execution's input (the schedule sends {}). Defined once for handlers, CDK and tests. */
export const verificationInputSchema = z
  .object({
    /** What to verify. @default database */
    target: z.enum(['database', 'cache']).default('database'),
    /** A snapshot to restore. @default the newest managed, available snapshot of the target in the region */
    snapshotId: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'must be a snapshot identifier')
      .optional(),
    /**
     * The region whose backups are verified: only the workflow's own, the primary (AWS SDK integrations of a
     * state machine call its own region only); the plan refuses any other, naming what checks the DR copies.
     * @default the primary region
     */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region name')
      .optional(),
    /** Keep the temporary instance this many minutes for investigation instead of deleting it. @default 0 */
    keep: z.number().int().min(0).max(1440).default(0),
    reason: z.string().max(256).optional(),
  })
  .strict();
export type VerificationInput = z.infer<typeof verificationInputSchema>;

export const userCheckSchema = z.object({ name: z.string(), sql: z.string(), op: z.enum(['>', '>=', '=', '<=', '<']), value: z.number() });
export type UserCheck = z.infer<typeof userCheckSchema>;

/** The plan the workflow carries from state to state. */
export const verificationPlanSchema = z.object({
  runId: z.string(),
  target: z.string(),
  kind: z.enum(['rds', 'elasticache']),
  region: z.string(),
  snapshotId: z.string(),
  snapshotCreatedAt: z.string(),
  tempInstanceId: z.string(),
  instanceClass: z.string(),
  subnetGroup: z.string(),
  securityGroupId: z.string(),
  keepMinutes: z.number(),
  expiresAt: z.string(),
  expected: z.object({ rowCounts: z.record(z.string(), z.number()), keyCount: z.number().optional(), tolerancePercent: z.number() }),
  /** Caches: engine and node type of the restored group. */
  cache: z.object({ engine: z.string(), nodeType: z.string() }).optional(),
  checks: z.array(userCheckSchema),
  pollSeconds: z.number().int().positive(),
  maxPolls: z.number().int().positive(),
  startedAt: z.string(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
});
export type VerificationPlan = z.infer<typeof verificationPlanSchema>;

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** Tags of every temporary restore; the sweeper deletes only instances that carry all three. */
export const TEMP_TAGS = { managed: 'lifeline:managed', job: 'lifeline:job', expiresAt: 'lifeline:expires-at' } as const;
export const TEMP_JOB = 'restore-verification';
export const TEMP_PREFIX = 'lifeline-verify-';

/** The VERIFICATION environment of the restore-verification functions. */
export const verificationSettingsSchema = z.object({
  instanceClass: z.string(),
  rowCountTolerancePercent: z.number(),
  ttlMinutes: z.number(),
  checks: z.array(userCheckSchema),
});
export type VerificationSettings = z.infer<typeof verificationSettingsSchema>;
