import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ecs, route53, s3, sns } from '../shared/clients';
import { describeInstance, normalizeDns, topicRegion } from './aws';
import { requiredEnv } from '../shared/env';
import { rootCause } from '../shared/errors';
import { put } from '../shared/ledger';
import { metrics } from '../shared/powertools';
import type { Run } from '../../contracts/dr-runbook';
import { type DrDeps, drDepsFromEnv, messageOf, sides } from './deps';
import type { Preflight } from './preflight';
import type { Progress, RunbookState, StepName } from './steps';

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
  readonly done?: string[];
  readonly notDone?: string[];
  readonly error?: string;
  readonly cause?: string;
  readonly leftForYou?: string[];
  /** One line: what happened (the Cause of a failed execution). */
  readonly summary: string;
}

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
const ORDER: StepName[] = ['replication', 'database', 'cache', 'service', 'quiesce', 'repoint', 'dns', 'health', 'reprotect'];

function timelineOf(state: RunbookState): TimelineStep[] {
  const steps: TimelineStep[] = [
    {
      step: 'preflight',
      startedAt: state.run.startedAt,
      endedAt: state.preflight.finishedAt,
      seconds: seconds(state.run.startedAt, state.preflight.finishedAt),
    },
  ];
  const recovery = ORDER.map((name) => state[name] as Progress | undefined).filter((p): p is Progress => p !== undefined);
  const firstRecovery = recovery.map((p) => p.startedAt).sort()[0];
  const approval = state.approval as { required?: boolean } | undefined;
  if (approval !== undefined && approval.required !== false && firstRecovery)
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
    note(
      Boolean(instance && !instance.ReadReplicaSourceDBInstanceIdentifier && instance.DBInstanceStatus === 'available'),
      `database ${id} in ${to.region} is a standalone writer`,
      `database ${id} in ${to.region} is not a writer (${instance ? (instance.ReadReplicaSourceDBInstanceIdentifier ? 'still a read replica' : instance.DBInstanceStatus) : 'missing'})`,
    );
  }
  const service = await ecs(to.region)
    .send(new DescribeServicesCommand({ cluster: to.cluster, services: [to.service] }))
    .then(
      (r) => r.services?.[0],
      () => undefined,
    );
  note(
    (service?.desiredCount ?? 0) >= preflight.desiredCount,
    `service ${to.service} scaled to ${service?.desiredCount}`,
    `service ${to.service} at ${service?.desiredCount ?? 'unknown'} of ${preflight.desiredCount} tasks`,
  );
  if (deps.inventory.dns) {
    const dns = deps.inventory.dns;
    const sets = await route53()
      .send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId, StartRecordName: dns.domainName }))
      .then(
        (r) => r.ResourceRecordSets ?? [],
        () => [],
      );
    const primary = sets.find((r) => r.Failover === 'PRIMARY' && normalizeDns(r.Name) === normalizeDns(dns.domainName));
    note(
      normalizeDns(primary?.AliasTarget?.DNSName) === normalizeDns(to.endpoint),
      `DNS ${dns.domainName} points at ${to.region}`,
      `DNS ${dns.domainName} not switched to ${to.region}`,
    );
  }
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
  const { to } = sides(deps.inventory, run.direction);
  const health = state.health as Progress | undefined;
  const database = state.database as Progress | undefined;
  const endedAt = now.toISOString();
  // A failover's clock starts with the runbook (the application is already down); a failback is planned,
  // and the application is down only from the moment the DR writers stop (quiesce) until healthy again.
  const quiesce = state.quiesce as Progress | undefined;
  const downFrom = run.direction === 'failback' && quiesce ? quiesce.startedAt : run.startedAt;
  const rtoSeconds = outcome === 'completed' && health?.readyAt ? seconds(downFrom, health.readyAt) : undefined;
  const timeline = timelineOf(state);
  const approvalSeconds = timeline.find((s) => s.step === 'approval')?.seconds;
  const rpoSeconds = typeof database?.detail.rpoSeconds === 'number' ? database.detail.rpoSeconds : undefined;
  const root = state.error ? rootCause(state.error.Error, state.error.Cause) : undefined;
  const observed =
    outcome === 'failed'
      ? await observe(state, deps).catch((error: unknown) => ({ done: [], notDone: [`could not observe: ${messageOf(error)}`] }))
      : undefined;
  const leftForYou = [
    preflight.database?.action === 'rebuild' ? preflight.database.staleInstanceId : undefined,
    (state.reprotect as Progress | undefined)?.detail.renamed,
  ]
    .filter((id): id is string => typeof id === 'string')
    .map((id) => `${id}: the data from before the switch, kept with deletion protection; snapshot and delete it when no longer needed`);
  const headline =
    outcome === 'completed'
      ? `${run.direction} to ${to.region} completed: RTO ${Math.round((rtoSeconds ?? 0) / 60)} min (target ${preflight.rtoTargetSeconds / 60}), RPO ${rpoSeconds === undefined ? 'n/a' : `${Math.round(rpoSeconds)} s`} (target ${preflight.rpoTargetSeconds} s)`
      : outcome === 'failed'
        ? `${run.direction} to ${to.region} FAILED: ${root?.error}: ${root?.cause}. Done: ${observed?.done.join('; ') || 'nothing'}. Not done: ${observed?.notDone.join('; ') || 'nothing'}`
        : outcome === 'dry-run'
          ? `dry run of ${run.direction} to ${to.region}: preflight ${preflight.ok ? 'passed' : 'found blockers'}, expected RTO ${Math.round(preflight.expectedRtoSeconds / 60)} min`
          : `${run.direction} to ${to.region} not carried out (${outcome})${root ? `: ${root.error}: ${root.cause}` : ''}${
              outcome === 'preflight-failed'
                ? `: ${preflight.checks
                    .filter((c) => !c.ok && c.blocking)
                    .map((c) => `${c.name}: ${c.detail}`)
                    .join('; ')}`
                : ''
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
    rpoBasis: typeof database?.detail.rpoBasis === 'string' ? database.detail.rpoBasis : undefined,
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
  await sns(topicRegion(topicArn)).send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: `Lifeline DR ${run.direction}: ${outcome}`.slice(0, 99),
      Message: `${headline}\n\n${JSON.stringify({ ...result, preflight: undefined }, null, 2)}`,
    }),
  );
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
