import { alarmEventPattern, alarmEventSchema } from '../contracts/alarm-scaling';
import type { AlarmId } from '../contracts/alarm-catalog';
import { parseConfig } from '../contracts/config/load';
import { DEFAULT_SCALING_POLICIES } from '../contracts/config/schema';
import { confirmPhrase } from '../contracts/dr-runbook';
import { SCHEDULED_FUNCTION_ENTRIES } from '../contracts/jobs';
import { LocalEventBus } from '../local/eventbridge';
import { approveWith } from '../local/operator';
import { executionCost } from '../local/pricing';
import { waitLoop } from '../local/proof-machines';
import { billedTotals, runDefinition } from '../local/runner';
import { Twin } from '../local/twin';
import { functionEnvironment, runJob } from '../local/workflows';
import { type BilledRun, passiveRun } from './cost-model';
import { HandlerSamples } from './handler-samples';
import { elapsedMs, median, percentile } from './stats';

/** A bus with the alarm-scaling rule on every alarm of the primary region, as the scaling construct deploys it. */
function alarmScalingBus(twin: Twin): LocalEventBus {
  const bus = new LocalEventBus(twin);
  const alarms = [...(twin.cloudwatch.alarms.get(twin.primaryRegion)?.values() ?? [])];
  bus.addRule(alarmEventPattern(alarms.map((a) => a.arn)), 'alarm-scaling', twin.primaryRegion);
  return bus;
}

/** Puts the primary region's alarm `id` into `state`, as CloudWatch would on a breach (or its end). */
async function setAlarm(twin: Twin, id: AlarmId, state: 'OK' | 'ALARM'): Promise<void> {
  await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
    AlarmName: `${twin.config.appName}-primary-${id}`,
    StateValue: state,
    StateReason: 'bench',
  });
}

/**
 * The twin's figures: boot time, a thousand transitions, one backup, restore
 * verification and alarm-driven scaling, the scaling decision handler alone,
 * then enough further invocations of every function for its handler times.
 * `billedRuns` (what a scheduled execution is billed for) and `env` (the
 * functions' environment, for the bundle figures) are not reported.
 */
export async function twinFigures() {
  // A linked target (cache replicas, out on one cache alarm, in on the other), so the linked-scaling functions are measured too.
  const cacheReplicas = { min: 1, max: 5 };
  const config = parseConfig({
    appName: 'bench',
    scaling: {
      policies: {
        ...DEFAULT_SCALING_POLICIES,
        'cache-memory-high': { direction: 'out', step: 1, linked: { cacheReplicas } },
        'cache-cpu-high': { direction: 'in', step: 1, linked: { cacheReplicas } },
      },
    },
  });
  const boots: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const twin = new Twin({ config });
    boots.push(await elapsedMs(() => twin.start()));
    await twin.stop();
  }
  const twin = new Twin({ config });
  await twin.start();
  const handlers = new HandlerSamples();
  const onInvoke = handlers.record;
  try {
    const loop = waitLoop(333);
    const bindings = { twin: twin.core, region: twin.primaryRegion, substitutions: {}, functions: {} };
    const loops: number[] = [];
    let transitions = 0;
    for (let i = 0; i < 5; i += 1) {
      loops.push(await elapsedMs(async () => (transitions = (await runDefinition(loop, {}, bindings)).transitions)));
    }
    twin.clock.advance(3600_000);
    const start = performance.now();
    const backup = await runJob(twin, 'backup', { reason: 'bench' }, { executionName: 'bench-backup', onInvoke });
    const backupWall = performance.now() - start;

    twin.clock.advance(600_000);
    const verification = await runJob(twin, 'restore-verification', { reason: 'bench' }, { executionName: 'bench-verify', onInvoke });

    // Scaling: an alarm through the event bus, and the decision handler alone, in process.
    const bus = alarmScalingBus(twin);
    await setAlarm(twin, 'service-cpu-high', 'ALARM');
    const [scaling] = await bus.drain({ onInvoke });
    const update = scaling.timeline.find((t) => t.state === 'UpdateService');
    const { decideScaling } = await import('../functions/scaling/decide');
    const { loadScalingEnv } = await import('../functions/scaling/deps');
    const deps = loadScalingEnv();
    const decisionMs: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      await setAlarm(twin, 'service-cpu-high', i % 2 ? 'ALARM' : 'OK');
      const event = twin.core.events.at(-1);
      decisionMs.push(
        await elapsedMs(() => twin.clock.drive(() => decideScaling(alarmEventSchema.parse(event), { ...deps, now: twin.clock.date() }))),
      );
    }
    await moreInvocations(twin, handlers);
    // The DR region's schedules fire too: there, in the steady state, each run is a recorded no-op.
    const passive = async (job: 'backup' | 'restore-verification') =>
      billedTotals(
        await runJob(twin, job, { reason: 'bench: passive region' }, { region: twin.drRegion, executionName: `bench-${job}-dr` }),
      );
    const billedRuns: Record<string, BilledRun> = {
      backup: billedTotals(backup),
      'restore-verification': billedTotals(verification),
      [passiveRun('backup')]: await passive('backup'),
      [passiveRun('restore-verification')]: await passive('restore-verification'),
    };
    return {
      twinBootMs: { median: median(boots), runs: boots.map(Math.round) },
      thousandTransitions: { transitions, wallMsMedian: median(loops) },
      workflows: {
        'alarm-scaling': { status: scaling.status, transitions: scaling.transitions, virtualSeconds: scaling.durationSeconds },
        'restore-verification': {
          status: verification.status,
          transitions: verification.transitions,
          virtualSeconds: verification.durationSeconds,
          lambdaInvocations: verification.lambdaInvocations,
        },
        backup: {
          status: backup.status,
          ...billedTotals(backup),
          transitionsPerTarget: backup.children.map((c) => c.transitions),
          historyEvents: backup.historyEvents,
          virtualSeconds: backup.durationSeconds,
          wallMs: Math.round(backupWall),
          estimatedCostUsd: executionCost(billedTotals(backup).transitions, billedTotals(backup).lambdaInvocations),
        },
      },
      scaling: {
        status: scaling.status,
        transitions: scaling.transitions,
        virtualSeconds: scaling.durationSeconds,
        alarmToUpdateServiceVirtualSeconds: update ? (Date.parse(update.enteredAt) - Date.parse(scaling.startedAt)) / 1000 : undefined,
        // In process against the twin: three SDK calls and three ledger calls, each with the profile's 0.1 s virtual latency
        // (no real wait).
        decisionHandlerWallMs: { p50: percentile(decisionMs, 0.5), p99: percentile(decisionMs, 0.99), runs: decisionMs.length },
      },
      handlerWallMs: handlers.figures(),
      // What the twin checked over all of the above: every call against the SDK models, and as its principal by IAM.
      checks: {
        calls: twin.core.calls.length,
        modelChecked: twin.core.modelChecks.calls,
        modelCheckMs: Math.round(twin.core.modelChecks.ms),
        iamAuthorized: twin.iam?.stats.calls,
        iamRequirements: twin.iam?.stats.requirements,
        iamEvaluations: twin.iam?.stats.evaluations,
        iamMs: Math.round(twin.iam?.stats.ms ?? 0),
        iamRefusals: twin.iam?.refusals.length,
      },
      billedRuns,
      env: functionEnvironment(twin, twin.primaryRegion),
    };
  } finally {
    await twin.stop();
  }
}

/**
 * Enough invocations of every function for a p50 and a p99: more backups,
 * restore verifications and alarm-driven scalings, DR dry runs, one
 * approved failover and failback, and the scheduled functions (heartbeat,
 * sweeper) called as their schedule would.
 */
async function moreInvocations(twin: Twin, handlers: HandlerSamples): Promise<void> {
  const onInvoke = handlers.record;
  // A bus of its own: the decision loop above left its alarm changes queued on the first one.
  const bus = alarmScalingBus(twin);
  for (let i = 0; i < 9; i += 1) {
    twin.clock.advance(6 * 3600_000);
    await runJob(twin, 'backup', { reason: 'bench' }, { executionName: `bench-backup-${i}`, onInvoke });
  }
  for (let i = 0; i < 4; i += 1) {
    twin.clock.advance(600_000);
    await runJob(twin, 'restore-verification', { reason: 'bench' }, { executionName: `bench-verify-${i}`, onInvoke });
  }
  const scalingAlarms: AlarmId[] = ['service-cpu-high', 'cache-memory-high', 'service-cpu-low', 'cache-cpu-high'];
  for (let i = 0; i < 40; i += 1) {
    twin.clock.advance(15 * 60_000);
    for (const state of ['OK', 'ALARM'] as const) await setAlarm(twin, scalingAlarms[i % 4], state);
    await bus.drain({ onInvoke });
  }
  for (let i = 0; i < 20; i += 1) {
    await runJob(
      twin,
      'dr-failover',
      { reason: 'bench: dry run' },
      { region: twin.drRegion, executionName: `bench-dr-dry-run-${i}`, onInvoke },
    );
  }
  Object.assign(process.env, { REGION_ROLE: 'primary' });
  const heartbeat = await import('../functions/heartbeat/write');
  const sweeper = await import('../functions/restore-verification/sweep');
  for (let i = 0; i < 50; i += 1) {
    twin.clock.advance(60_000);
    await handlers.time(SCHEDULED_FUNCTION_ENTRIES.heartbeat, () => twin.clock.drive(() => heartbeat.handler()));
  }
  for (let i = 0; i < 20; i += 1) {
    twin.clock.advance(3600_000);
    await handlers.time(SCHEDULED_FUNCTION_ENTRIES.restoreSweeper, () => twin.clock.drive(() => sweeper.handler()));
  }
  for (const [job, direction, to] of [
    ['dr-failover', 'failover', twin.drRegion],
    ['dr-failback', 'failback', twin.primaryRegion],
  ] as const) {
    const stop = approveWith(twin, { decision: 'approve', afterSeconds: 60 });
    try {
      const run = await runJob(
        twin,
        job,
        { reason: 'bench', mode: direction, confirm: confirmPhrase(direction, to) },
        { region: twin.drRegion, executionName: `bench-${job}`, onInvoke },
      );
      if (run.status !== 'SUCCEEDED') throw new Error(`bench ${job} ${run.status}: ${run.error} ${run.cause}`);
    } finally {
      stop();
    }
    twin.clock.advance(30 * 60_000);
  }
}
