import * as z from 'zod';
import { parseInput } from '../shared/errors';
import { drDepsFromEnv } from './deps';
import { type RunbookState, runbookStateSchema } from './state';
import { runStep } from './steps/driver';
import { httpProbe } from './steps/health';
import { STEPS } from './steps/progress';
import { measureRecoveryPoint } from './steps/recovery-point';

/**
 * The runbooks' recovery steps, one module each in steps/. Each is started
 * once and then polled: the state machine waits `waitSeconds` (the expected
 * duration from the latency profile first, then a short interval) between
 * calls, so polling costs little and adds little to the RTO. Every start is
 * idempotent: a re-run (or a redrive) finds its earlier work and continues.
 */
const eventSchema = z.object({
  step: z.enum(STEPS),
  action: z.enum(['start', 'status']),
  state: runbookStateSchema,
});

const deps = drDepsFromEnv();
const io = { probeHealth: httpProbe, measureRecoveryPoint };

export const handler = async (event: unknown): Promise<RunbookState> => {
  const { step, action, state } = parseInput(eventSchema, event, 'DR step');
  return runStep(step, action, state, { ...deps, clock: () => new Date(), io });
};
