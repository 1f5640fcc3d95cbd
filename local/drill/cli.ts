import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../../contracts/config/load';
import type { Job } from '../../contracts/jobs';
import type { Twin } from '../twin';
import { parseFaultShorthand, type FaultSpec } from '../twin/faults';
import { summaryTable, writeReports } from './report';
import { DRILL_JOBS, runDrill } from './run';
import { drillConfig, loadScenario, ScenarioError } from './scenario';

/** Exit codes: 0 every workflow met its expectations, 1 some did not, 2 bad options or scenario (nothing started), 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Where the drill writes, and what its process entry (or a test) learns from it. */
export interface DrillIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The twin, once it has started: the process entry stops it on Ctrl-C; tests read its checks. */
  readonly onTwin?: (twin: Twin) => void;
  /** True once Ctrl-C stopped the twin under the running workflows: their failures are not a drill result. */
  readonly interrupted?: () => boolean;
  /** Evaluates every memoized IAM decision afresh as well (tests). */
  readonly verifyIamMemo?: boolean;
}

function collectFault(value: string, previous: FaultSpec[]): FaultSpec[] {
  try {
    return [...previous, parseFaultShorthand(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

/** `npm start -- <argv>`: parses the options, runs the drill, writes the reports; resolves to the exit code. */
export async function drillCli(argv: string[], io: DrillIo): Promise<number> {
  const program = new Command()
    .name('npm start --')
    .description('Lifeline drill: boots the local twin of AWS (two regions, real PostgreSQL) and runs the workflows as a game day.')
    .option('--scenario <file>', 'scenario JSON: config overrides, faults, latency overrides, data size')
    .addOption(new Option('--only <job>', 'run only this workflow (and what it needs first)').choices([...DRILL_JOBS]))
    .option(
      '--fault <spec>',
      'inject a fault (repeatable): region-outage:<region>, throttle:<service>:<Action>[:n], ' +
        'fail:<service>:<Action>:<Error>[:n], delay:<service>:<Action>:<s>[:n], capacity:<region>:<tasks>',
      collectFault,
      [],
    )
    .option('--json', 'print the summary as JSON on stdout (the live log goes to stderr)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const options = program.opts<{ scenario?: string; only?: Job; fault: FaultSpec[]; json?: boolean }>();
  const log = (line: string) => (options.json ? io.stderr : io.stdout)(`${line}\n`);

  let scenario;
  let config;
  try {
    scenario = loadScenario(options.scenario);
    config = drillConfig(scenario);
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }

  const report = await runDrill({
    config,
    scenario,
    scenarioFile: options.scenario,
    only: options.only,
    extraFaults: options.fault,
    log,
    onTwin: io.onTwin,
    verifyIamMemo: io.verifyIamMemo,
  });
  if (io.interrupted?.()) return EXIT.interrupted;
  const files = writeReports(report);
  if (options.json) {
    const steps = report.steps.map(({ timeline: _timeline, ...rest }) => rest);
    io.stdout(`${JSON.stringify({ ok: report.ok, steps, reports: files }, null, 2)}\n`);
  } else {
    log(`\n${summaryTable(report)}`);
    log(`\nreports: ${files.json}\n         ${files.html}`);
  }
  if (!report.ok) {
    for (const step of report.steps.filter((s) => !s.ok)) io.stderr(`✗ ${step.name}: ${step.problems.join('; ')}\n`);
    for (const refusal of report.checks.refusals) io.stderr(`✗ IAM refused ${refusal}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}
