import { choice, lambda, stringEquals, task, type State, type StateMachine } from './asl';
import {
  activeRegion,
  catchTo,
  lambdaRetry,
  ON_VALIDATION_ERROR,
  planJob,
  pollingLoop,
  retried,
  stateCall,
  validationFailure,
} from './fragments';

const call = stateCall;
const step = (name: 'restore' | 'cutover' | 'reprotect' | 'cleanup') => (action: 'start' | 'status') =>
  call('${StepFunction}', { step: name, action });
const mode = (value: string, next: string) => stringEquals('$.plan.mode', value, next);
const declined = (why: 'rejected' | 'timed-out'): State => ({
  Type: 'Pass',
  Result: { why },
  ResultPath: '$.declined',
  Next: 'CleanUpOrReport',
});

/** The DR region follows the new holder of the name: its replica, or its replicated automated backups. */
const reprotect = Object.fromEntries(
  Object.entries(pollingLoop('Reprotect', step('reprotect'), 'Report')).map(([name, state]) => [
    name,
    name.startsWith('Start') || name.startsWith('Check')
      ? { ...state, Catch: [catchTo('Report', ['States.ALL'], '$.reprotectError')] }
      : state,
  ]),
);

export const pointInTimeRecovery: StateMachine = {
  Comment:
    'Lifeline point-in-time recovery: restore the application database to a time inside its restorable window. ' +
    'dry-run reports the window and the writes a cutover would give up; restore verifies a temporary isolated copy and keeps it; ' +
    'cutover, after approval, swaps the names so the application keeps its endpoint; undo swaps back. ' +
    'Input: { mode?, targetTime? | minutesAgo?, reason, confirm?, undo? }.',
  StartAt: 'Plan',
  TimeoutSeconds: 21600,
  States: {
    Plan: {
      ...planJob(),
      ResultSelector: { 'plan.$': '$.Payload' },
      ...retried(60, lambdaRetry()),
      Catch: [ON_VALIDATION_ERROR],
      Next: 'ActiveRegion',
    },
    ...activeRegion('Mode'),
    ...validationFailure('Bad input: nothing was read or changed.'),
    Mode: choice([mode('restore', 'StartRestore'), mode('cutover', 'StartRestore')], 'CountWrites'),
    CountWrites: {
      ...call('${VerifyFunction}', { action: 'count' }),
      Comment: 'From the current data: the writes since the target (dry run) or since the cutover (undo).',
      Catch: [catchTo('Report')],
      Next: 'DryRunOrUndo',
    },
    DryRunOrUndo: choice([mode('undo', 'RequestApproval')], 'Report'),
    ...pollingLoop('Restore', step('restore'), 'Verify', 'CleanUpOrReport'),
    Verify: {
      ...call('${VerifyFunction}', { action: 'verify' }),
      Comment: 'Checks the restored copy and compares it with the current data, row by row.',
      Catch: [catchTo('CleanUpOrReport')],
      Next: 'Verified',
    },
    Verified: choice(
      [mode('restore', 'Report'), { Variable: '$.findings.passed', BooleanEquals: false, Next: 'StartCleanup' }],
      'RequestApproval',
    ),
    RequestApproval: {
      ...task(
        'arn:aws:states:::lambda:invoke.waitForTaskToken',
        {
          FunctionName: '${ApprovalFunction}',
          Payload: { 'taskToken.$': '$$.Task.Token', 'plan.$': '$.plan', 'findings.$': '$.findings' },
        },
        'Publishes what the cutover does and gives up, and how to approve or reject it; production has not changed.',
      ),
      TimeoutSecondsPath: '$.plan.approvalTimeoutSeconds',
      ResultPath: '$.approval',
      Retry: [lambdaRetry()],
      // A rejection or a timeout is an answer, not an error: kept apart from $.error, which fails the run.
      Catch: [
        catchTo('TimedOut', ['States.Timeout'], '$.answer'),
        catchTo('Rejected', ['Rejected'], '$.answer'),
        catchTo('CleanUpOrReport'),
      ],
      Next: 'StartCutover',
    },
    TimedOut: declined('timed-out'),
    Rejected: declined('rejected'),
    CleanUpOrReport: {
      ...choice([mode('undo', 'Report')], 'StartCleanup'),
      Comment: 'Nothing of production changed: delete the temporary instance this run restored (an undo restored none).',
    },
    ...pollingLoop('Cleanup', step('cleanup'), 'Report', 'Report'),
    // A failure mid-swap deletes nothing: the report says where it stopped, and a redrive goes on from there.
    ...pollingLoop('Cutover', step('cutover'), 'StartReprotect', 'Report'),
    // Production is cut over: a failure to re-point the DR region is reported apart ($.reprotectError), as such.
    ...reprotect,
    Report: {
      ...lambda('${ReportFunction}', '$', 'Records the run in the ledger and S3; its summary is the Cause of a failed run.'),
      OutputPath: '$.Payload',
      ...retried(60, lambdaRetry()),
      Next: 'Ok',
    },
    Ok: choice([{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }], 'Failed'),
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', Error: 'PointInTimeRecoveryFailed', CausePath: '$.summary' },
  },
};
