import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { DrillReport, StepReport } from '../../local/drill/report-schema';
import { SCHEMA_FILE } from '../../local/drill/write-schema';

export const publishedSchema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

/** A validator of the published schema file, independent of the zod definition it was written from. */
export function reportValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(publishedSchema);
}

const step = (name: string, states: [string, number, number, string?][]): StepReport => ({
  name,
  job: 'backup',
  setup: false,
  region: 'us-east-1',
  expected: 'SUCCEEDED',
  status: states.some((s) => s[3]) ? 'FAILED' : 'SUCCEEDED',
  ok: !states.some((s) => s[3]),
  problems: [],
  startedAt: '2026-01-05T12:00:00.000Z',
  virtualSeconds: 100,
  transitions: states.length,
  lambdaInvocations: 1,
  executions: 1,
  historyEvents: 10,
  estimatedCostUsd: 0.0001,
  timeline: states.map(([state, start, seconds, error]) => ({
    state,
    type: 'Task',
    enteredAt: new Date(Date.parse('2026-01-05T12:00:00.000Z') + start * 1000).toISOString(),
    exitedAt: new Date(Date.parse('2026-01-05T12:00:00.000Z') + (start + seconds) * 1000).toISOString(),
    seconds,
    retries: 0,
    error,
  })),
  measurements: { note: '<b>escaped</b>' },
});

/** A small report: a backup with three states and a scale-out whose UpdateService failed. */
export const sampleReport: DrillReport = {
  startedAt: '2026-01-05T12:00:00.000Z',
  config: { appName: 'demo', primary: 'us-east-1', dr: 'us-west-2', strategy: 'warm-standby', rtoMinutes: 30, rpoMinutes: 15 },
  twin: { bootMs: 900, resources: [] },
  checks: {
    calls: 185,
    modelChecked: 185,
    modelViolations: 0,
    modelCheckMs: 53,
    authorized: 200,
    iamEvaluations: 90,
    iamMs: 300,
    refusals: [],
  },
  steps: [
    step('backup', [
      ['Plan', 0, 0.3],
      ['BackupTarget', 0.3, 60],
      ['Summarize', 60.3, 0.1],
    ]),
    step('scale-out', [
      ['Decide', 0, 0.5],
      ['UpdateService', 0.5, 0.1, 'Ecs.EcsException'],
    ]),
  ],
  ok: false,
  wallMs: 2000,
};
