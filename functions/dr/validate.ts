import { confirmPhrase, type Direction, type Run, runbookInputSchema } from '../../contracts/dr-runbook';
import { parseInput, ValidationError } from '../shared/errors';
import { drDepsFromEnv, sides } from './deps';

export interface ValidateEvent {
  readonly input: unknown;
  readonly direction: Direction;
  readonly executionName: string;
  readonly startedAt: string;
}

/**
 * Validates a runbook's input before anything is read or changed. A real
 * run needs `confirm` to equal the phrase naming the region traffic moves
 * to; an alarm-proposed run always waits for approval.
 */
export function validateRun(
  raw: unknown,
  context: {
    direction: Direction;
    executionName: string;
    startedAt: string;
    fromRegion: string;
    toRegion: string;
    requireApproval: boolean;
    approvalTimeoutSeconds: number;
  },
): Run {
  const what = `DR ${context.direction} input`;
  const input = parseInput(runbookInputSchema, raw ?? {}, what);
  if (input.mode !== 'dry-run' && input.mode !== context.direction) {
    throw new ValidationError(`Invalid ${what}: mode: must be "dry-run" or "${context.direction}" for this runbook, not "${input.mode}"`);
  }
  const phrase = confirmPhrase(context.direction, context.toRegion);
  if (input.mode === context.direction && input.confirm !== phrase) {
    const got = input.confirm === undefined ? ' (missing)' : ` (got "${input.confirm}")`;
    throw new ValidationError(`Invalid ${what}: confirm: must be exactly "${phrase}" to ${context.direction}${got}`);
  }
  return {
    direction: context.direction,
    mode: input.mode,
    reason: input.reason,
    proposedBy: input.proposedBy,
    alarm: input.alarm,
    executionName: context.executionName,
    startedAt: context.startedAt,
    fromRegion: context.fromRegion,
    toRegion: context.toRegion,
    approvalRequired: context.requireApproval || input.proposedBy === 'alarm',
    approvalTimeoutSeconds: context.approvalTimeoutSeconds,
    dryRun: input.mode === 'dry-run',
  };
}

const { inventory, settings } = drDepsFromEnv();

/** The runbooks' first state: the input is checked here, before anything is read or changed. */
export const handler = async (event: ValidateEvent): Promise<Run> => {
  const { from, to } = sides(inventory, event.direction);
  return validateRun(event.input, {
    direction: event.direction,
    executionName: event.executionName,
    startedAt: event.startedAt,
    fromRegion: from.region,
    toRegion: to.region,
    requireApproval: settings.requireApproval,
    approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
  });
};
