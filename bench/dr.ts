import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { stepReportSchema } from '../local/drill/report-schema';

/** What `npm start -- --json` prints: the report's steps without their timelines. */
const drillSummarySchema = z.object({ steps: z.array(stepReportSchema.omit({ timeline: true })) });

/**
 * Modeled RTO and RPO per DR strategy with the default latency profile: the
 * drill run for each (one twin per process), its failover's measured RTO
 * and RPO, the critical path of the AWS operations, and the orchestration
 * overhead = (RTO − approval wait) ÷ critical path; and the drill's point-in-time recovery of a bad release.
 */
export function drFigures() {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-dr-'));
  const figures: Record<string, unknown> = {};
  const runs = [
    { name: 'warm-standby', strategy: 'warm-standby', primary: 'down' },
    { name: 'warm-standby (primary up)', strategy: 'warm-standby', primary: 'up' },
    { name: 'pilot-light', strategy: 'pilot-light', primary: 'down' },
  ] as const;
  for (const { name, strategy, primary } of runs) {
    const scenario = join(dir, `${strategy}-${primary}.json`);
    writeFileSync(scenario, JSON.stringify({ description: `bench: ${name}`, config: { dr: { strategy } }, failover: { primary } }));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'local/drill.ts', '--json', '--scenario', scenario], {
      encoding: 'utf8',
    });
    const summary = drillSummarySchema.parse(JSON.parse(child.stdout));
    const step = (stepName: string) => summary.steps.find((s) => s.name === stepName);
    const run = (stepName: string) => ({
      ...step(stepName)?.recovery,
      virtualSeconds: step(stepName)?.virtualSeconds,
      transitions: step(stepName)?.transitions,
    });
    figures[name] = {
      failover: run('dr-failover'),
      failback: run('dr-failback'),
      dryRun: step('dr-dry-run')?.measurements,
      // The bad release undone: the restore to the time before it, and the cutover (its RTO from the approved start to
      // the restored instance answering under the application's name; critical path: the two renames).
      pointInTimeRecovery: { restore: step('pitr-restore')?.measurements, cutover: step('pitr-cutover')?.measurements },
    };
  }
  return figures;
}
