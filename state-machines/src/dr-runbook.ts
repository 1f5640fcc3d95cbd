import { choice, lambda, task, type Branch, type State, type StateMachine, type States } from './asl';
import {
  catchTo,
  EXECUTION,
  lambdaRetry,
  ON_VALIDATION_ERROR,
  PAYLOAD_VALUE,
  pollingLoop,
  retried,
  stateCall,
  title,
  validationFailure,
} from './fragments';

interface Runbook {
  direction: 'failover' | 'failback';
  comment: string;
  /** Steps that run at once, one branch each, right after approval. */
  parallel: { name: string; comment: string; steps: string[] };
  /** Steps that run one after the other once the parallel ones are done. */
  then: string[];
}

const call = stateCall;
const report = (outcome: string) => call('${ReportFunction}', { outcome });
const step = (name: string) => (action: 'start' | 'status') => call('${StepFunction}', { step: name, action });
/** The runbook's summary of what happened is the Cause, so the console shows it on the failed execution. */
const failWithSummary = (error: string): State => ({ Type: 'Fail', Error: error, CausePath: '$.summary' });

function branch(name: string): Branch {
  const done = `${title(name)}Done`;
  return { StartAt: `Start${title(name)}`, States: { ...pollingLoop(title(name), step(name), done), [done]: { Type: 'Pass', End: true } } };
}

/** The parallel steps; each branch returns the whole state, so each step's result is taken from its own branch. */
function parallel({ comment, steps }: Runbook['parallel'], next: string): State {
  const results = Object.fromEntries(steps.map((name, i) => [`${name}.$`, `$[${i}].${name}`]));
  return {
    Type: 'Parallel',
    Comment: comment,
    Branches: steps.map(branch),
    ResultSelector: { 'run.$': '$[0].run', 'preflight.$': '$[0].preflight', 'approval.$': '$[0].approval', ...results },
    Catch: [catchTo('ReportFailed')],
    Next: next,
  };
}

function sequence(steps: string[], next: string): States {
  const after = (i: number) => (i + 1 < steps.length ? `Start${title(steps[i + 1])}` : next);
  return Object.fromEntries(steps.flatMap((name, i) => Object.entries(pollingLoop(title(name), step(name), after(i), 'ReportFailed'))));
}

/** Validate, preflight and approval: nothing changes before the approval (or the run's settings) allow it. */
function admission(direction: Runbook['direction'], next: string): States {
  return {
    Validate: {
      ...lambda('${ValidateFunction}', { 'input.$': '$', direction, ...EXECUTION }),
      ResultSelector: { 'run.$': '$.Payload' },
      ...retried(60, lambdaRetry()),
      Catch: [ON_VALIDATION_ERROR],
      Next: 'Preflight',
    },
    ...validationFailure(),
    Preflight: {
      ...lambda('${PreflightFunction}', { 'run.$': '$.run' }),
      ...retried(120, lambdaRetry()),
      ResultSelector: PAYLOAD_VALUE,
      ResultPath: '$.preflightResult',
      Next: 'KeepPreflight',
    },
    KeepPreflight: { Type: 'Pass', Parameters: { 'run.$': '$.run', 'preflight.$': '$.preflightResult.value' }, Next: 'DryRunOrReady' },
    DryRunOrReady: choice(
      [
        { Variable: '$.run.dryRun', BooleanEquals: true, Next: 'ReportDryRun' },
        { Variable: '$.preflight.ok', BooleanEquals: false, Next: 'ReportPreflightFailed' },
      ],
      'NeedsApproval',
    ),
    ReportDryRun: { ...report('dry-run'), End: true },
    ReportPreflightFailed: { ...report('preflight-failed'), Next: 'PreflightFailed' },
    PreflightFailed: failWithSummary('PreflightFailed'),
    NeedsApproval: choice([{ Variable: '$.run.approvalRequired', BooleanEquals: true, Next: 'RequestApproval' }], 'NoApprovalNeeded'),
    NoApprovalNeeded: { Type: 'Pass', Result: { required: false }, ResultPath: '$.approval', Next: next },
    RequestApproval: {
      ...task(
        'arn:aws:states:::lambda:invoke.waitForTaskToken',
        {
          FunctionName: '${ApprovalFunction}',
          Payload: { 'taskToken.$': '$$.Task.Token', 'run.$': '$.run', 'preflight.$': '$.preflight' },
        },
        'Publishes how to approve or reject (send-task-success / send-task-failure with this token) and waits; nothing has changed yet.',
      ),
      TimeoutSecondsPath: '$.run.approvalTimeoutSeconds',
      ResultPath: '$.approval',
      // The function records the request in the ledger and retries its sends itself, never failing on SNS; this Retry
      // covers the function failing. Only the approver's Rejected is a rejection: every other failure fails the run,
      // saying why, instead of passing for a "no".
      Retry: [lambdaRetry()],
      Catch: [catchTo('ReportTimedOut', ['States.Timeout']), catchTo('ReportRejected', ['Rejected']), catchTo('ReportFailed')],
      Next: next,
    },
    ReportTimedOut: { ...report('timed-out'), Next: 'ApprovalTimedOut' },
    ApprovalTimedOut: failWithSummary('ApprovalTimedOut'),
    ReportRejected: { ...report('rejected'), Next: 'NotApproved' },
    NotApproved: { Type: 'Succeed' },
  };
}

/**
 * The frame the two DR runbooks share: validate, preflight (a dry run stops there), approval, then the
 * runbook's own steps, then report. Each step is a polling loop on the step function, which does the work
 * and says when to look again; every call's answer replaces the state, so the report sees all of it.
 */
export function drRunbook(runbook: Runbook): StateMachine {
  const afterParallel = `Start${title(runbook.then[0])}`;
  return {
    Comment: runbook.comment,
    StartAt: 'Validate',
    TimeoutSeconds: 21600,
    States: {
      ...admission(runbook.direction, runbook.parallel.name),
      [runbook.parallel.name]: parallel(runbook.parallel, afterParallel),
      ...sequence(runbook.then, 'ReportCompleted'),
      ReportCompleted: { ...report('completed'), End: true },
      ReportFailed: { ...report('failed'), Next: 'Failed' },
      Failed: failWithSummary('RunbookFailed'),
    },
  };
}
