import { type Direction, type Run, validateRun } from './contract';
import { drDepsFromEnv, sides } from './deps';

export interface ValidateEvent {
  readonly input: unknown;
  readonly direction: Direction;
  readonly executionName: string;
  readonly startedAt: string;
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
