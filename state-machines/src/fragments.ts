import { choice, lambda, wait, type JsonObject, type State, type States } from './asl';

interface Backoff {
  interval: number;
  attempts: number;
  rate: number;
  maxDelay?: number;
  /** Full jitter unless false: many executions retrying one throttled API must not retry in step. */
  jitter?: false;
}

/** The one retry policy; every retrier of every machine is this with its own errors and backoff. */
export function retry(errors: string[], { interval, attempts, rate, maxDelay, jitter }: Backoff): JsonObject {
  return {
    ErrorEquals: errors,
    IntervalSeconds: interval,
    MaxAttempts: attempts,
    BackoffRate: rate,
    ...(maxDelay === undefined ? {} : { MaxDelaySeconds: maxDelay }),
    ...(jitter === false ? {} : { JitterStrategy: 'FULL' }),
  };
}

/** The transient errors of a Lambda invocation (AWS's recommended list, plus throttling under the names SDKs use). */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
];

export const lambdaRetry = (interval = 2) => retry(LAMBDA_TRANSIENT, { interval, attempts: 4, rate: 2 });

/** An SDK integration's catch-all service error (e.g. Rds.RdsException), which includes throttling. */
export const serviceRetry = (error: string, maxDelay: number, interval = 5) => retry([error], { interval, attempts: 5, rate: 2, maxDelay });

/** TimeoutSeconds and Retry, which always stand together in these machines. */
export const retried = (timeoutSeconds: number, ...retriers: JsonObject[]) => ({ TimeoutSeconds: timeoutSeconds, Retry: retriers });

/** An SDK call made for its effect: its result is dropped, so the state's input passes on unchanged. */
export function effect(call: State, retriers: JsonObject[], catches: JsonObject[], next: string): State {
  return { ...call, ResultPath: null, ...retried(60, ...retriers), Catch: catches, Next: next };
}

export function catchTo(next: string, errors = ['States.ALL'], resultPath: string | null = '$.error'): JsonObject {
  return { ErrorEquals: errors, ResultPath: resultPath, Next: next };
}

/** An expected error that means the work is already done (it exists, or it is gone): go on, keeping the input. */
export const tolerate = (error: string, next: string) => catchTo(next, [error], null);

/**
 * A Lambda call given the whole state (`state`) whose answer replaces it, with what the function adds: how the
 * runbooks carry their state from step to step.
 */
export const stateCall = (functionName: string, payload: JsonObject): State => ({
  ...lambda(functionName, { ...payload, 'state.$': '$' }),
  ...retried(120, lambdaRetry()),
  OutputPath: '$.Payload',
});

export const title = (name: string) => name[0].toUpperCase() + name.slice(1);

export const PAYLOAD_VALUE = { 'value.$': '$.Payload' };
export const EXECUTION = { 'executionName.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' };

/** The plan or validate function rejects bad input with ValidationError, whose Cause carries the message. */
export const ON_VALIDATION_ERROR = catchTo('ReadValidationError', ['ValidationError']);
export const planJob = () => lambda('${PlanFunction}', { 'input.$': '$', ...EXECUTION });

/**
 * After the plan: a region that is not the active one planned nothing (`$.plan.passive`, recorded by the plan
 * function in the ledger), and the execution ends there, succeeded; the active region goes on to `next`.
 */
export function activeRegion(next: string): States {
  return {
    ActiveRegion: {
      ...choice([{ Variable: '$.plan.passive', IsPresent: true, Next: 'PassiveRegion' }], next),
      Comment: 'Both regions deploy this job; only the active one acts (functions/shared/active-region.ts).',
    },
    PassiveRegion: { Type: 'Succeed', Comment: 'The passive region: a no-op, recorded in the ledger by the plan.' },
  };
}

export function validationFailure(comment?: string): States {
  return {
    ReadValidationError: {
      Type: 'Pass',
      ...(comment === undefined ? {} : { Comment: comment }),
      Parameters: { 'error.$': 'States.StringToJson($.error.Cause)' },
      Next: 'InvalidInput',
    },
    InvalidInput: { Type: 'Fail', Error: 'ValidationError', CausePath: '$.error.errorMessage' },
  };
}

/** Tell the operators, then fail with the original error, e.g. notifyFailure('restore verification', 'VerificationFailed'). */
export function notifyFailure(job: string, failState: string): States {
  return {
    NotifyFailure: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: '${TopicArn}',
        Subject: `Lifeline ${job} failed`,
        'Message.$': `States.Format('${title(job)} {} failed: {} {}', $$.Execution.Name, $.error.Error, $.error.Cause)`,
      },
      ResultPath: null,
      ...retried(60, retry(['States.ALL'], { interval: 2, attempts: 3, rate: 2, jitter: false })),
      Next: failState,
    },
    [failState]: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  };
}

/**
 * Start<Name>, <Name>Ready, Wait<Name>, Check<Name>: start a piece of work, then ask for its status until
 * it is ready. The function answers { progress: { ready, waitSeconds } }, so it sets the pace.
 */
export function pollingLoop(name: string, call: (action: 'start' | 'status') => State, next: string, onError?: string): States {
  const catches: JsonObject = onError === undefined ? {} : { Catch: [catchTo(onError)] };
  return {
    [`Start${name}`]: { ...call('start'), ...catches, Next: `${name}Ready` },
    [`${name}Ready`]: choice([{ Variable: '$.progress.ready', BooleanEquals: true, Next: next }], `Wait${name}`),
    [`Wait${name}`]: wait('$.progress.waitSeconds', `Check${name}`),
    [`Check${name}`]: { ...call('status'), ...catches, Next: `${name}Ready` },
  };
}

interface CountedPoll {
  /** In the order they stand: zero the count, wait, check, count, decide. */
  names: [start: string, wait: string, check: string, count: string, decide: string];
  /** Where pollSeconds and maxPolls are read. */
  settings: string;
  /** The status call, without Next. */
  check: State;
  /** Choice rules tried before the poll limit. */
  until: JsonObject[];
  timedOut: string;
}

/** Wait, check and count until a rule of `until` matches or maxPolls checks have been made. */
export function countedPoll({
  names: [start, waitState, check, count, decide],
  settings,
  check: call,
  until,
  timedOut,
}: CountedPoll): States {
  const limit = { Variable: '$.polls.count', NumericGreaterThanEqualsPath: `${settings}.maxPolls`, Next: timedOut };
  return {
    [start]: { Type: 'Pass', Result: { count: 0 }, ResultPath: '$.polls', Next: waitState },
    [waitState]: wait(`${settings}.pollSeconds`, check),
    [check]: { ...call, Next: count },
    [count]: { Type: 'Pass', Parameters: { 'count.$': 'States.MathAdd($.polls.count, 1)' }, ResultPath: '$.polls', Next: decide },
    [decide]: choice([...until, limit], waitState),
  };
}

interface StatusPoll {
  /** In the order they stand: the first wait, check, decide, and the wait between checks. */
  names: [first: string, check: string, decide: string, poll: string];
  /** Paths of the first wait (long: the work has just started) and of the wait between checks. */
  seconds: [first: string, poll: string];
  check: State;
  choices: JsonObject[];
}

/** Wait, check, and wait again until a choice leaves the loop; a bound comes from the machine's timeout. */
export function statusPoll({ names: [first, check, decide, poll], seconds, check: call, choices }: StatusPoll): States {
  return {
    [first]: wait(seconds[0], check),
    [check]: { ...call, Next: decide },
    [decide]: choice(choices, poll),
    [poll]: wait(seconds[1], check),
  };
}
