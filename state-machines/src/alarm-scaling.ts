import { choice, lambda, sdk, stringEquals, type JsonObject, type State, type StateMachine } from './asl';
import { catchTo, countedPoll, effect, lambdaRetry, notifyFailure, PAYLOAD_VALUE, retried, serviceRetry } from './fragments';

const DECISION = '$.decided.value';
/** Retried from one second: an alarm wants its answer soon. */
const LAMBDA = retried(60, lambdaRetry(1));
const ECS = serviceRetry('Ecs.EcsException', 30, 2);
const ON_ERROR = [catchTo('RecordFailure')];
const scale = (target?: string) => stringEquals(`${DECISION}.action`, 'scale', target);

const invoke = (functionName: string, payload: string | JsonObject) => ({
  ...lambda(functionName, payload),
  ResultSelector: PAYLOAD_VALUE,
});
/** Every outcome is recorded in the ledger; the record function's answer is not needed (ResultPath null). */
const record = (result: string, extra: JsonObject = {}) => ({
  ...invoke('${RecordFunction}', { 'decision.$': DECISION, result, ...extra }),
  ...LAMBDA,
  ResultPath: null,
});
/** A poll that ran out puts its error where a caught one goes, so RecordFailure records both alike. */
const timedOut = (error: string, cause: string, comment?: string): State => ({
  Type: 'Pass',
  ...(comment === undefined ? {} : { Comment: comment }),
  Parameters: { Error: error, 'Cause.$': cause },
  ResultPath: '$.error',
  Next: 'RecordFailure',
});

const updateService = sdk('ecs:updateService', {
  'Cluster.$': `${DECISION}.cluster`,
  'Service.$': `${DECISION}.service`,
  'DesiredCount.$': `${DECISION}.to`,
});
/** Where Application Auto Scaling also manages the service, its bounds follow the new count, so the two never fight. */
const syncAutoScaling = invoke('${SyncAutoScalingFunction}', {
  'region.$': `${DECISION}.region`,
  'cluster.$': `${DECISION}.cluster`,
  'service.$': `${DECISION}.service`,
  'to.$': `${DECISION}.to`,
});
const describeService = {
  ...sdk('ecs:describeServices', { 'Cluster.$': `${DECISION}.cluster`, 'Services.$': `States.Array(${DECISION}.service)` }),
  ResultSelector: {
    'running.$': '$.Services[0].RunningCount',
    'desired.$': '$.Services[0].DesiredCount',
    'rollout.$': '$.Services[0].Deployments[0].RolloutState',
    'events.$': '$.Services[0].Events[0:3]',
  },
};
const steady = {
  And: [{ Variable: '$.service.running', NumericEqualsPath: '$.service.desired' }, stringEquals('$.service.rollout', 'COMPLETED')],
};

export const alarmScaling: StateMachine = {
  Comment:
    'Lifeline alarm scaling: a CloudWatch Alarm State Change event (routed by an EventBridge rule) ' +
    'becomes at most one capacity change per subject (the ECS service, or a linked cache or database) at a time, ' +
    'applied, awaited to steady state and recorded. Input: the event.',
  StartAt: 'Decide',
  TimeoutSeconds: 3600,
  States: {
    Decide: {
      ...invoke('${DecideFunction}', '$'),
      ...LAMBDA,
      ResultPath: '$.decided',
      Next: 'ScaleOrNot',
      Catch: [catchTo('NotifyFailure')],
    },
    ScaleOrNot: choice(
      [{ And: [scale(), stringEquals(`${DECISION}.target`, 'service')], Next: 'UpdateService' }, scale('ApplyLinked')],
      'RecordNoop',
    ),
    RecordNoop: { ...record('noop'), End: true },
    ApplyLinked: {
      ...invoke('${ApplyLinkedFunction}', DECISION),
      ResultPath: '$.linked',
      ...LAMBDA,
      Catch: ON_ERROR,
      Next: 'StartLinkedPolling',
    },
    ...countedPoll({
      names: ['StartLinkedPolling', 'WaitForLinked', 'LinkedStatus', 'CountLinkedPoll', 'IsLinkedDone'],
      settings: DECISION,
      check: { ...invoke('${LinkedStatusFunction}', DECISION), ResultPath: '$.linkedStatus', ...LAMBDA, Catch: ON_ERROR },
      until: [{ Variable: '$.linkedStatus.value.done', BooleanEquals: true, Next: 'RecordLinkedSteady' }],
      timedOut: 'LinkedTimedOut',
    }),
    LinkedTimedOut: timedOut(
      'LinkedTargetTimeout',
      "States.Format('{} {} did not finish: {}', $.decided.value.target, $.decided.value.resourceId, $.linkedStatus.value.status)",
    ),
    RecordLinkedSteady: { ...record('steady', { 'linked.$': '$.linked.value' }), End: true },
    UpdateService: effect(updateService, [ECS], ON_ERROR, 'SyncAutoScaling'),
    SyncAutoScaling: { ...syncAutoScaling, ...LAMBDA, ResultPath: '$.autoscaling', Next: 'StartPolling', Catch: ON_ERROR },
    ...countedPoll({
      names: ['StartPolling', 'WaitForSteadyState', 'DescribeService', 'CountPoll', 'IsSteady'],
      settings: DECISION,
      check: { ...describeService, ResultPath: '$.service', ...retried(60, ECS), Catch: ON_ERROR },
      until: [{ ...steady, Next: 'RecordSteady' }],
      timedOut: 'SteadyStateTimedOut',
    }),
    RecordSteady: { ...record('steady', { 'autoscaling.$': '$.autoscaling.value' }), End: true },
    SteadyStateTimedOut: timedOut(
      'SteadyStateTimeout',
      "States.Format('Service {} did not reach a steady state: {} of {} tasks running. Latest service events: {}', " +
        '$.decided.value.service, $.service.running, $.service.desired, States.JsonToString($.service.events))',
      "Fail with the service's own events, as an operator would read them in the console.",
    ),
    // Recording can fail too; the operators must still hear of the original error.
    RecordFailure: {
      ...record('failed', { 'error.$': '$.error' }),
      Next: 'NotifyFailure',
      Catch: [catchTo('NotifyFailure', ['States.ALL'], null)],
    },
    ...notifyFailure('scaling', 'ScalingFailed'),
  },
};
