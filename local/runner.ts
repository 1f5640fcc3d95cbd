import './polyfills';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { allStates, apiActionOf, definitionText, LAMBDA_INVOKE, substitute } from '../contracts/asl';
import { isModeled } from './twin/errors';
import { TwinModelViolation } from './twin/models/check';
import { isServiceName, stepFunctionsErrorName, toStepFunctionsOutput } from './twin/sdk-models';
import type { AwsCore } from './twin/aws-core';
import { type Principal, runAs } from './twin/iam/authorizer';
import type { Input } from './twin/util';

/** Receives each execution event as it happens, with the name of the execution it belongs to. */
export type ExecutionEventListener = (event: Record<string, unknown>, execution: string) => void;

/** A Lambda handler as the runner invokes it in process. */
export type LocalFunction = (event: unknown, context: { functionName: string; awsRequestId: string }) => Promise<unknown>;

export interface RunnerBindings {
  readonly twin: AwsCore;
  /**
   * Region the state machine runs in, and the only one its aws-sdk and optimized integrations call: a task has no
   * way to name another ("cross-Region AWS SDK integration ... [isn't] available", Step Functions Developer Guide,
   * "Accessing resources in other AWS accounts"; aws-cdk PR #30061 adds a Lambda, CallAwsServiceCrossRegion, for it).
   * A machine that means another region's resource finds the same-named one here, or none.
   */
  readonly region: string;
  /** Values for every `${Placeholder}` of the file. */
  readonly substitutions: Readonly<Record<string, string>>;
  /** In-process handlers by the function name the ASL's FunctionName resolves to. */
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** Called with every event of this execution and of its children as it happens (a live step log). */
  readonly onEvent?: ExecutionEventListener;
  /** Child state machines (`states:startExecution.sync:2`) by the ARN their placeholder resolves to. */
  readonly childMachines?: Readonly<Record<string, { job: string; definition: StateMachineDefinition }>>;
  /** Called after every Lambda invocation with the function name and the handler's real (wall) milliseconds, in process. */
  readonly onInvoke?: (functionName: string, wallMs: number) => void;
  /** IAM as deployed: the role the machine runs as, its functions' and children's identities. Absent: nothing is authorized. */
  readonly iam?: RunnerIam;
}

/** A state machine's identity as deployed (iam/template-view.ts), and how the runner asks IAM. */
export interface RunnerIam {
  readonly machine: Principal;
  /** By the function name the ASL's FunctionName resolves to: the deployed function's ARN and its role. */
  readonly functions: Readonly<Record<string, { readonly arn: string; readonly principal: Principal }>>;
  /** Child machines' identities by their ARN. */
  readonly children: Readonly<Record<string, RunnerIam>>;
  /** The refusal's message when `principal` may not do `action` on `resource`, else undefined. */
  readonly check: (principal: Principal, action: string, resource: string, call: string) => Promise<string | undefined>;
}

export interface TimelineEntry {
  readonly state: string;
  readonly type: string;
  /** Map iteration index, for states inside a Map. */
  readonly index?: number;
  readonly enteredAt: string;
  readonly exitedAt?: string;
  readonly seconds?: number;
  readonly error?: string;
  readonly retries: number;
}

export interface ExecutionResult {
  readonly executionName: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: string;
  readonly stoppedAt: string;
  readonly durationSeconds: number;
  /** State transitions, the billing unit of Standard workflows (states entered plus retries). */
  readonly transitions: number;
  /** Lambda invocations the execution made (for cost estimates). */
  readonly lambdaInvocations: number;
  /**
   * Events this execution's history would hold in AWS, estimated from the
   * run (Step Functions caps a history at 25,000): 2 per state entered and
   * exited, 3 more per Task attempt (scheduled, started, succeeded or
   * failed), 2 per Map iteration and Parallel branch, 2 for the execution.
   */
  readonly historyEvents: number;
  /** Child executions it started (startExecution.sync), each with its own history. */
  readonly children: ExecutionResult[];
  readonly timeline: TimelineEntry[];
  readonly events: readonly Record<string, unknown>[];
}

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

export function loadDefinition(job: string, substitutions: Readonly<Record<string, string>>): StateMachineDefinition {
  return JSON.parse(substitute(definitionText(job), substitutions)) as StateMachineDefinition;
}

/** An error as Step Functions reports it: name is the Error, message the Cause. */
function stepFunctionsError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

async function readBodies(value: unknown): Promise<unknown> {
  if (value && typeof value === 'object' && 'transformToString' in value && typeof value.transformToString === 'function') {
    return (value.transformToString as () => Promise<string>)();
  }
  return value;
}

/**
 * Binds one Task resource to the twin or an in-process function, shaped like
 * the real integration: Lambda returns `{ StatusCode, Payload, ExecutedVersion }`,
 * aws-sdk tasks answer in PascalCase and fail as `<Service>.<Name>Exception`.
 */
const START_CHILD_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

function bindTask(
  resource: string,
  bindings: RunnerBindings,
  counter: { lambda: number; children: ExecutionResult[]; tokens: string[] },
): (input: unknown) => Promise<unknown> {
  if (resource.endsWith(WAIT_FOR_TASK_TOKEN)) {
    // The integration is called, then the task waits for SendTaskSuccess / SendTaskFailure naming its token.
    const call = bindTask(resource.slice(0, -WAIT_FOR_TASK_TOKEN.length), bindings, counter);
    return async (input) => {
      const text = JSON.stringify(input);
      const token = counter.tokens.find((t) => text.includes(t));
      if (!token) throw stepFunctionsError('States.Runtime', `${resource} must pass $$.Task.Token in its parameters`);
      const answered = new Promise<unknown>((resolve, reject) => {
        bindings.twin.taskTokens.set(token, { succeed: resolve, fail: (error, cause) => reject(stepFunctionsError(error, cause)) });
      });
      await call(input);
      return answered;
    };
  }
  if (resource === START_CHILD_SYNC) {
    return async (input) => {
      const params = (input ?? {}) as Input;
      const arn = String(params.StateMachineArn ?? '');
      const child = bindings.childMachines?.[arn];
      if (!child) throw stepFunctionsError('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${arn}'`);
      const childIam = bindings.iam?.children[arn];
      if (bindings.iam) {
        const refused = await bindings.iam.check(bindings.iam.machine, 'states:StartExecution', arn, 'states:StartExecution');
        if (refused || !childIam) {
          throw stepFunctionsError(stepFunctionsErrorName('sfn', 'AccessDeniedException', false), refused ?? `${arn} is not deployed`);
        }
      }
      const result = await runDefinition(
        child.definition,
        params.Input ?? {},
        { ...bindings, iam: childIam },
        {
          job: child.job,
          executionName: typeof params.Name === 'string' ? params.Name : undefined,
        },
      );
      counter.children.push(result);
      const described = {
        ExecutionArn: bindings.twin.arn('states', bindings.region, `execution:${child.job}:${result.executionName}`),
        StateMachineArn: arn,
        Name: result.executionName,
        Status: result.status,
        StartDate: result.startedAt,
        StopDate: result.stoppedAt,
        Input: params.Input ?? {},
        ...(result.status === 'SUCCEEDED' ? { Output: result.output } : { Error: result.error, Cause: result.cause }),
      };
      // A failed child fails the task with States.TaskFailed; its Cause is the described execution.
      if (result.status !== 'SUCCEEDED') throw stepFunctionsError('States.TaskFailed', JSON.stringify(described));
      return described;
    };
  }
  if (resource === LAMBDA_INVOKE) {
    return async (input) => {
      const params = (input ?? {}) as Input;
      const name = String(params.FunctionName ?? '');
      const fn = bindings.functions[name];
      const identity = bindings.iam?.functions[name];
      if (!fn || (bindings.iam && !identity)) throw stepFunctionsError('Lambda.ResourceNotFoundException', `Function not found: ${name}`);
      if (bindings.iam && identity) {
        // The state machine's role must be allowed to invoke the function (Lambda answers 403 AccessDeniedException).
        const refused = await bindings.iam.check(bindings.iam.machine, 'lambda:InvokeFunction', identity.arn, 'lambda:Invoke');
        if (refused) {
          throw stepFunctionsError(
            'Lambda.AWSLambdaException',
            `${refused} (Service: Lambda, Status Code: 403, Error Code: AccessDeniedException)`,
          );
        }
      }
      counter.lambda += 1;
      const start = performance.now();
      const invoke = () => fn(params.Payload ?? {}, { functionName: name, awsRequestId: `local-${counter.lambda}` });
      try {
        // The handler's calls are made as the function's execution role.
        const payload = await (identity ? runAs(identity.principal, invoke) : invoke());
        return { StatusCode: 200, Payload: payload ?? null, ExecutedVersion: '$LATEST' };
      } catch (error) {
        const errorType = error instanceof Error ? error.name : 'Error';
        const errorMessage = error instanceof Error ? error.message : String(error);
        // Lambda function errors surface with the function's errorType as the Error name.
        throw stepFunctionsError(errorType, JSON.stringify({ errorType, errorMessage }));
      } finally {
        bindings.onInvoke?.(name, performance.now() - start);
      }
    };
  }
  const api = apiActionOf(resource);
  if (api) {
    const { service, action } = api;
    if (!isServiceName(service)) throw new Error(`The runner has no twin for service "${service}" (${resource})`);
    return async (input) => {
      try {
        // The twin maps the Step Functions parameter names to the SDK's through the service model, and checks them.
        // The machine's role makes the call.
        const call = () => bindings.twin.call(service, action, bindings.region, (input ?? {}) as Input, 'stepFunctions');
        const output = await (bindings.iam ? runAs(bindings.iam.machine, call) : call());
        const withBodies: Record<string, unknown> = { ...output };
        if ('Body' in withBodies) withBodies.Body = await readBodies(withBodies.Body);
        return toStepFunctionsOutput(service, action, withBodies);
      } catch (error) {
        // Twin bugs are not AWS errors: they keep their name (a TwinModelViolation is neither retried nor caught).
        if (!(error instanceof Error) || error instanceof TwinModelViolation || error.message.startsWith('The twin does not implement')) {
          throw error;
        }
        throw stepFunctionsError(
          stepFunctionsErrorName(service, error.name, isModeled(error)),
          `${error.message} (Service: ${service}, Status Code: 400, Error Code: ${error.name})`,
        );
      }
    };
  }
  throw new Error(`The runner cannot bind Task resource ${resource}`);
}

let executionCounter = 0;

/**
 * Runs a state machine file on the twin under its virtual clock and returns
 * what a `DescribeExecution` + `GetExecutionHistory` would tell, plus the
 * per-state timeline and the transition count.
 */
export interface RunOptionsLocal {
  readonly executionName?: string;
}

/** Transitions and Lambda invocations of an execution and all its children: what a run is billed for. */
export function billedTotals(result: ExecutionResult): { transitions: number; lambdaInvocations: number; executions: number } {
  return result.children.map(billedTotals).reduce(
    (sum, child) => ({
      transitions: sum.transitions + child.transitions,
      lambdaInvocations: sum.lambdaInvocations + child.lambdaInvocations,
      executions: sum.executions + child.executions,
    }),
    { transitions: result.transitions, lambdaInvocations: result.lambdaInvocations, executions: 1 },
  );
}

export async function runWorkflow(
  job: string,
  input: unknown,
  bindings: RunnerBindings,
  options: RunOptionsLocal = {},
): Promise<ExecutionResult> {
  const definition = loadDefinition(job, bindings.substitutions);
  return runDefinition(definition, input, bindings, { ...options, job });
}

const machineCache = new WeakMap<object, StateMachine>();

export async function runDefinition(
  definition: StateMachineDefinition,
  input: unknown,
  bindings: RunnerBindings,
  options: RunOptionsLocal & { job?: string } = {},
): Promise<ExecutionResult> {
  const counter = { lambda: 0, children: [] as ExecutionResult[], tokens: [] as string[] };
  const handlers: LocalHandlers = {};
  const seen = new Set<string>();
  for (const [name, state] of allStates(definition)) {
    // aws-local-stepfunctions keys overrides by state name, so names must be unique machine-wide.
    if (seen.has(name)) throw new Error(`State name "${name}" is used twice; the runner needs unique state names`);
    seen.add(name);
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      const bound = bindTask(state.Resource, bindings, counter);
      // The library types task results as its (unexported) JSONValue; ours are JSON by construction.
      handlers[name] = (taskInput) => bound(taskInput) as ReturnType<LocalHandlers[string]>;
    }
  }
  let machine = machineCache.get(definition);
  if (!machine) {
    machine = new StateMachine(withRawInputTimeouts(definition), { validationOptions: { checkArn: false } });
    machineCache.set(definition, machine);
  }
  executionCounter += 1;
  const clock = bindings.twin.clock;
  const executionName =
    options.executionName ?? `${options.job ?? 'execution'}-${clock.date().toISOString().replace(/[:.]/g, '-')}-${executionCounter}`;
  const startedAtMs = clock.now();
  const events: Record<string, unknown>[] = [];
  let output: unknown;
  let thrown: unknown;
  let failed = false;
  await clock.drive(async () => {
    const startTime = new Date().toISOString();
    const runOptions: RunOptions = {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: {
          Id: bindings.twin.arn('states', bindings.region, `execution:${options.job ?? 'local'}:${executionName}`),
          Name: executionName,
          Input: input as never,
          StartTime: startTime,
        },
        StateMachine: {
          Id: bindings.twin.arn('states', bindings.region, `stateMachine:${options.job ?? 'local'}`),
          Name: options.job ?? 'local',
        },
        // `$$.Task.Token`: a fresh token each time a task's parameters read it.
        Task: {
          get Token() {
            const token = Buffer.from(`${executionName}#${counter.tokens.length + 1}#${Math.random().toString(36).slice(2)}`).toString(
              'base64url',
            );
            counter.tokens.push(token);
            return token;
          },
        },
      } as RunOptions['context'],
    };
    const execution = machine.run(input as never, runOptions);
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        const record = event as unknown as Record<string, unknown>;
        events.push(record);
        bindings.onEvent?.(record, executionName);
      }
    })();
    try {
      output = await execution.result;
    } catch (error) {
      failed = true;
      thrown = error;
    }
    await collecting.catch(() => undefined);
  });
  // The history's ExecutionFailed event names the error as Step Functions would; the thrown error is the fallback.
  const failedEvent = failed ? events.findLast((e) => e.type === 'ExecutionFailed') : undefined;
  const failure = !failed
    ? undefined
    : failedEvent
      ? {
          error: String(failedEvent.Error),
          cause: typeof failedEvent.Cause === 'string' ? failedEvent.Cause : JSON.stringify(failedEvent.Cause),
        }
      : {
          error: thrown instanceof Error ? thrown.name : 'States.Runtime',
          cause: thrown instanceof Error ? thrown.message : String(thrown),
        };
  const stoppedAtMs = clock.now();
  return {
    executionName,
    status: failure ? 'FAILED' : 'SUCCEEDED',
    output: failure ? undefined : output,
    error: failure?.error,
    cause: failure?.cause,
    startedAt: new Date(startedAtMs).toISOString(),
    stoppedAt: new Date(stoppedAtMs).toISOString(),
    durationSeconds: (stoppedAtMs - startedAtMs) / 1000,
    transitions: events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length,
    lambdaInvocations: counter.lambda,
    historyEvents: estimateHistoryEvents(events),
    children: counter.children,
    timeline: buildTimeline(events),
    events,
  };
}

/**
 * Step Functions resolves a Task's TimeoutSecondsPath against the state's
 * input; aws-local-stepfunctions resolves it against the effective input
 * (after Parameters). For the local run the path's value is carried into
 * Parameters under a key the bindings ignore, so both agree.
 */
function withRawInputTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(definition);
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const state of Object.values(states)) {
      if (
        state.Type === 'Task' &&
        typeof state.TimeoutSecondsPath === 'string' &&
        typeof state.Parameters === 'object' &&
        state.Parameters !== null
      ) {
        state.Parameters = { ...(state.Parameters as object), 'localTimeoutSeconds.$': state.TimeoutSecondsPath };
        state.TimeoutSecondsPath = '$.localTimeoutSeconds';
      }
      const nested = [...(Array.isArray(state.Branches) ? state.Branches : []), state.ItemProcessor, state.Iterator] as (
        { States?: Record<string, Record<string, unknown>> } | undefined
      )[];
      for (const inner of nested) if (inner?.States) visit(inner.States);
    }
  };
  visit(copy.States as unknown as Record<string, Record<string, unknown>>);
  return copy;
}

function estimateHistoryEvents(events: readonly Record<string, unknown>[]): number {
  let count = 2;
  for (const event of events) {
    const state = event.state as { type?: string } | undefined;
    switch (event.type) {
      case 'StateEntered':
        count += state?.type === 'Task' ? 4 : 1;
        break;
      case 'StateExited':
      case 'StateFailed':
        count += 1;
        break;
      case 'StateRetried':
        count += 3;
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        count += 1;
        break;
      default:
        break;
    }
  }
  return count;
}

function buildTimeline(events: readonly Record<string, unknown>[]): TimelineEntry[] {
  const open = new Map<string, { entry: TimelineEntry; retries: number }>();
  const done: TimelineEntry[] = [];
  for (const event of events) {
    const state = event.state as { name?: string; type?: string } | undefined;
    if (!state?.name) continue;
    const index = typeof event.index === 'number' ? event.index : undefined;
    const key = `${state.name}#${index ?? ''}`;
    const at = new Date(Number(event.timestamp)).toISOString();
    if (event.type === 'StateEntered') {
      open.set(key, { entry: { state: state.name, type: String(state.type), index, enteredAt: at, retries: 0 }, retries: 0 });
    } else if (event.type === 'StateRetried') {
      // The failed attempt closed the entry; a retry reopens it, so the state's span covers every attempt.
      const current = open.get(key);
      if (current) current.retries += 1;
      else {
        const closed = done.findLastIndex((d) => d.state === state.name && d.index === index);
        if (closed >= 0) {
          const [entry] = done.splice(closed, 1);
          open.set(key, { entry: { ...entry, exitedAt: undefined, seconds: undefined, error: undefined }, retries: entry.retries + 1 });
        }
      }
    } else if (event.type === 'StateExited' || event.type === 'StateFailed' || event.type === 'StateCaught') {
      const current = open.get(key);
      if (!current) continue;
      open.delete(key);
      const seconds = (Number(event.timestamp) - Date.parse(current.entry.enteredAt)) / 1000;
      done.push({
        ...current.entry,
        exitedAt: at,
        seconds,
        retries: current.retries,
        error: event.type === 'StateExited' ? undefined : String(event.Error ?? 'caught'),
      });
    }
  }
  return done.sort((a, b) => a.enteredAt.localeCompare(b.enteredAt));
}
