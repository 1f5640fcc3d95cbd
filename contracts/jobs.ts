/**
 * The functions of each job, by the `${Placeholder}` its state machine uses
 * for them. One table: the CDK job constructs deploy these, the local runner
 * binds the same handlers in process.
 */
export interface JobFunction {
  /** Handler file under functions/. */
  readonly entry: string;
  readonly description: string;
  /** Needs to reach a database (runs in the VPC with the verifier's security group). */
  readonly database?: boolean;
  /** Seconds the function may run. @default 120 for database functions, else 60 */
  readonly timeoutSeconds?: number;
}

/** The DR runbooks share their functions: each takes the direction from its state machine. */
const DR_FUNCTIONS = {
  ValidateFunction: {
    entry: 'dr/validate.ts',
    description: 'Validates a DR runbook input (mode, reason, confirm phrase) before anything else',
  },
  PreflightFunction: {
    entry: 'dr/preflight.ts',
    description: 'Checks the DR region can take over; best effort towards the region being left',
  },
  ApprovalFunction: {
    entry: 'dr/approval.ts',
    description: 'Records the approval request in the ledger and sends it over SNS, with retries and backoff',
    // Five sends with full-jitter backoff (at most 30 s of waits) and the SDK's own retries of each.
    timeoutSeconds: 120,
  },
  StepFunction: {
    entry: 'dr/steps.ts',
    description: 'Starts and polls a recovery step: database, cache, service, traffic, repoint, DNS, health',
    database: true,
  },
  ReportFunction: { entry: 'dr/report.ts', description: 'Reports a DR run: RTO, RPO and timeline to the ledger, S3, SNS and metrics' },
} as const satisfies Record<string, JobFunction>;

export const JOB_FUNCTIONS = {
  backup: {
    PlanFunction: { entry: 'backup/plan.ts', description: 'Validates a backup request and plans one item per target' },
    RecoveryPointFunction: {
      entry: 'backup/recovery-point.ts',
      description: 'Reads the newest heartbeat a snapshot holds (its RPO)',
      database: true,
    },
    CopyToDrFunction: {
      entry: 'backup/copy-to-dr.ts',
      description: 'Copies a snapshot (or cache export) to the DR region',
      // A cache export over 5 GiB is copied across regions part by part: as long as the state that invokes it waits (300 s).
      timeoutSeconds: 300,
    },
    CopyStatusFunction: { entry: 'backup/copy-status.ts', description: 'Reports the status of a DR-region snapshot copy' },
    PruneFunction: { entry: 'backup/prune.ts', description: 'Applies grandfather-father-son retention in both regions' },
    RecordFunction: { entry: 'backup/record.ts', description: 'Writes the backup manifest and its metrics' },
    SummarizeFunction: { entry: 'backup/summarize.ts', description: 'Records the run and fails it naming each failed target' },
  },
  'alarm-scaling': {
    DecideFunction: { entry: 'scaling/decide.ts', description: 'Decides what an alarm state change does to the service' },
    SyncAutoScalingFunction: {
      entry: 'scaling/sync-autoscaling.ts',
      description: 'Keeps Application Auto Scaling bounds consistent with a decision',
    },
    ApplyLinkedFunction: { entry: 'scaling/apply-linked.ts', description: 'Changes a linked target: cache replicas or RDS read replicas' },
    LinkedStatusFunction: { entry: 'scaling/linked-status.ts', description: 'Reports whether a linked change has finished' },
    RecordFunction: { entry: 'scaling/record.ts', description: 'Records a scaling decision and its result' },
  },
  'restore-verification': {
    PlanFunction: { entry: 'restore-verification/plan.ts', description: 'Validates a verification request and picks the snapshot' },
    VerifyFunction: {
      entry: 'restore-verification/verify.ts',
      description: 'Proves a restored copy with SQL checks and measures its RPO',
      database: true,
    },
    ReportFunction: { entry: 'restore-verification/report.ts', description: 'Records the verification in the ledger and S3, with metrics' },
  },
  'point-in-time-recovery': {
    PlanFunction: {
      entry: 'point-in-time-recovery/plan.ts',
      description: 'Validates a point-in-time recovery (target, mode, confirm) and plans it inside the restorable window',
    },
    StepFunction: {
      entry: 'point-in-time-recovery/steps.ts',
      description: 'Starts and polls a step: the restore to the target time, the rename swap, the cleanup',
    },
    VerifyFunction: {
      entry: 'point-in-time-recovery/verify.ts',
      description: 'Counts the writes since a point from the data; checks a restored copy and compares it row by row',
      database: true,
      // Two databases compared row by row (up to compareRowLimit rows per table).
      timeoutSeconds: 600,
    },
    ApprovalFunction: {
      entry: 'point-in-time-recovery/approval.ts',
      description: 'Records the cutover approval request in the ledger and sends it over SNS, with retries and backoff',
      timeoutSeconds: 120,
    },
    ReportFunction: {
      entry: 'point-in-time-recovery/report.ts',
      description: 'Reports a point-in-time recovery: window, writes given up, downtime, to the ledger and S3',
    },
  },
  'dr-failover': DR_FUNCTIONS,
  'dr-failback': DR_FUNCTIONS,
} as const satisfies Record<string, Record<string, JobFunction>>;

export type Job = keyof typeof JOB_FUNCTIONS;
const isJob = (name: string): name is Job => name in JOB_FUNCTIONS;
export const JOBS: readonly Job[] = Object.keys(JOB_FUNCTIONS).filter(isJob);

/** Functions a schedule starts rather than a workflow (their constructs and the bench read them here). */
export const SCHEDULED_FUNCTION_ENTRIES = { heartbeat: 'heartbeat/write.ts', restoreSweeper: 'restore-verification/sweep.ts' } as const;

/**
 * Child state machines a job starts (`states:startExecution.sync:2`), by the
 * placeholder of their ARN; each is state-machines/<file>.asl.json and uses
 * the job's functions.
 */
export const JOB_CHILD_MACHINES: Partial<Record<Job, Readonly<Record<string, string>>>> = {
  backup: { TargetStateMachineArn: 'backup-target' },
};
