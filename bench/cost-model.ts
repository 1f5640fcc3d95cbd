import { synthLifeline } from '../cdk/synth';
import { lambdaCost, PRICES, stepFunctionsCost } from '../local/pricing';
import { countTemplates, type TemplateCounts } from './template-counts';

const DAYS_PER_MONTH = 30;

/** The bench's key for a scheduled run of `job` in the passive region. */
export const passiveRun = (job: string) => `${job}:passive`;

/** What one execution of a workflow is billed for, as measured on the twin (children included). */
export interface BilledRun {
  readonly transitions: number;
  readonly lambdaInvocations: number;
}

/**
 * Runs a day of a schedule expression: rate(n unit), or cron(m h * * ? *) with a fixed minute and hours
 * `*`, `*\/n` or a list. Any other form throws rather than being priced wrong.
 */
export function runsPerDay(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) return (24 * 60) / (Number(rate[1]) * (rate[2].startsWith('minute') ? 1 : rate[2].startsWith('hour') ? 60 : 1440));
  const cron = /^cron\(\d+ (\*|\*\/\d+|\d+(?:,\d+)*) \* \* [?*] \*\)$/.exec(expression);
  if (!cron)
    throw new Error(`The cost model cannot count runs of "${expression}": only rate(…) and cron(m h * * ? *) with h *, */n or a list`);
  const hours = cron[1];
  if (hours === '*') return 24;
  const step = /^\*\/(\d+)$/.exec(hours);
  return step ? 24 / Number(step[1]) : hours.split(',').length;
}

/** The default configuration's templates, counted (the synthesis runs cdk-nag too, so it also proves they comply). */
export function defaultDeploymentCounts(): TemplateCounts {
  return countTemplates(synthLifeline({}));
}

/**
 * Estimated monthly control-plane cost of a deployment (prices in
 * local/pricing.ts): every schedule of its templates at its rate, a scheduled
 * workflow at what one measured execution of it is billed, a scheduled
 * function at one invocation; its alarms and custom metrics as counted. The
 * workflows started by events (scaling, DR) are not priced: their rate is
 * the application's, not the deployment's.
 */
export function monthlyCost(counts: TemplateCounts, measured: Readonly<Record<string, BilledRun>>) {
  let backupRuns = 0;
  let passiveRuns = 0;
  let transitions = 0;
  let lambdaInvocations = 0;
  for (const schedule of counts.schedules) {
    const runs = runsPerDay(schedule.expression) * DAYS_PER_MONTH;
    if (schedule.target.kind === 'function') {
      lambdaInvocations += runs;
      continue;
    }
    const key = schedule.passive ? passiveRun(schedule.target.job) : schedule.target.job;
    const run = measured[key];
    if (!run) throw new Error(`${schedule.logicalId} starts ${key}, which the bench does not measure`);
    transitions += runs * run.transitions;
    lambdaInvocations += runs * run.lambdaInvocations;
    if (schedule.target.job !== 'backup') continue;
    if (schedule.passive) passiveRuns += runs;
    else backupRuns += runs;
  }
  const stepFunctions = stepFunctionsCost(transitions);
  const lambda = lambdaCost(lambdaInvocations);
  // Per backup run: the plan, a manifest per target and the run record; reads for polling intervals and pruning.
  // A passive run reads the handover and writes its no-op.
  const dynamoDb =
    backupRuns * (4 * PRICES.dynamoDbPerWrite + 6 * PRICES.dynamoDbPerRead) +
    passiveRuns * (PRICES.dynamoDbPerWrite + PRICES.dynamoDbPerRead);
  // In the steady state (the primary active); CloudWatch prorates a custom metric by the hours it is published in.
  const cloudWatch =
    counts.steadyStateCustomMetrics * PRICES.cloudWatchPerMetricMonth + counts.alarmMetrics * PRICES.cloudWatchPerAlarmMonth;
  const round = (n: number) => Math.round(n * 10000) / 10000;
  return {
    counted: {
      alarms: counts.alarms,
      alarmMetrics: counts.alarmMetrics,
      customMetrics: counts.customMetrics,
      steadyStateCustomMetrics: counts.steadyStateCustomMetrics,
    },
    backupRunsPerMonth: backupRuns,
    passiveRunsPerMonth: passiveRuns,
    stepFunctions: round(stepFunctions),
    lambda: round(lambda),
    dynamoDb: round(dynamoDb),
    cloudWatch: round(cloudWatch),
    total: round(stepFunctions + lambda + dynamoDb + cloudWatch),
  };
}
