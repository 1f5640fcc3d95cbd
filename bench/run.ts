import '../local/polyfills';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { bundleFigures } from './bundles';
import { defaultDeploymentCounts, monthlyCost } from './cost-model';
import { drFigures } from './dr';
import { commandWallMs } from './stats';
import { twinFigures } from './workflows';

/**
 * `npm run bench`: the figures the issues ask for, into bench/results.json
 * (`-- --skip-tests` leaves out the test suite's wall time).
 */
async function main(): Promise<void> {
  const { env, billedRuns, ...twinResults } = await twinFigures();
  const functions = await bundleFigures(env);
  const counts = defaultDeploymentCounts();
  // On stderr: stdout is the results, and results.json keeps its shape.
  const schedules = counts.schedules.map((s) => s.expression).join(', ');
  console.error(
    `counted in the default templates: ${counts.alarms} alarms (${counts.alarmMetrics} alarm metrics), ` +
      `${counts.customMetrics} custom metrics (${counts.steadyStateCustomMetrics} published in the steady state), ` +
      `${counts.schedules.length} schedules (${schedules})`,
  );
  const results = {
    measuredAt: new Date().toISOString(),
    monthlyControlPlaneCostUsd: monthlyCost(counts, billedRuns),
    machine: { node: process.version, cpus: cpus().length },
    ...twinResults,
    ...functions,
    dr: drFigures(),
    synthWallMs: commandWallMs('npx', ['cdk', 'synth', '--quiet']),
    testWallMs: process.argv.includes('--skip-tests') ? undefined : commandWallMs('npx', ['vitest', 'run']),
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
