import { lambda, type StateMachine } from './asl';
import {
  activeRegion,
  catchTo,
  lambdaRetry,
  notifyFailure,
  ON_VALIDATION_ERROR,
  planJob,
  retried,
  retry,
  validationFailure,
} from './fragments';

const ON_FAILURE = [catchTo('NotifyFailure')];

export const backup: StateMachine = {
  Comment:
    'Lifeline backup: in the active region, snapshot every database and cache, copy to the other region, prune by retention, ' +
    'record a manifest. ' +
    'Input: { targets?, reason?, source? }.',
  StartAt: 'Plan',
  TimeoutSeconds: 172800,
  States: {
    Plan: {
      ...planJob(),
      ...retried(300, lambdaRetry()),
      Next: 'ActiveRegion',
      ResultSelector: { 'plan.$': '$.Payload' },
      Catch: [ON_VALIDATION_ERROR, ...ON_FAILURE],
    },
    ...activeRegion('BackupTargets'),
    BackupTargets: {
      Type: 'Map',
      Comment:
        "One child execution per target, so the parent's history grows by a handful of events per target " +
        '(Step Functions caps a history at 25,000 events). ' +
        'Bounded below the RDS quota on concurrent cross-region snapshot copies per destination region.',
      ItemsPath: '$.plan.items',
      MaxConcurrency: 10,
      ItemSelector: { 'item.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'BackupTarget',
        States: {
          BackupTarget: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: {
              StateMachineArn: '${TargetStateMachineArn}',
              Input: { 'item.$': '$.item', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
            },
            ResultSelector: { 'targetId.$': '$.Output.targetId', status: 'SUCCEEDED', 'manifest.$': '$.Output' },
            ...retried(
              43200,
              retry(['Sfn.SfnException', 'StepFunctions.ExecutionLimitExceededException'], { interval: 5, attempts: 5, rate: 2 }),
            ),
            Catch: [catchTo('TargetFailed')],
            End: true,
          },
          TargetFailed: {
            Type: 'Pass',
            Comment: 'A failed child reports its own Error and Cause inside the Cause of States.TaskFailed.',
            Parameters: { 'targetId.$': '$.item.targetId', status: 'FAILED', 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' },
            End: true,
          },
        },
      },
      ResultPath: '$.results',
      Catch: ON_FAILURE,
      Next: 'Summarize',
    },
    Summarize: {
      ...lambda('${SummarizeFunction}', { 'runId.$': '$.plan.runId', 'startedAt.$': '$.plan.startedAt', 'results.$': '$.results' }),
      ...retried(300, lambdaRetry()),
      OutputPath: '$.Payload',
      Catch: ON_FAILURE,
      End: true,
    },
    ...validationFailure("The Lambda error's Cause is JSON; keep its message."),
    ...notifyFailure('backup', 'BackupFailed'),
  },
};
