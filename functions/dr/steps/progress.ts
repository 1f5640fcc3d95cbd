import * as z from 'zod';
import { cacheRecoverySchema } from '../../../contracts/dr-runbook';

/**
 * What each recovery step records between its calls: its progress, with a
 * detail typed per step. The state machine keeps the latest as
 * `$.progress` and a finished step's under its name, and gives them back on
 * the next call; the schemas validate them there.
 */
export const STEPS = [
  'database',
  'cache',
  'service',
  'traffic',
  'replication',
  'quiesce',
  'repoint',
  'dns',
  'health',
  'reprotect',
] as const;
export type StepName = (typeof STEPS)[number];

/** A look at an ECS service (the service, quiesce, repoint and reprotect steps wait for one to settle). */
const serviceDetailSchema = z.object({
  desired: z.number().optional(),
  running: z.number().optional(),
  pending: z.number().optional(),
  /** The latest placement failure while the service was not steady. */
  lastProblem: z.string().optional(),
});
export type ServiceDetail = z.infer<typeof serviceDetailSchema>;

/** The traffic switch (functions/dr/steps/dns.ts): the `traffic` branch of a failover's recovery, and the `dns` step. */
const trafficDetailSchema = z.object({
  /** The region traffic goes to, as the switch in the DR region says it. */
  to: z.enum(['primary', 'dr']),
  /** Whether the switch has been set (a step waiting for the arriving side to answer healthy has not yet). */
  requested: z.boolean().optional(),
  note: z.string().optional(),
  lastAnswer: z.string().optional(),
  /** The traffic alarm's state at the last look, and when it got there. */
  alarm: z.string().optional(),
  alarmSince: z.string().optional(),
  domainName: z.string().optional(),
});

const DETAILS = {
  database: z.object({
    skipped: z.string().optional(),
    instanceId: z.string().optional(),
    action: z.string().optional(),
    status: z.string().optional(),
    /** A failover measures it (a boolean); a failback says how it is proven (a sentence). */
    writable: z.union([z.boolean(), z.string()]).optional(),
    note: z.string().optional(),
    newestHeartbeat: z.string().optional(),
    lastHeartbeatWritten: z.string().optional(),
    rpoBasis: z.string().optional(),
    rpoSeconds: z.number().optional(),
  }),
  cache: z.object({
    mode: z.enum(['none', 'existing', ...cacheRecoverySchema.options]),
    groupId: z.string().optional(),
    note: z.string().optional(),
    status: z.string().optional(),
  }),
  service: z.object({ ...serviceDetailSchema.shape, source: z.string().optional() }),
  replication: z.object({
    skipped: z.string().optional(),
    instanceId: z.string().optional(),
    source: z.string().optional(),
    /** The name the instance replaced by the replica is kept under. */
    renamed: z.string().optional(),
    /** What the rebuild waits for: the old instance's rename to complete (its name is free only then), or the replica. */
    waitingFor: z.enum(['rename', 'replica']).optional(),
    status: z.string().optional(),
    replicaLagSeconds: z.number().optional(),
  }),
  quiesce: z.object({
    service: z.string(),
    region: z.string(),
    ...serviceDetailSchema.shape,
    writersStoppedAt: z.string().optional(),
    replicaLagSeconds: z.number().optional(),
  }),
  repoint: z.object({
    parameter: z.string(),
    instanceId: z.string().optional(),
    /** The application already pointed at this writer (a repeated run): nothing was changed or redeployed. */
    unchanged: z.boolean().optional(),
    ...serviceDetailSchema.shape,
  }),
  dns: trafficDetailSchema,
  traffic: trafficDetailSchema,
  health: z.object({
    consecutive: z.number(),
    endpoint: z.string(),
    url: z.string().optional(),
    lastAnswer: z.string().optional(),
    /** Whether the proof handed the jobs (backup, scaling, verification) to the arriving region. */
    jobsHandedOver: z.boolean().optional(),
  }),
  reprotect: z.object({
    standbyCount: z.number(),
    database: z.string().optional(),
    replica: z.string().optional(),
    renamed: z.string().optional(),
    waitingFor: z.enum(['rename', 'replica']).optional(),
    ...serviceDetailSchema.shape,
    replicaStatus: z.string().optional(),
    /** The rebuilt primary's automated backups replicated to the DR region again (when configured). */
    backupReplication: z.enum(['started', 'already replicating', 'waiting for the instance']).optional(),
  }),
};

export type StepDetails = { readonly [S in StepName]: z.infer<(typeof DETAILS)[S]> };

export interface ProgressOf<S extends StepName> {
  readonly step: S;
  readonly ready: boolean;
  /** Seconds the state machine waits before the next check. */
  readonly waitSeconds: number;
  readonly startedAt: string;
  /** What the start expected the step to take: the run gives up at three times that. */
  readonly plannedSeconds: number;
  readonly readyAt?: string;
  readonly polls: number;
  readonly detail: StepDetails[S];
}

/** Each finished step's progress, under its name. */
export type StepRecords = { readonly [S in StepName]?: ProgressOf<S> };
/** The latest call's progress, of whichever step made it (the state schema keeps its detail to that step's). */
export type Progress = ProgressOf<StepName>;

const progressSchema = <S extends StepName>(step: S) =>
  z.object({
    step: z.literal(step),
    ready: z.boolean(),
    waitSeconds: z.number(),
    startedAt: z.string(),
    plannedSeconds: z.number(),
    readyAt: z.string().optional(),
    polls: z.number(),
    detail: DETAILS[step],
  });

/** Each step's progress schema, by name. */
export const PROGRESS = {
  database: progressSchema('database'),
  cache: progressSchema('cache'),
  service: progressSchema('service'),
  replication: progressSchema('replication'),
  quiesce: progressSchema('quiesce'),
  repoint: progressSchema('repoint'),
  dns: progressSchema('dns'),
  traffic: progressSchema('traffic'),
  health: progressSchema('health'),
  reprotect: progressSchema('reprotect'),
};
