import type { Run } from '../../../contracts/dr-runbook';
import type { Clock, DrDeps, Sides } from '../deps';
import type { Preflight } from '../preflight/plan';
import type { StepDetails, StepName } from './progress';

/** One answer of the application's health endpoint. */
export interface HealthAnswer {
  readonly healthy: boolean;
  /** Status and the start of the body, or why there was none. */
  readonly answer: string;
}

/** The database's recovery point, measured on the new writer (see recovery-point.ts). */
export type RecoveryPoint =
  | { readonly writable: false; readonly note: string }
  | {
      readonly writable: true;
      readonly newestHeartbeat?: string;
      readonly lastHeartbeatWritten?: string;
      readonly rpoBasis: string;
      readonly rpoSeconds?: number;
    };

/** What the steps reach besides the AWS control plane: injected, so that tests replace them. */
export interface StepIo {
  readonly probeHealth: (url: string) => Promise<HealthAnswer>;
  readonly measureRecoveryPoint: (ctx: StepContext, instanceId: string) => Promise<RecoveryPoint>;
}

/** What the handler gives the driver: the deployment, the clock and the I/O. */
export interface StepEnv extends DrDeps {
  readonly clock: Clock;
  readonly io: StepIo;
}

/** What one call of a step sees. */
export interface StepContext extends StepEnv, Sides {
  readonly run: Run;
  readonly preflight: Preflight;
  /** When the call began: everything it records and decides uses this instant. */
  readonly now: Date;
}

export interface Outcome<D> {
  readonly ready: boolean;
  readonly detail: D;
  /** Seconds until the next check: by default none after a start, the step's poll interval after a check. */
  readonly waitSeconds?: number;
  /** A start's: what the whole step is expected to take, when more than the first wait (the run gives up at three times it). */
  readonly plannedSeconds?: number;
}

/**
 * A recovery step. `start` begins it, or finds it begun (a re-run or a
 * redrive continues the earlier work), and says how long to wait; `check`
 * says whether it is done, from the detail the previous call recorded.
 */
export interface RecoveryStep<S extends StepName> {
  /** Seconds between checks once the expected duration has passed. */
  readonly pollSeconds: number;
  start(ctx: StepContext): Promise<Outcome<StepDetails[S]>>;
  check(ctx: StepContext, detail: StepDetails[S]): Promise<Outcome<StepDetails[S]>>;
}
