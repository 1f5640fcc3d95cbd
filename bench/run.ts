import '../local/polyfills';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parseConfig } from '../contracts/config/load';
import { DEFAULT_SCALING_POLICIES } from '../contracts/config/schema';
import { JOB_FUNCTIONS, SCHEDULED_FUNCTION_ENTRIES } from '../contracts/jobs';
import { BUNDLING, FUNCTIONS_DIR } from '../cdk/control-plane/ops-function';
import { executionCost, LAMBDA_ASSUMPTIONS, PRICES } from '../local/pricing';
import { waitLoop } from '../local/proof-machines';
import { billedTotals, runDefinition } from '../local/runner';
import { Twin } from '../local/twin';
import { functionEnvironment, runJob } from '../local/workflows';
import { LocalEventBus } from '../local/eventbridge';
import { alarmEventPattern, alarmEventSchema } from '../contracts/alarm-scaling';
import type { StepReport } from '../local/drill/report-schema';
import { approveWith } from '../local/operator';
import { confirmPhrase } from '../contracts/dr-runbook';

/**
 * `npm run bench`: the figures the issues ask for, into bench/results.json.
 * Wall times are medians of several runs; this machine is shared, so read
 * them as orders of magnitude and compare runs of the same machine.
 */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10;
};

function wallMs(command: string, args: string[]): number {
  const start = performance.now();
  execFileSync(command, args, { stdio: 'ignore', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
  return Math.round(performance.now() - start);
}

async function twinFigures() {
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
    const start = performance.now();
    await twin.start();
    boots.push(performance.now() - start);
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
      const start = performance.now();
      const result = await runDefinition(loop, {}, bindings);
      loops.push(performance.now() - start);
      transitions = result.transitions;
    }
    twin.clock.advance(3600_000);
    const start = performance.now();
    const backup = await runJob(twin, 'backup', { reason: 'bench' }, { executionName: 'bench-backup', onInvoke });
    const backupWall = performance.now() - start;

    twin.clock.advance(600_000);
    const verification = await runJob(twin, 'restore-verification', { reason: 'bench' }, { executionName: 'bench-verify', onInvoke });

    // Scaling: an alarm through the event bus, and the decision handler alone, in process.
    const bus = new LocalEventBus(twin);
    const alarms = [...(twin.cloudwatch.alarms.get(twin.primaryRegion)?.values() ?? [])];
    bus.addRule(alarmEventPattern(alarms.map((a) => a.arn)), 'alarm-scaling', twin.primaryRegion);
    const cpuHigh = alarms.find((a) => a.name.endsWith('service-cpu-high'));
    await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
      AlarmName: cpuHigh?.name,
      StateValue: 'ALARM',
      StateReason: 'bench',
    });
    const [scaling] = await bus.drain({ onInvoke });
    const update = scaling.timeline.find((t) => t.state === 'UpdateService');
    const { decideScaling } = await import('../functions/scaling/decide');
    const { loadScalingEnv } = await import('../functions/scaling/deps');
    const deps = loadScalingEnv();
    const decisionMs: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
        AlarmName: cpuHigh?.name,
        StateValue: i % 2 ? 'ALARM' : 'OK',
        StateReason: 'bench',
      });
      const event = twin.core.events.at(-1);
      const t0 = performance.now();
      await twin.clock.drive(() => decideScaling(alarmEventSchema.parse(event), { ...deps, now: twin.clock.date() }));
      decisionMs.push(performance.now() - t0);
    }
    await moreInvocations(twin, handlers);
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
        // In process against the twin: three SDK calls and three ledger calls, each with the profile's 0.1 s virtual latency (no real wait).
        decisionHandlerWallMs: { p50: percentile(decisionMs, 0.5), p99: percentile(decisionMs, 0.99), runs: decisionMs.length },
      },
      handlerWallMs: handlers.figures(),
      env: functionEnvironment(twin, twin.primaryRegion),
    };
  } finally {
    await twin.stop();
  }
}

const percentile = (values: number[], p: number) =>
  Math.round([...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] * 100) / 100;

/** Every function's handler time, in process on the twin, keyed by its entry (as the bundle figures are). */
class HandlerSamples {
  private readonly samples = new Map<string, number[]>();
  private readonly entries = new Map<string, string>(
    Object.entries(JOB_FUNCTIONS).flatMap(([job, functions]) =>
      Object.entries(functions).map(([placeholder, spec]) => [`${job}-${placeholder}`, spec.entry] as const),
    ),
  );

  readonly record = (functionName: string, wallMs: number) => {
    const entry = this.entries.get(functionName) ?? functionName;
    const samples = this.samples.get(entry) ?? [];
    samples.push(wallMs);
    this.samples.set(entry, samples);
  };

  async time<T>(entry: string, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await call();
    } finally {
      this.record(entry, performance.now() - start);
    }
  }

  /** p99 of fewer than 100 invocations is their maximum; `invocations` says how many there were. */
  figures(): Record<string, { p50: number; p99: number; invocations: number }> {
    return Object.fromEntries(
      [...this.samples]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([entry, ms]) => [entry, { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), invocations: ms.length }]),
    );
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
  const bus = new LocalEventBus(twin);
  bus.addRule(
    alarmEventPattern([...(twin.cloudwatch.alarms.get(twin.primaryRegion)?.values() ?? [])].map((a) => a.arn)),
    'alarm-scaling',
    twin.primaryRegion,
  );
  const alarm = (id: string) => `${twin.config.appName}-primary-${id}`;
  for (let i = 0; i < 9; i += 1) {
    twin.clock.advance(6 * 3600_000);
    await runJob(twin, 'backup', { reason: 'bench' }, { executionName: `bench-backup-${i}`, onInvoke });
  }
  for (let i = 0; i < 4; i += 1) {
    twin.clock.advance(600_000);
    await runJob(twin, 'restore-verification', { reason: 'bench' }, { executionName: `bench-verify-${i}`, onInvoke });
  }
  for (let i = 0; i < 40; i += 1) {
    twin.clock.advance(15 * 60_000);
    const id = ['service-cpu-high', 'cache-memory-high', 'service-cpu-low', 'cache-cpu-high'][i % 4];
    for (const state of ['OK', 'ALARM'])
      await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
        AlarmName: alarm(id),
        StateValue: state,
        StateReason: 'bench',
      });
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

/** Runs a day of a schedule expression: cron(m h ...) with h a list or a step, or rate(n unit). */
function runsPerDay(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) return (24 * 60) / (Number(rate[1]) * (rate[2].startsWith('minute') ? 1 : rate[2].startsWith('hour') ? 60 : 1440));
  const hours = /^cron\(\S+ (\S+) /.exec(expression)?.[1] ?? '*';
  if (hours === '*') return 24;
  const step = /^\*\/(\d+)$/.exec(hours);
  return step ? 24 / Number(step[1]) : hours.split(',').length;
}

/** Estimated monthly control-plane cost at the default configuration (prices in local/pricing.ts). */
function monthlyCost(backupTransitions: number, backupLambdaInvocations: number) {
  const config = parseConfig({});
  const backupRuns = runsPerDay(config.backup.schedule) * 30;
  const heartbeatRuns = 2 * 24 * 60 * 30; // one writer per region, every minute
  const stepFunctions = backupRuns * backupTransitions * PRICES.stepFunctionsPerTransition;
  const lambda =
    (backupRuns * backupLambdaInvocations + heartbeatRuns) *
    (PRICES.lambdaPerRequest + LAMBDA_ASSUMPTIONS.memoryGb * LAMBDA_ASSUMPTIONS.averageSeconds * PRICES.lambdaPerGbSecond);
  // Per backup run: the plan, a manifest per target and the run record; reads for polling intervals and pruning.
  const dynamoDb = backupRuns * (4 * PRICES.dynamoDbPerWrite + 6 * PRICES.dynamoDbPerRead);
  // Custom metrics: 4 per target (2 targets) ; alarms: 23 workload + 3 backup.
  const cloudWatch = 8 * PRICES.cloudWatchPerMetricMonth + 26 * PRICES.cloudWatchPerAlarmMonth;
  const round = (n: number) => Math.round(n * 10000) / 10000;
  return {
    backupRunsPerMonth: backupRuns,
    stepFunctions: round(stepFunctions),
    lambda: round(lambda),
    dynamoDb: round(dynamoDb),
    cloudWatch: round(cloudWatch),
    total: round(stepFunctions + lambda + dynamoDb + cloudWatch),
  };
}

async function functionFigures(env: Record<string, string>) {
  const out = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
  const bare: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - start);
  }
  const figures: Record<string, { bundleBytes: number; coldImportMs: number }> = {};
  // Every function once, by entry (the DR runbooks share theirs), as handlerWallMs is keyed.
  const entries = new Set([
    ...Object.values(JOB_FUNCTIONS).flatMap((functions) => Object.values(functions).map((spec) => spec.entry)),
    ...Object.values(SCHEDULED_FUNCTION_ENTRIES),
  ]);
  for (const entry of entries) {
    const outfile = join(out, `${entry.replace(/[/.]/g, '-')}.js`);
    // The same options the CDK's NodejsFunction uses (cdk/control-plane/ops-function.ts).
    await build({
      entryPoints: [join(FUNCTIONS_DIR, entry)],
      bundle: true,
      platform: 'node',
      outfile,
      logLevel: 'silent',
      ...BUNDLING,
      external: [...BUNDLING.external],
      mainFields: [...BUNDLING.mainFields],
    });
    const runs: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const start = performance.now();
      const child = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(outfile)})`], {
        env: { ...process.env, ...env, REGION_ROLE: 'primary' },
      });
      runs.push(performance.now() - start);
      if (child.status !== 0) throw new Error(`${entry} failed to load: ${child.stderr.toString()}`);
    }
    figures[entry] = { bundleBytes: statSync(outfile).size, coldImportMs: Math.round(median(runs) - median(bare)) };
  }
  return { bareNodeMs: median(bare), functions: figures };
}

/**
 * Modeled RTO and RPO per DR strategy with the default latency profile: the
 * drill run for each (one twin per process), its failover's measured RTO
 * and RPO, the critical path of the AWS operations, and the orchestration
 * overhead = (RTO − approval wait) ÷ critical path.
 */
function drFigures() {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-dr-'));
  const figures: Record<string, unknown> = {};
  for (const strategy of ['warm-standby', 'pilot-light'] as const) {
    const scenario = join(dir, `${strategy}.json`);
    writeFileSync(scenario, JSON.stringify({ description: `bench: ${strategy}`, config: { dr: { strategy } } }));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'local/drill.ts', '--json', '--scenario', scenario], {
      encoding: 'utf8',
    });
    const summary = JSON.parse(child.stdout) as { steps: Omit<StepReport, 'timeline'>[] };
    const step = (name: string) => summary.steps.find((s) => s.name === name);
    const run = (name: string) => ({
      ...step(name)?.recovery,
      virtualSeconds: step(name)?.virtualSeconds,
      transitions: step(name)?.transitions,
    });
    figures[strategy] = { failover: run('dr-failover'), failback: run('dr-failback'), dryRun: step('dr-dry-run')?.measurements };
  }
  return figures;
}

async function main(): Promise<void> {
  const twin = await twinFigures();
  const { env, ...twinResults } = twin;
  const functions = await functionFigures(env);
  const backupTotals = twinResults.workflows.backup;
  const results = {
    measuredAt: new Date().toISOString(),
    monthlyControlPlaneCostUsd: monthlyCost(backupTotals.transitions, backupTotals.lambdaInvocations),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    ...twinResults,
    ...functions,
    dr: drFigures(),
    synthWallMs: wallMs('npx', ['cdk', 'synth', '--quiet']),
    testWallMs: process.argv.includes('--skip-tests') ? undefined : wallMs('npx', ['vitest', 'run']),
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
