import type { Job } from '../../contracts/jobs';
import { executionCost } from '../pricing';
import { billedTotals, type ExecutionEventListener, type ExecutionResult } from '../runner';
import { Twin } from '../twin';
import { runJob } from '../workflows';
import { confirmPhrase } from '../../contracts/dr-runbook';
import { cutoverPhrase } from '../../contracts/point-in-time-recovery';
import type { RunbookReport } from '../../functions/dr/report';
import { approveWhenAsked } from '../operator';
import { primaryUnhealthyAlarmName } from '../../contracts/metrics';
import { LocalEventBus } from '../eventbridge';
import type { AlarmId } from '../../contracts/alarm-catalog';
import type { FaultSpec } from '../twin/faults';
import { latencyOverrides, type Scenario } from './scenario';
import { automatedBackupReplicationOn, type LifelineConfig } from '../../contracts/config/schema';
import type { DrillReport, Recovery, StepReport } from './report-schema';

const HOUR = 3600_000;

interface DrillContext {
  readonly bus: LocalEventBus;
  readonly onEvent: ExecutionEventListener;
  readonly executionName: string;
}

interface DrillStep {
  readonly name: string;
  readonly job: Job;
  readonly expected: 'SUCCEEDED' | 'FAILED';
  /** Starts the workflow the way users do (a manual execution, or an alarm through the event bus). */
  readonly start: (twin: Twin, context: DrillContext) => Promise<ExecutionResult>;
  /** Where the workflow runs. @default primary */
  readonly region?: 'primary' | 'dr';
  /** What happens on the twin before the step (time passing, application writes). */
  readonly before?: (twin: Twin, scenario: Scenario) => Promise<void>;
  /** Checks beyond the status, returning problems, and figures for the report. */
  readonly after?: (twin: Twin, result: ExecutionResult) => Checked | Promise<Checked>;
  /** Steps this one builds on (by name), run first when `--only` picks it: there is nothing to verify before a backup. */
  readonly needs?: (config: LifelineConfig) => readonly string[];
  /** A later run of a job the drill already showed (in the other region, or passive): `--only <job>` does not pick it. */
  readonly followUp?: boolean;
}

/** A pilot-light failover restores the copied snapshot: it needs a backup first. */
const backupFirstForPilotLight = (config: LifelineConfig) => (config.dr.strategy === 'pilot-light' ? ['backup'] : []);

interface Checked {
  readonly problems: string[];
  readonly measurements: Record<string, number | string>;
  readonly recovery?: Recovery;
}

/** The game day, in order. Steps of workflows that do not exist yet are not listed. */
function drillSteps(): DrillStep[] {
  return [
    {
      ...backupStep('backup', 'primary'),
      before: async (twin) => {
        twin.clock.advance(HOUR);
        await twin.writeSampleRows(50, 'drill-before-backup');
      },
    },
    scalingStep('scale-out', 'service-cpu-high', 6 * 60_000, (from, to) =>
      to > from ? [] : [`expected a scale-out, desired count went ${from} → ${to}`],
    ),
    scalingStep('scale-in', 'service-cpu-low', 6 * 60_000, (from, to) =>
      to < from ? [] : [`expected a scale-in, desired count went ${from} → ${to}`],
    ),
    {
      name: 'restore-verification',
      job: 'restore-verification',
      needs: () => ['backup'],
      start: (twin, { onEvent, executionName }) =>
        runJob(twin, 'restore-verification', { reason: 'drill: verify the newest backup' }, { executionName, onEvent, bySchedule: true }),
      expected: 'SUCCEEDED',
      before: async (twin) => {
        twin.clock.advance(10 * 60_000);
      },
      after: (twin, result) => {
        const report = (result.output ?? {}) as {
          checks?: { name: string; passed: boolean; detail: string }[];
          rpoSeconds?: number;
          restoreDurationSeconds?: number;
          report?: string;
        };
        const left = [...(twin.rds.instances.get(twin.primaryRegion)?.values() ?? [])].filter(
          (i) =>
            i.id.startsWith('lifeline-verify-') &&
            i.status.at(twin.clock.now()) !== 'deleted' &&
            i.status.at(twin.clock.now()) !== 'deleting',
        );
        return {
          problems: left.length ? [`temporary instances left behind: ${left.map((i) => i.id).join(', ')}`] : [],
          measurements: {
            checks: (report.checks ?? []).map((c) => `${c.passed ? '✓' : '✗'} ${c.name}`).join(', '),
            verifiedRpoSeconds: report.rpoSeconds ?? 'n/a',
            restoreSeconds: report.restoreDurationSeconds ?? 'n/a',
          },
        };
      },
    },
    { ...drStep('dr-dry-run', 'dr-failover', { reason: 'drill: quarterly failover check' }), needs: backupFirstForPilotLight },
    drStep(
      'dr-failover',
      'dr-failover',
      { reason: 'drill: the primary region is down' },
      backupFirstForPilotLight,
      async (twin, scenario) => {
        twin.clock.advance(5 * 60_000);
        await twin.writeSampleRows(20, 'drill-before-outage');
        twin.clock.advance(2 * 60_000);
        // The primary region goes down, and the DR region's alarm proposes the failover. A planned failover
        // (`failover.primary: up`) moves away from a primary that still answers: an operator starts it.
        if (scenario.failover.primary === 'down')
          twin.core.faults.add({ kind: 'region-outage', region: twin.primaryRegion }, twin.clock.now());
        else twin.clock.advance(5 * 60_000);
      },
    ),
    // The DR region is active: its own jobs protect it while the primary is down.
    { ...backupStep('dr-backup', 'dr'), needs: () => ['dr-failover'], followUp: true, before: async (twin) => twin.clock.advance(HOUR) },
    {
      ...scalingStep(
        'dr-scale-out',
        'service-cpu-high',
        6 * 60_000,
        (from, to) => (to > from ? [] : [`expected the DR service to scale out, desired count went ${from} → ${to}`]),
        'dr',
      ),
      needs: () => ['dr-failover'],
      followUp: true,
    },
    {
      ...passiveStep('passive-backup', 'primary'),
      needs: () => ['dr-failover'],
      before: async (twin) => {
        // The primary region is back (its schedules fire again), before the failback hands its jobs back.
        twin.core.faults.clear('region-outage', twin.primaryRegion, twin.clock.now());
        twin.clock.advance(30 * 60_000);
      },
    },
    drStep(
      'dr-failback',
      'dr-failback',
      { reason: 'drill: the primary region is back' },
      () => ['dr-failover'],
      async (twin) => {
        twin.core.faults.clear('region-outage', twin.primaryRegion, twin.clock.now());
        twin.clock.advance(5 * 60_000);
      },
    ),
    // Failback handed everything back: the primary backs up again, the DR region's schedule records a no-op.
    {
      ...backupStep('backup-after-failback', 'primary'),
      needs: () => ['dr-failback'],
      followUp: true,
      before: async (twin) => twin.clock.advance(HOUR),
    },
    { ...passiveStep('dr-passive-backup', 'dr'), needs: () => ['dr-failback'] },
    // The commonest disaster: a bad release, undone by a point-in-time recovery.
    ...pointInTimeSteps(),
  ];
}

/** What the drill's bad release did, and the orders as they were before it (at the target time). */
interface BadRelease {
  targetTime: string;
  goodOrders: string[];
  deleted: number;
  updated: number;
  inserted: number;
}

/** A problem unless `rows` are the orders from before the release, row for row. */
function sameOrders(rows: readonly string[], good: readonly string[], what: string): string[] {
  const differing = good.filter((row, i) => rows[i] !== row).length + Math.max(0, rows.length - good.length);
  return differing === 0 && rows.length === good.length ? [] : [`${what} differs from the data before the release in ${differing} rows`];
}

const ordersOf = async (twin: Twin, physical: string): Promise<string[]> =>
  (
    await twin.core.dataPlane.query<{ row: string }>(
      physical,
      'SELECT (id, customer, total_cents, written_at)::text AS row FROM orders ORDER BY id',
    )
  ).rows.map((r) => r.row);

/**
 * A release deletes and rewrites orders; the operator asks what going back costs (dry run), restores the data from
 * before the release into a copy and checks it (restore), then moves the application to it (cutover, approved).
 */
function pointInTimeSteps(): DrillStep[] {
  const release: BadRelease = { targetTime: '', goodOrders: [], deleted: 0, updated: 0, inserted: 5 };
  const run =
    (input: Record<string, unknown>): DrillStep['start'] =>
    (twin, { onEvent, executionName }) =>
      runJob(
        twin,
        'point-in-time-recovery',
        { reason: 'drill: a release deleted and rewrote orders', ...input },
        { executionName, onEvent },
      );
  type PitrOutput = {
    outcome?: string;
    writesGivenUp?: number;
    writes?: { table: string; inserted?: number; updated?: number; deleted?: number }[];
    window?: { earliest: string; latest: string };
    restoreSeconds?: number;
    downtimeSeconds?: number;
    rtoSeconds?: number;
    criticalPathSeconds?: number;
    swap?: { setAsideId: string };
    temporaryInstance?: { id: string; keptUntil: string };
  };
  const output = (result: ExecutionResult) => (result.output ?? {}) as PitrOutput;
  const outcome = (report: PitrOutput, expected: string) =>
    report.outcome === expected ? [] : [`expected ${expected}, got ${report.outcome}`];
  return [
    {
      name: 'pitr-dry-run',
      job: 'point-in-time-recovery',
      expected: 'SUCCEEDED',
      before: async (twin) => {
        twin.clock.advance(30 * 60_000);
        await twin.writeSampleRows(30, 'drill-before-release');
        twin.clock.advance(10 * 60_000);
        release.targetTime = new Date(twin.clock.now()).toISOString();
        release.goodOrders = await ordersOf(twin, twin.appDatabase(twin.primaryRegion)?.physical ?? '');
        twin.clock.advance(5 * 60_000);
        // The bad release: its migration deletes a third of the orders and zeroes another third, then traffic goes on.
        release.deleted = await twin.applicationWrite('DELETE FROM orders WHERE id % 3 = 0');
        release.updated = await twin.applicationWrite('UPDATE orders SET total_cents = 0 WHERE id % 3 = 1');
        await twin.writeSampleRows(release.inserted, 'drill-after-release');
        twin.clock.advance(15 * 60_000);
      },
      start: (twin, context) => run({ targetTime: release.targetTime })(twin, context),
      after: (_, result) => {
        const report = output(result);
        const counted = release.updated + release.inserted;
        return {
          problems: [
            ...outcome(report, 'dry-run'),
            ...(report.writesGivenUp === counted
              ? []
              : [`counted ${report.writesGivenUp} writes since the target, the release made ${counted}`]),
          ],
          measurements: {
            targetTime: release.targetTime,
            restorableWindow: report.window ? `${report.window.earliest} – ${report.window.latest}` : 'none',
            writesSinceTarget: report.writesGivenUp ?? 'n/a',
          },
        };
      },
    },
    {
      name: 'pitr-restore',
      job: 'point-in-time-recovery',
      needs: () => ['pitr-dry-run'],
      expected: 'SUCCEEDED',
      start: (twin, context) => run({ mode: 'restore', targetTime: release.targetTime })(twin, context),
      after: async (twin, result) => {
        const report = output(result);
        const copy = twin.rds.instances.get(twin.primaryRegion)?.get(report.temporaryInstance?.id ?? '');
        // The copy holds the orders exactly as they were before the release, read from the copy's own database.
        const restored = copy?.physical ? await ordersOf(twin, copy.physical) : [];
        return {
          problems: [...outcome(report, 'restored'), ...sameOrders(restored, release.goodOrders, 'the restored copy')],
          measurements: {
            restoreSeconds: report.restoreSeconds ?? 'n/a',
            writesGivenUp: (report.writes ?? []).map((w) => `${w.table}: +${w.inserted} ~${w.updated} -${w.deleted}`).join(', '),
            keptUntil: report.temporaryInstance?.keptUntil ?? 'n/a',
            copy: copy?.id ?? 'missing',
          },
        };
      },
    },
    {
      name: 'pitr-cutover',
      job: 'point-in-time-recovery',
      needs: () => ['pitr-dry-run'],
      expected: 'SUCCEEDED',
      start: async (twin, context) => {
        const stop = approveWhenAsked(twin, { decision: 'approve', afterSeconds: APPROVAL_AFTER_SECONDS }, APPROVAL_AFTER_SECONDS + 300);
        try {
          const id = twin.inventory.primary.databaseInstanceId ?? '';
          return await run({ mode: 'cutover', targetTime: release.targetTime, confirm: cutoverPhrase(id) })(twin, context);
        } finally {
          stop();
        }
      },
      after: async (twin, result) => {
        const report = output(result);
        const kept = twin.rds.instances.get(twin.primaryRegion)?.get(report.swap?.setAsideId ?? '');
        const holder = twin.appDatabase(twin.primaryRegion);
        const serving = await ordersOf(twin, holder?.physical ?? '');
        // The DR region follows the instance that now holds the name: its replica (warm standby), or its backups.
        const replica = twin.rds.instances.get(twin.drRegion)?.get(twin.inventory.dr.databaseInstanceId ?? '');
        const follows =
          twin.inventory.strategy === 'warm-standby'
            ? replica?.replicaOf?.region === twin.primaryRegion && replica.replicaOf.id === holder?.id
            : !automatedBackupReplicationOn(twin.config) || holder?.backupReplication?.region === twin.drRegion;
        return {
          problems: [
            ...outcome(report, 'cut-over'),
            ...(kept?.deletionProtection ? [] : ['the instance set aside is not kept protected']),
            ...(follows ? [] : ['the DR region does not follow the restored instance']),
            ...sameOrders(serving, release.goodOrders, "the application's database"),
          ],
          measurements: {
            downtimeSeconds: report.downtimeSeconds ?? 'n/a',
            cutoverRtoSeconds: report.rtoSeconds ?? 'n/a',
            criticalPathSeconds: report.criticalPathSeconds ?? 'n/a',
            writesGivenUp: report.writesGivenUp ?? 'n/a',
            keptAs: report.swap?.setAsideId ?? 'n/a',
            drFollows: twin.inventory.strategy === 'warm-standby' ? `replica ${replica?.id ?? 'none'}` : 'replicated automated backups',
          },
        };
      },
    },
  ];
}

/** The backup job started by its schedule in the region of `role`, as EventBridge Scheduler starts it. */
const scheduledBackup =
  (role: 'primary' | 'dr', reason: string): DrillStep['start'] =>
  (twin, { onEvent, executionName }) =>
    runJob(twin, 'backup', { reason }, { region: twin.inventory[role].region, executionName, onEvent, bySchedule: true });

/** Ledger records of one backup run's manifests. */
const manifestsOf = (twin: Twin, runId: string) =>
  twin.dynamodb.scan(twin.controlPlane.ledgerTable).filter((r) => String(r.pk).startsWith('backup#') && r.runId === runId);

/**
 * A scheduled backup in the region of `role`, which must be the active one: a manifest per target with its RPO
 * read from the data, and the copy to the other region made, or pending (not failed) while that region is down.
 */
function backupStep(name: string, role: 'primary' | 'dr'): DrillStep {
  return {
    name,
    job: 'backup',
    region: role,
    followUp: role === 'dr',
    start: scheduledBackup(role, `drill: scheduled backup (${role} region)`),
    expected: 'SUCCEEDED',
    after: (twin, result) => {
      const manifests = manifestsOf(twin, result.executionName);
      const problems = manifests.length === 2 ? [] : [`expected a manifest per target, found ${manifests.length}`];
      const database = manifests.find((m) => m.targetId === 'database');
      if (typeof database?.rpoSeconds !== 'number') problems.push('the database manifest has no RPO read from the data');
      const other = role === 'dr' ? twin.primaryRegion : twin.drRegion;
      const otherDown = twin.core.outageStart(other) !== undefined;
      // While the other region is down the copies are pending; once it answers, they are made.
      const wrong = manifests.filter((m) => m.copy !== (otherDown ? 'pending' : 'copied'));
      if (wrong.length) problems.push(`copies of ${wrong.map((m) => `${String(m.targetId)} are ${String(m.copy)}`).join(', ')}`);
      return {
        problems,
        measurements: {
          backupRpoSeconds: typeof database?.rpoSeconds === 'number' ? database.rpoSeconds : 'n/a',
          databaseBackupSeconds: typeof database?.backupSeconds === 'number' ? database.backupSeconds : 'n/a',
          databaseCopySeconds: typeof database?.copySeconds === 'number' ? database.copySeconds : 'n/a',
          copies: otherDown ? `pending (${other} down)` : `made in ${other}`,
        },
      };
    },
  };
}

/**
 * The schedule of the passive region fires: the run records a no-op and changes nothing (no snapshot, no copy), as
 * the mutation log shows.
 */
function passiveStep(name: string, role: 'primary' | 'dr'): DrillStep {
  return {
    name,
    job: 'backup',
    region: role,
    followUp: true,
    start: scheduledBackup(role, `drill: scheduled backup (${role} region, passive)`),
    expected: 'SUCCEEDED',
    after: (twin, result) => {
      const passive = (result.output as { plan?: { passive?: { active?: string } } } | undefined)?.plan?.passive;
      const changed = twin.core.mutations.filter(
        (m) => m.at >= result.startedAt && (m.service === 'rds' || m.service === 'elasticache' || m.service === 's3'),
      );
      return {
        problems: [
          ...(passive ? [] : ['the passive region backed up']),
          ...changed.map((m) => `the passive run changed ${m.service} ${m.resource}`),
        ],
        measurements: { activeRegion: passive?.active ?? 'n/a', changes: changed.length },
      };
    },
  };
}

/**
 * The steps of a drill: all of them, or those of `only` with the steps they build on first (restore verification
 * after a backup, failback after a failover), in the drill's order.
 */
export function stepsFor(only: Job | undefined, config: LifelineConfig): DrillStep[] {
  const all = drillSteps();
  if (!only) return all;
  const wanted = new Set<string>();
  const want = (step: DrillStep | undefined): void => {
    if (!step || wanted.has(step.name)) return;
    for (const name of step.needs?.(config) ?? []) want(all.find((s) => s.name === name));
    wanted.add(step.name);
  };
  for (const step of all.filter((s) => s.job === only && !s.followUp)) want(step);
  return all.filter((s) => wanted.has(s.name));
}

/** Seconds the drill's operator takes to read the approval request and approve it. */
const APPROVAL_AFTER_SECONDS = 120;

/** A DR runbook run: a dry run, or a confirmed run approved by the drill's operator; RTO and RPO against the targets. */
function drStep(
  name: string,
  job: 'dr-failover' | 'dr-failback',
  input: { reason: string },
  needs?: DrillStep['needs'],
  before?: (twin: Twin, scenario: Scenario) => Promise<void>,
): DrillStep {
  const dryRun = name === 'dr-dry-run';
  /** A failover of a primary that is down is proposed by the DR region's alarm; anything else an operator starts. */
  let byAlarm = false;
  return {
    name,
    job,
    needs,
    region: 'dr',
    expected: 'SUCCEEDED',
    before: async (twin, scenario) => {
      await before?.(twin, scenario);
      byAlarm = job === 'dr-failover' && !dryRun && twin.core.outageStart(twin.primaryRegion) !== undefined && twin.iam !== undefined;
    },
    start: async (twin, { bus, onEvent, executionName }) => {
      const direction = job === 'dr-failover' ? 'failover' : 'failback';
      const to = direction === 'failover' ? twin.drRegion : twin.primaryRegion;
      // The operator answers the SNS request; without one (SNS down), finds it in the ledger five minutes later.
      const stop = dryRun
        ? () => undefined
        : approveWhenAsked(twin, { decision: 'approve', afterSeconds: APPROVAL_AFTER_SECONDS }, APPROVAL_AFTER_SECONDS + 300);
      try {
        if (byAlarm) return await proposedByAlarm(twin, bus, { onEvent, executionPrefix: executionName });
        return await runJob(twin, job, dryRun ? input : { ...input, mode: direction, confirm: confirmPhrase(direction, to) }, {
          region: twin.drRegion,
          executionName,
          onEvent,
        });
      } finally {
        stop();
      }
    },
    after: (twin, result): Checked => {
      const report = (result.output ?? {}) as Partial<RunbookReport>;
      const expectedOutcome = dryRun ? 'dry-run' : 'completed';
      const problems = report.outcome === expectedOutcome ? [] : [`expected outcome ${expectedOutcome}, got ${report.outcome ?? 'none'}`];
      if (dryRun) {
        return {
          problems,
          measurements: {
            expectedRtoSeconds: report.expectedRtoSeconds ?? 'n/a',
            estimatedRpoSeconds: report.preflight?.estimatedRpoSeconds ?? 'n/a',
            preflight: report.preflight?.ok ? 'passed' : 'blocked',
          },
        };
      }
      const recovery = recoveryOf(job === 'dr-failover' ? 'failover' : 'failback', report);
      if (!recovery) return { problems: [...problems, 'the runbook reported no RTO'], measurements: {} };
      if (!recovery.rtoMet) problems.push(`RTO ${Math.round(recovery.rtoSeconds)} s is over the ${recovery.rtoTargetSeconds} s target`);
      if (recovery.rpoMet === false)
        problems.push(`RPO ${Math.round(recovery.rpoSeconds ?? 0)} s is over the ${recovery.rpoTargetSeconds} s target`);
      return { problems, measurements: servedAgain(twin, job, report), recovery };
    },
  };
}

/**
 * Waits, minute by minute as CloudWatch evaluates it, for the DR region's primary-unhealthy alarm to go into ALARM;
 * the rule the app deploys then starts the failover with the input it builds from the alarm's event (proposed by
 * the alarm, confirmed, waiting for approval).
 */
async function proposedByAlarm(
  twin: Twin,
  bus: LocalEventBus,
  options: { onEvent: ExecutionEventListener; executionPrefix: string },
): Promise<ExecutionResult> {
  const name = primaryUnhealthyAlarmName(twin.config.appName);
  const limit = twin.config.dr.proposeFailoverAfterMinutes + 3;
  for (let minute = 0; twin.cloudwatch.alarm(twin.drRegion, name).state !== 'ALARM'; minute += 1) {
    if (minute > limit) throw new Error(`alarm ${name} did not propose a failover within ${limit} minutes of the outage`);
    twin.clock.advance(60_000);
  }
  const [result, ...more] = await bus.drain(options);
  if (!result || more.length) throw new Error(`alarm ${name} started ${more.length + (result ? 1 : 0)} executions, not one failover`);
  return result;
}

/**
 * The outage as users live it: from the moment the primary failed to the moment they are served again (DNS answers
 * the arriving region and it answers healthy), through the start, the approval and the recovery; and what DNS
 * answers now, read from Route 53's data plane.
 */
function servedAgain(twin: Twin, job: Job, report: Partial<RunbookReport>): Record<string, number | string> {
  const zone = twin.inventory.dns;
  const answer = zone ? twin.route53.resolve(zone.hostedZoneId, zone.domainName) : undefined;
  const answers = !answer ? 'no DNS' : answer.AliasTarget?.DNSName === twin.inventory.dr.endpoint ? twin.drRegion : twin.primaryRegion;
  const failedAt = twin.core.outageStart(twin.primaryRegion);
  const servedAt = Math.max(
    ...(report.timeline ?? [])
      .filter((s) => ['traffic', 'dns', 'health'].includes(s.step) && s.endedAt)
      .map((s) => Date.parse(s.endedAt ?? '')),
  );
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  // Failback re-protects: where the primary's automated backups go now, read from RDS (the twin), not from the report.
  const replicatedTo = twin.appDatabase(twin.primaryRegion)?.backupReplication?.region ?? 'nowhere';
  return {
    dnsAnswers: answers,
    ...(job === 'dr-failover' ? { startedBy: report.proposedBy ?? 'operator' } : {}),
    ...(job === 'dr-failback' && automatedBackupReplicationOn(twin.config) ? { primaryBackupsReplicatedTo: replicatedTo } : {}),
    ...(job === 'dr-failover' && failedAt !== undefined && Number.isFinite(servedAt)
      ? {
          // The primary's failure → the alarm's proposal (the runbook's start) → approval → recovery → served.
          startedAfterSeconds: seconds(Date.parse(report.startedAt ?? '') - failedAt),
          outageAsLivedSeconds: seconds(servedAt - failedAt),
        }
      : {}),
  };
}

/** The runbook's own steps (not its states), from the first one's start: how its RTO was spent. */
function waterfallOf(report: Partial<RunbookReport>): Recovery['waterfall'] {
  // Finished steps only: the runbook gives their seconds.
  const steps = (report.timeline ?? []).flatMap((s) => (s.seconds === undefined ? [] : [{ ...s, seconds: s.seconds }]));
  const start = Math.min(...steps.map((s) => Date.parse(s.startedAt)));
  return steps.map((s) => ({ step: s.step, start: (Date.parse(s.startedAt) - start) / 1000, seconds: s.seconds }));
}

/** RTO and RPO against the targets, from a completed runbook's report. */
function recoveryOf(direction: Recovery['direction'], report: Partial<RunbookReport>): Recovery | undefined {
  const { rtoSeconds, rtoTargetSeconds, rpoTargetSeconds, criticalPathSeconds } = report;
  if (rtoSeconds === undefined || !rtoTargetSeconds || !rpoTargetSeconds || !criticalPathSeconds) return undefined;
  const rpoSeconds = report.rpoSeconds ?? null;
  const approvalSeconds = report.approvalSeconds ?? 0;
  return {
    direction,
    rtoSeconds,
    rtoTargetSeconds,
    rtoMet: rtoSeconds <= rtoTargetSeconds,
    rpoSeconds,
    rpoTargetSeconds,
    rpoMet: rpoSeconds === null ? null : rpoSeconds <= rpoTargetSeconds,
    approvalSeconds,
    criticalPathSeconds,
    // RTO without the human's time, over the critical path of the AWS operations themselves.
    orchestrationOverhead: direction === 'failover' ? Number(((rtoSeconds - approvalSeconds) / criticalPathSeconds).toFixed(3)) : null,
    waterfall: waterfallOf(report),
  };
}

/** An alarm goes into ALARM; the EventBridge rule starts the scaling workflow; the service must change. */
function scalingStep(
  name: string,
  alarmId: AlarmId,
  waitBeforeMs: number,
  check: (from: number, to: number) => string[],
  role: 'primary' | 'dr' = 'primary',
): DrillStep {
  let from = 0;
  const regionOf = (twin: Twin) => twin.inventory[role].region;
  return {
    name,
    job: 'alarm-scaling',
    region: role,
    expected: 'SUCCEEDED',
    before: async (twin) => {
      twin.clock.advance(waitBeforeMs);
      const { cluster, service } = twin.inventory[role];
      from = twin.ecs.service(regionOf(twin), cluster, service).desiredCount;
    },
    start: async (twin, { bus, onEvent }) => {
      const alarm = `${twin.config.appName}-${role}-${alarmId}`;
      await twin.core.call('cloudwatch', 'SetAlarmState', regionOf(twin), {
        AlarmName: alarm,
        StateValue: 'ALARM',
        StateReason: `drill: ${alarmId} breached`,
      });
      const [result] = await bus.drain({ onEvent });
      if (!result) throw new Error(`alarm ${alarm} started no workflow`);
      return result;
    },
    after: (twin, result) => {
      const { cluster, service } = twin.inventory[role];
      const to = twin.ecs.service(regionOf(twin), cluster, service).desiredCount;
      const update = result.timeline.find((t) => t.state === 'UpdateService');
      const steady = result.timeline.find((t) => t.state === 'RecordSteady');
      return {
        problems: check(from, to),
        measurements: {
          desiredCount: `${from}→${to}`,
          alarmToUpdateSeconds: update ? (Date.parse(update.enteredAt) - Date.parse(result.startedAt)) / 1000 : 'n/a',
          timeToSteadySeconds: steady && update ? (Date.parse(steady.enteredAt) - Date.parse(update.enteredAt)) / 1000 : 'n/a',
        },
      };
    },
  };
}

export const DRILL_JOBS: readonly Job[] = [...new Set(drillSteps().map((s) => s.job))];

export interface DrillOptions {
  readonly config: LifelineConfig;
  readonly scenario: Scenario;
  readonly scenarioFile?: string;
  readonly only?: Job;
  readonly extraFaults: readonly FaultSpec[];
  readonly log: (line: string) => void;
  /** Registers the twin so a signal handler can stop it. */
  readonly onTwin?: (twin: Twin) => void;
  /** Evaluate every IAM request afresh and fail on a memoized decision that differs (the tests' check of the memo). */
  readonly verifyIamMemo?: boolean;
}

const clockText = (ms: number) => {
  const s = Math.round(ms / 100) / 10;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${(s % 60).toFixed(1).padStart(4, '0')}`;
};

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const wallStart = performance.now();
  const twin = new Twin({
    config: options.config,
    latency: latencyOverrides(options.scenario),
    faults: [...options.scenario.faults, ...options.extraFaults],
    sampleRows: options.scenario.data.rows,
    cacheKeys: options.scenario.data.cacheKeys,
    verifyIamMemo: options.verifyIamMemo,
  });
  options.onTwin?.(twin);
  const bootStart = performance.now();
  await twin.start();
  const bootMs = Math.round(performance.now() - bootStart);
  const drillStart = twin.clock.now();
  try {
    const inv = twin.inventory;
    const drReplica = inv.dr.databaseInstanceId ? `, read replica ${inv.dr.databaseInstanceId}` : '';
    const drCache = inv.dr.cacheReplicationGroupId ? `, ElastiCache ${inv.dr.cacheReplicationGroupId}` : '';
    const alarms = [...twin.cloudwatch.alarms.values()].reduce((n, m) => n + m.size, 0);
    const resources = [
      `${inv.primary.region} (primary): ECS ${inv.primary.cluster}/${inv.primary.service}, ` +
        `RDS ${inv.primary.databaseInstanceId} on PostgreSQL, ElastiCache ${inv.primary.cacheReplicationGroupId}, ` +
        `ALB http://${inv.primary.endpoint}/health`,
      `${inv.dr.region} (DR, ${inv.strategy}): ECS ${inv.dr.cluster}/${inv.dr.service}${drReplica}${drCache}, ` +
        `ALB http://${inv.dr.endpoint}/health`,
      `control plane: ledger ${twin.controlPlane.ledgerTable}, topics in both regions, ${alarms} alarms`,
    ];
    options.log(`twin ready in ${bootMs} ms (PostgreSQL included):`);
    for (const line of resources) options.log(`  ${line}`);

    const bus = new LocalEventBus(twin);
    // The rules the app deploys, with their patterns: each region's scaling alarms start its own scaling workflow
    // (both regions deploy it), and the DR region's primary-unhealthy alarm proposes a failover.
    for (const region of [twin.primaryRegion, twin.drRegion]) bus.addDeployedRules('alarm-scaling', region);
    bus.addDeployedRules('dr-failover', twin.drRegion);
    const steps = stepsFor(options.only, options.config);
    const reports: StepReport[] = [];
    for (const step of steps) {
      await step.before?.(twin, options.scenario);
      const region = step.region === 'dr' ? twin.drRegion : twin.primaryRegion;
      const startedAt = twin.clock.now();
      const setup = options.only !== undefined && step.job !== options.only;
      const role = setup ? `; setup for ${options.only}` : '';
      options.log(`\n▶ ${step.name} (${step.job}, ${region}${role}) at T+${clockText(startedAt - drillStart)}`);
      const result = await step.start(twin, {
        bus,
        executionName: `drill-${step.name}`,
        onEvent: (event, execution) => {
          const state = event.state as { name?: string; type?: string } | undefined;
          if (!state?.name || (event.type !== 'StateExited' && event.type !== 'StateFailed') || state.type !== 'Task') return;
          const index = typeof event.index === 'number' ? `[${event.index}]` : '';
          const mark = event.type === 'StateFailed' ? `✗ ${String(event.Error)}` : '✓';
          const where = execution.startsWith('backup-target') ? `${execution.replace(/-\d{4}-\d{2}-\d{2}T.*$/, '')} › ` : '';
          options.log(`  T+${clockText(Number(event.timestamp) - drillStart)}  ${where}${state.name}${index} ${mark}`);
        },
      });
      const totals = billedTotals(result);
      const checked = (await step.after?.(twin, result)) ?? { problems: [], measurements: {} };
      const problems = [
        ...(result.status === step.expected
          ? []
          : [`expected ${step.expected}, got ${result.status}${result.error ? ` (${result.error}: ${result.cause})` : ''}`]),
        ...checked.problems,
      ];
      reports.push({
        name: step.name,
        job: step.job,
        setup,
        region,
        expected: step.expected,
        status: result.status,
        ok: problems.length === 0,
        problems,
        startedAt: result.startedAt,
        virtualSeconds: result.durationSeconds,
        transitions: totals.transitions,
        lambdaInvocations: totals.lambdaInvocations,
        executions: totals.executions,
        historyEvents: result.historyEvents,
        estimatedCostUsd: executionCost(totals.transitions, totals.lambdaInvocations),
        error: result.error,
        cause: result.cause,
        timeline: result.timeline,
        measurements: checked.measurements,
        ...(checked.recovery ? { recovery: checked.recovery } : {}),
      });
      const mark = problems.length ? '✗' : '✓';
      const why = problems.length ? ` — ${problems.join('; ')}` : '';
      const virtual = clockText(result.durationSeconds * 1000);
      options.log(
        `  ${mark} ${step.name}: ${result.status} in ${virtual} virtual, ` +
          `${totals.transitions} transitions in ${totals.executions} executions${why}`,
      );
    }
    return {
      startedAt: new Date(drillStart).toISOString(),
      config: {
        appName: options.config.appName,
        primary: twin.primaryRegion,
        dr: twin.drRegion,
        strategy: options.config.dr.strategy,
        rtoMinutes: options.config.dr.rtoMinutes,
        rpoMinutes: options.config.dr.rpoMinutes,
      },
      scenario: options.scenarioFile,
      twin: { bootMs, resources },
      checks: {
        calls: twin.core.calls.length,
        modelChecked: twin.core.modelChecks.calls,
        modelViolations: twin.core.modelChecks.requestViolations + twin.core.modelChecks.responseViolations,
        modelCheckMs: Math.round(twin.core.modelChecks.ms),
        authorized: twin.iam?.stats.calls ?? 0,
        iamEvaluations: twin.iam?.stats.evaluations ?? 0,
        iamMs: Math.round(twin.iam?.stats.ms ?? 0),
        refusals: (twin.iam?.refusals ?? []).map((r) => `${r.call}: ${r.message}`),
      },
      steps: reports,
      // A refusal means the deployed policies lack a permission the product uses, even where a workflow got past it.
      ok: reports.every((r) => r.ok) && (twin.iam?.refusals.length ?? 0) === 0,
      wallMs: Math.round(performance.now() - wallStart),
    };
  } finally {
    await twin.stop();
  }
}
