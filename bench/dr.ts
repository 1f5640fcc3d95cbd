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
 * overhead = (RTO − approval wait) ÷ critical path.
 */
export function drFigures() {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-dr-'));
  const figures: Record<string, unknown> = {};
  for (const strategy of ['warm-standby', 'pilot-light'] as const) {
    const scenario = join(dir, `${strategy}.json`);
    writeFileSync(scenario, JSON.stringify({ description: `bench: ${strategy}`, config: { dr: { strategy } } }));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'local/drill.ts', '--json', '--scenario', scenario], {
      encoding: 'utf8',
    });
    const summary = drillSummarySchema.parse(JSON.parse(child.stdout));
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
