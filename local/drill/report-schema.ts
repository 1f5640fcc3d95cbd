import * as z from 'zod';
import { JOB_FUNCTIONS, type Job } from '../../contracts/jobs';

/**
 * The drill report's shape, one definition for three uses: the TypeScript
 * types the drill writes, the JSON Schema published beside the code
 * (`schemas/drill-report.schema.json`, for whoever reads the reports), and
 * the test that checks a real report against that published file.
 */

const isoTime = z.iso.datetime().describe('ISO 8601, virtual time of the twin');
const jobs = Object.keys(JOB_FUNCTIONS) as [Job, ...Job[]];

export const timelineEntrySchema = z
  .object({
    state: z.string().min(1),
    type: z.string().min(1).describe('Step Functions state type'),
    index: z.number().int().nonnegative().optional().describe('Map iteration, for states inside a Map'),
    enteredAt: isoTime,
    exitedAt: isoTime.optional(),
    seconds: z.number().nonnegative().optional(),
    error: z.string().optional(),
    retries: z.number().int().nonnegative(),
  })
  .strict();

export const recoverySchema = z
  .object({
    direction: z.enum(['failover', 'failback']),
    rtoSeconds: z
      .number()
      .nonnegative()
      .describe('failover: start → healthy in the DR region; failback: writers stopped → healthy in the primary region'),
    rtoTargetSeconds: z.number().positive(),
    rtoMet: z.boolean(),
    rpoSeconds: z
      .number()
      .nonnegative()
      .nullable()
      .describe('writes lost, from the heartbeat; null when nothing was lost by design (a failback waits for the replica)'),
    rpoTargetSeconds: z.number().positive(),
    rpoMet: z.boolean().nullable(),
    approvalSeconds: z.number().nonnegative().describe('time the run waited for the operator'),
    criticalPathSeconds: z.number().positive().describe('expected duration of the AWS operations on the critical path'),
    orchestrationOverhead: z.number().positive().nullable().describe('(RTO − approval) ÷ critical path; failover only'),
    waterfall: z
      .array(z.object({ step: z.string().min(1), start: z.number().nonnegative(), seconds: z.number().nonnegative() }).strict())
      .describe("the runbook's steps in seconds from its start (approval, recovery branches, traffic, health): its RTO as a waterfall"),
  })
  .strict();

export const stepReportSchema = z
  .object({
    name: z.string().min(1),
    job: z.enum(jobs),
    setup: z.boolean().describe('run only because `--only` asked for a workflow that builds on it'),
    region: z.string().min(1),
    expected: z.enum(['SUCCEEDED', 'FAILED']),
    status: z.enum(['SUCCEEDED', 'FAILED']),
    ok: z.boolean().describe('the status was the expected one and every check passed'),
    problems: z.array(z.string()),
    startedAt: isoTime,
    virtualSeconds: z.number().nonnegative(),
    transitions: z.number().int().nonnegative().describe('state transitions of the execution and its child executions (all are billed)'),
    lambdaInvocations: z.number().int().nonnegative(),
    executions: z.number().int().positive(),
    historyEvents: z.number().int().nonnegative().describe("estimated events in the parent's history (limit 25,000)"),
    estimatedCostUsd: z.number().nonnegative(),
    error: z.string().optional(),
    cause: z.string().optional(),
    timeline: z.array(timelineEntrySchema),
    measurements: z.record(z.string(), z.union([z.number(), z.string()])),
    recovery: recoverySchema.optional().describe('RTO and RPO against the targets, for a confirmed DR run'),
  })
  .strict();

export const drillReportSchema = z
  .object({
    startedAt: isoTime,
    config: z
      .object({
        appName: z.string().min(1),
        primary: z.string().min(1),
        dr: z.string().min(1),
        strategy: z.enum(['warm-standby', 'pilot-light']),
        rtoMinutes: z.number().positive(),
        rpoMinutes: z.number().positive(),
      })
      .strict(),
    scenario: z.string().optional().describe('the scenario file, if one was given'),
    twin: z.object({ bootMs: z.number().int().nonnegative(), resources: z.array(z.string()) }).strict(),
    checks: z
      .object({
        calls: z.number().int().nonnegative().describe('AWS API calls the twin answered'),
        modelChecked: z.number().int().nonnegative().describe('calls checked against the SDK models'),
        modelViolations: z.number().int().nonnegative(),
        modelCheckMs: z.number().nonnegative().describe('real time spent checking'),
        authorized: z.number().int().nonnegative().describe('calls (and invocations, starts) IAM authorized as their principal'),
        iamEvaluations: z.number().int().nonnegative().describe('policy evaluations run (the rest were memoized)'),
        iamMs: z.number().nonnegative().describe('time spent authorizing, summed over calls (concurrent calls overlap)'),
        refusals: z.array(z.string()).describe('calls IAM refused: a permission the deployed policies lack'),
      })
      .strict()
      .describe('what the twin checked: every call against the SDK models and, as its principal, against IAM'),
    steps: z.array(stepReportSchema),
    ok: z.boolean().describe('every workflow met its expectations and the RTO/RPO targets, and IAM refused no call'),
    wallMs: z.number().int().nonnegative(),
  })
  .strict()
  .meta({ title: 'Lifeline drill report', description: 'reports/drill-<time>.json, written by `npm start`' });

export type Recovery = z.infer<typeof recoverySchema>;
export type StepReport = z.infer<typeof stepReportSchema>;
export type DrillReport = z.infer<typeof drillReportSchema>;

/** The published JSON Schema (draft 2020-12). */
export function drillReportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(drillReportSchema, { target: 'draft-2020-12', io: 'output' });
}
