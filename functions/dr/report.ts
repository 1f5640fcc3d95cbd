import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { s3, sns } from '../shared/clients';
import { describeInstance, describeService } from './aws';
import { readTraffic } from '../shared/traffic';
import { topicRegion } from '../shared/approval';
import { requiredEnv } from '../shared/env';
import { rootCause } from '../shared/errors';
import { put } from '../shared/ledger';
import { PENDING_APPROVALS } from '../../contracts/dr-runbook';
import { logger, metrics } from '../shared/powertools';
import type { Run } from '../../contracts/dr-runbook';
import { type DrDeps, drDepsFromEnv, messageOf, sides } from './deps';
import type { Preflight } from './preflight/plan';
import type { RunbookState } from './state';
import { type Progress, PROGRESS, type StepName } from './steps/progress';

export type Outcome = 'dry-run' | 'preflight-failed' | 'rejected' | 'timed-out' | 'completed' | 'failed';

export interface TimelineStep {
  readonly step: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly seconds?: number;
}

export interface RunbookReport {
  readonly outcome: Outcome;
  readonly direction: Run['direction'];
  readonly executionName: string;
  readonly reason: string;
  readonly proposedBy: Run['proposedBy'];
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /**
   * Failover: start → the endpoint answered healthy the configured number of times in a row.
   * Failback: the DR writers stopped → healthy again (the planned downtime).
   */
  readonly rtoSeconds?: number;
  readonly rtoBasis?: string;
  /** Time spent waiting for a human: part of the RTO, not of the orchestration. */
  readonly approvalSeconds?: number;
  readonly rpoSeconds?: number;
  readonly rpoBasis?: string;
  readonly replicaLagSeconds?: number;
  readonly rtoTargetSeconds: number;
  readonly rpoTargetSeconds: number;
  readonly metTargets?: boolean;
  readonly expectedRtoSeconds: number;
  readonly criticalPathSeconds: number;
  readonly timeline: TimelineStep[];
  readonly preflight: Preflight;
  readonly approval?: unknown;
  /** Failback: the rebuilt primary's automated backups replicated to the region it left (when configured). */
  readonly backupReplication?: string;
  readonly done?: string[];
  readonly notDone?: string[];
  readonly error?: string;
  readonly cause?: string;
  readonly leftForYou?: string[];
  /** One line: what happened (the Cause of a failed execution). */
  readonly summary: string;
}

/** The approval was asked for unless the run needed none (`{ required: false }`); any other answer came from an approver. */
const approvalAsked = (approval: unknown): boolean =>
  approval !== undefined && !(typeof approval === 'object' && approval !== null && 'required' in approval && approval.required === false);

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
const ORDER: StepName[] = ['replication', 'database', 'cache', 'service', 'traffic', 'quiesce', 'repoint', 'dns', 'health', 'reprotect'];

function timelineOf(state: RunbookState): TimelineStep[] {
  const steps: TimelineStep[] = [
    {
      step: 'preflight',
      startedAt: state.run.startedAt,
      endedAt: state.preflight.finishedAt,
      seconds: seconds(state.run.startedAt, state.preflight.finishedAt),
    },
  ];
  const recovery = ORDER.map((name): Progress | undefined => state[name]).filter((p): p is Progress => p !== undefined);
  const firstRecovery = recovery.map((p) => p.startedAt).sort()[0];
  if (approvalAsked(state.approval) && firstRecovery)
    steps.push({
      step: 'approval',
      startedAt: state.preflight.finishedAt,
      endedAt: firstRecovery,
      seconds: seconds(state.preflight.finishedAt, firstRecovery),
    });
  for (const p of recovery)
    steps.push({
      step: p.step,
      startedAt: p.startedAt,
      endedAt: p.readyAt,
      seconds: p.readyAt ? seconds(p.startedAt, p.readyAt) : undefined,
    });
  return steps.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** What a failed run had really done, read from the services (a failed Parallel keeps no branch output). */
async function observe(state: RunbookState, deps: DrDeps): Promise<{ done: string[]; notDone: string[] }> {
  const { run, preflight } = state;
  const { to } = sides(deps.inventory, run.direction);
  const done: string[] = [];
  const notDone: string[] = [];
  const note = (ok: boolean, yes: string, no: string) => (ok ? done : notDone).push(ok ? yes : no);
  const id = preflight.database?.instanceId;
  if (id) {
    const instance = await describeInstance(to.region, id).catch(() => undefined);
    const replica = Boolean(instance?.ReadReplicaSourceDBInstanceIdentifier);
    const status = instance ? (replica ? 'still a read replica' : instance.DBInstanceStatus) : 'missing';
    note(
      Boolean(instance && !replica && instance.DBInstanceStatus === 'available'),
      `database ${id} in ${to.region} is a standalone writer`,
      `database ${id} in ${to.region} is not a writer (${status})`,
    );
  }
  const service = await describeService(to).catch(() => undefined);
  note(
    (service?.desiredCount ?? 0) >= preflight.desiredCount,
    `service ${to.service} scaled to ${service?.desiredCount}`,
    `service ${to.service} at ${service?.desiredCount ?? 'unknown'} of ${preflight.desiredCount} tasks`,
  );
  const toRole = run.direction === 'failover' ? 'dr' : 'primary';
  const traffic = await readTraffic(deps.inventory.dr.region, deps.inventory.appName).catch(() => undefined);
  note(
    traffic === toRole,
    `traffic switched to ${to.region}`,
    `traffic not switched to ${to.region} (the switch says ${traffic ?? 'unknown'})`,
  );
  return { done, notDone };
}

/**
 * The run's report, whatever its outcome: ledger (`dr#<direction>`), a JSON
 * report in the arriving region's artifacts bucket, an SNS summary and
 * metrics. A dry run only returns its report: it changes nothing, not even
 * the ledger.
 */
export async function report(
  outcome: Outcome,
  state: RunbookState & { error?: { Error: string; Cause: string } },
  deps: DrDeps,
  topicArn: string,
  now: Date,
): Promise<RunbookReport> {
  const { run, preflight } = state;
  const { from, to } = sides(deps.inventory, run.direction);
  const { health, database, quiesce } = state;
  const endedAt = now.toISOString();
  // A failover's clock starts with the runbook (the application is already down); a failback is planned,
  // and the application is down only from the moment the DR writers stop (quiesce) until healthy again.
  const downFrom = run.direction === 'failback' && quiesce ? quiesce.startedAt : run.startedAt;
  const rtoSeconds = outcome === 'completed' && health?.readyAt ? seconds(downFrom, health.readyAt) : undefined;
  const timeline = timelineOf(state);
  const approvalSeconds = timeline.find((s) => s.step === 'approval')?.seconds;
  const rpoSeconds = database?.detail.rpoSeconds;
  const root = state.error ? rootCause(state.error.Error, state.error.Cause) : undefined;
  const observed =
    outcome === 'failed'
      ? await observe(state, deps).catch((error: unknown) => ({ done: [], notDone: [`could not observe: ${messageOf(error)}`] }))
      : undefined;
  // The step's record once it is done; while it is not (a failed or timed-out run), its latest progress.
  const reprotecting = state.reprotect ?? PROGRESS.reprotect.safeParse(state.progress).data;
  const replication = reprotecting?.detail.backupReplication;
  const backupReplication =
    replication && preflight.database
      ? `automated backups of ${preflight.database.instanceId} replicated to ${from.region}: ${replication}`
      : undefined;
  const stalePrimary = preflight.database?.action === 'rebuild' ? preflight.database.staleInstanceId : undefined;
  const leftForYou = [stalePrimary, state.reprotect?.detail.renamed]
    .filter((id) => id !== undefined)
    .map((id) => `${id}: the data from before the switch, kept with deletion protection; snapshot and delete it when no longer needed`);
  // The deployed replication follows the instance set aside (RDS replicates per instance), and counts against the
  // region's limit of replicated backups until it is stopped.
  if (stalePrimary && replication)
    leftForYou.push(
      `${stalePrimary}: its automated backups still replicate to ${from.region}; stop that when you no longer need them ` +
        `(aws rds stop-db-instance-automated-backups-replication --region ${from.region} --source-db-instance-arn <its ARN>)`,
    );
  const where = `${run.direction} to ${to.region}`;
  const rto = `RTO ${Math.round((rtoSeconds ?? 0) / 60)} min (target ${preflight.rtoTargetSeconds / 60})`;
  const rpo = `RPO ${rpoSeconds === undefined ? 'n/a' : `${Math.round(rpoSeconds)} s`} (target ${preflight.rpoTargetSeconds} s)`;
  const [done, notDone] = [observed?.done.join('; ') || 'nothing', observed?.notDone.join('; ') || 'nothing'];
  const expected = `expected RTO ${Math.round(preflight.expectedRtoSeconds / 60)} min`;
  const blockers = preflight.checks
    .filter((c) => !c.ok && c.blocking)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');
  const headline =
    outcome === 'completed'
      ? `${where} completed: ${rto}, ${rpo}`
      : outcome === 'failed'
        ? `${where} FAILED: ${root?.error}: ${root?.cause}. Done: ${done}. Not done: ${notDone}`
        : outcome === 'dry-run'
          ? `dry run of ${where}: preflight ${preflight.ok ? 'passed' : 'found blockers'}, ${expected}`
          : `${where} not carried out (${outcome})${root ? `: ${root.error}: ${root.cause}` : ''}${
              outcome === 'preflight-failed' ? `: ${blockers}` : ''
            }`;
  const result: RunbookReport = {
    outcome,
    direction: run.direction,
    executionName: run.executionName,
    reason: run.reason,
    proposedBy: run.proposedBy,
    fromRegion: run.fromRegion,
    toRegion: run.toRegion,
    startedAt: run.startedAt,
    endedAt,
    rtoSeconds,
    rtoBasis:
      rtoSeconds === undefined
        ? undefined
        : run.direction === 'failback'
          ? 'writers stopped → healthy (planned downtime)'
          : 'runbook start → healthy',
    approvalSeconds,
    rpoSeconds,
    rpoBasis: database?.detail.rpoBasis,
    replicaLagSeconds: preflight.database && 'replicaLagSeconds' in preflight.database ? preflight.database.replicaLagSeconds : undefined,
    rtoTargetSeconds: preflight.rtoTargetSeconds,
    rpoTargetSeconds: preflight.rpoTargetSeconds,
    metTargets:
      rtoSeconds === undefined
        ? undefined
        : rtoSeconds <= preflight.rtoTargetSeconds && (rpoSeconds === undefined || rpoSeconds <= preflight.rpoTargetSeconds),
    expectedRtoSeconds: preflight.expectedRtoSeconds,
    criticalPathSeconds: preflight.criticalPath.seconds,
    timeline,
    preflight,
    approval: state.approval,
    backupReplication,
    ...(observed ?? {}),
    error: root?.error,
    cause: root?.cause,
    leftForYou: leftForYou.length ? leftForYou : undefined,
    summary: headline,
  };
  if (outcome === 'dry-run') return result;

  await put(deps.ledger, {
    pk: `dr#${run.direction}`,
    sk: `${run.startedAt}#${run.executionName}`,
    ...result,
    preflight: { ok: preflight.ok, checks: preflight.checks },
  });
  // The run is over: its approval request, if one was recorded, is no longer pending (its token answers nothing now).
  if (run.approvalRequired && outcome !== 'preflight-failed') {
    await put(deps.ledger, { pk: PENDING_APPROVALS, sk: run.executionName, closedAt: result.endedAt, outcome, direction: run.direction });
  }
  if (outcome === 'completed' || outcome === 'failed') {
    await s3(to.region).send(
      new PutObjectCommand({
        Bucket: to.bucket,
        Key: `reports/dr-${run.direction}/${run.executionName}.json`,
        Body: JSON.stringify(result, null, 2),
        ContentType: 'application/json',
      }),
    );
  }
  // The summary is best effort: the ledger, the report object and the execution's output already hold it.
  await sns(topicRegion(topicArn))
    .send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: `Lifeline DR ${run.direction}: ${outcome}`.slice(0, 99),
        Message: `${headline}\n\n${JSON.stringify({ ...result, preflight: undefined }, null, 2)}`,
      }),
    )
    .catch((error: unknown) => logger.warn('summary not sent', { error }));
  metrics.addDimension(METRICS['dr-failover'].dimension, run.direction);
  if (rtoSeconds !== undefined) metrics.addMetric(METRICS['dr-failover'].names.rto, MetricUnit.Seconds, rtoSeconds);
  if (rpoSeconds !== undefined) metrics.addMetric(METRICS['dr-failover'].names.rpo, MetricUnit.Seconds, rpoSeconds);
  metrics.addMetric(
    outcome === 'completed' ? METRICS['dr-failover'].names.succeeded : METRICS['dr-failover'].names.notCompleted,
    MetricUnit.Count,
    1,
  );
  metrics.publishStoredMetrics();
  return result;
}

const deps = drDepsFromEnv();
const topicArn = requiredEnv('TOPIC_ARN');

export const handler = async (event: {
  outcome: Outcome;
  state: RunbookState & { error?: { Error: string; Cause: string } };
}): Promise<RunbookReport> => report(event.outcome, event.state, deps, topicArn, new Date());
