import { LifelineError } from '../../shared/errors';
import { logger } from '../../shared/powertools';
import { sides } from '../deps';
import type { RunbookState } from '../state';
import { cache } from './cache';
import { database } from './database';
import { dns, traffic } from './dns';
import { health } from './health';
import type { Progress, ProgressOf, StepName } from './progress';
import { replication } from './replication';
import { quiesce } from './quiesce';
import { repoint } from './repoint';
import { reprotect } from './reprotect';
import { service } from './service';
import type { RecoveryStep, StepContext, StepEnv } from './step';

const RECOVERY_STEPS: { readonly [S in StepName]: RecoveryStep<S> } = {
  database,
  cache,
  service,
  traffic,
  replication,
  quiesce,
  repoint,
  dns,
  health,
  reprotect,
};

/** A step that takes this long is stuck: three times what its start planned, and never less than 15 minutes. */
const timeLimitSeconds = (plannedSeconds: number): number => Math.max(900, 3 * plannedSeconds);

/** The state schema ties each progress's detail to its step, so a matching name means a matching detail. */
const isProgressOf = <S extends StepName>(progress: Progress | undefined, name: S): progress is ProgressOf<S> => progress?.step === name;

async function started<S extends StepName>(name: S, step: RecoveryStep<S>, ctx: StepContext): Promise<ProgressOf<S>> {
  const outcome = await step.start(ctx);
  const waitSeconds = Math.ceil(outcome.waitSeconds ?? 0);
  logger.info('step started', { step: name, ready: outcome.ready, waitSeconds });
  const at = ctx.now.toISOString();
  return {
    step: name,
    ready: outcome.ready,
    waitSeconds,
    plannedSeconds: Math.ceil(outcome.plannedSeconds ?? waitSeconds),
    startedAt: at,
    readyAt: outcome.ready ? at : undefined,
    polls: 0,
    detail: outcome.detail,
  };
}

async function checked<S extends StepName>(
  name: S,
  step: RecoveryStep<S>,
  ctx: StepContext,
  previous: ProgressOf<S>,
): Promise<ProgressOf<S>> {
  const outcome = await step.check(ctx, previous.detail);
  const elapsed = (ctx.now.getTime() - Date.parse(previous.startedAt)) / 1000;
  const planned = previous.plannedSeconds;
  // Something is wrong: say what.
  if (!outcome.ready && elapsed > timeLimitSeconds(planned))
    throw new LifelineError(
      'StepTimedOut',
      `${name} not done after ${Math.round(elapsed)} s (planned ${planned} s): ${JSON.stringify(outcome.detail)}`,
    );
  return {
    step: name,
    ready: outcome.ready,
    waitSeconds: Math.ceil(outcome.waitSeconds ?? step.pollSeconds),
    startedAt: previous.startedAt,
    plannedSeconds: planned,
    readyAt: outcome.ready ? ctx.now.toISOString() : undefined,
    polls: previous.polls + 1,
    detail: outcome.detail,
  };
}

/**
 * One call of a step: `start` begins it, `status` checks it. The new
 * progress becomes `$.progress` (the state machine's wait and choice read
 * it) and, once the step is ready, is kept under the step's name for the
 * report.
 */
export async function runStep<S extends StepName>(
  name: S,
  action: 'start' | 'status',
  state: RunbookState,
  env: StepEnv,
): Promise<RunbookState> {
  const ctx: StepContext = {
    ...env,
    ...sides(env.inventory, state.run.direction),
    run: state.run,
    preflight: state.preflight,
    now: env.clock(),
  };
  const step = RECOVERY_STEPS[name];
  const previous = state.progress;
  if (action === 'start') return withProgress(state, name, await started(name, step, ctx));
  if (!isProgressOf(previous, name)) throw new LifelineError('StepStateError', `status of ${name} asked without its start`);
  return withProgress(state, name, await checked(name, step, ctx, previous));
}

/** The state with a step's new progress: the latest, and under the step's name once it is ready (until then nothing is). */
function withProgress<S extends StepName>(state: RunbookState, name: S, progress: ProgressOf<S>): RunbookState {
  const finished: { -readonly [K in S]?: ProgressOf<K> } = {};
  finished[name] = progress.ready ? progress : undefined;
  return { ...state, progress, ...finished };
}
