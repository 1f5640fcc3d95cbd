import * as z from 'zod';
import { DIRECTIONS, type Run, runbookInputSchema } from '../../contracts/dr-runbook';
import { type Preflight, preflightSchema } from './preflight/plan';
import { type Progress, PROGRESS, type StepRecords } from './steps/progress';

/**
 * The runbook's state as the state machine carries it from call to call:
 * the run, the preflight, the approval, the latest step's progress and each
 * finished step's under its name.
 */
export interface RunbookState extends StepRecords {
  readonly run: Run;
  readonly preflight: Preflight;
  /** The approval task's output (`{ required: false }` when none was asked), as the approver sent it. */
  readonly approval?: unknown;
  readonly progress?: Progress;
}

const { mode, proposedBy, alarm } = runbookInputSchema.shape;

const runSchema: z.ZodType<Run> = z.object({
  direction: z.enum(DIRECTIONS),
  mode: mode.unwrap(),
  reason: z.string(),
  proposedBy: proposedBy.unwrap(),
  alarm,
  executionName: z.string(),
  startedAt: z.string(),
  fromRegion: z.string(),
  toRegion: z.string(),
  approvalRequired: z.boolean(),
  approvalTimeoutSeconds: z.number(),
  dryRun: z.boolean(),
});

export const runbookStateSchema: z.ZodType<RunbookState> = z
  .object(PROGRESS)
  .partial()
  .extend({
    run: runSchema,
    preflight: preflightSchema,
    approval: z.unknown().optional(),
    progress: z.union(Object.values(PROGRESS)).optional(),
  });
