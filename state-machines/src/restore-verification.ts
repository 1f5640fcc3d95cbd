import { choice, lambda, sdk, stringEquals, wait, type JsonObject, type State, type StateMachine, type States } from './asl';
import {
  activeRegion,
  catchTo,
  countedPoll,
  effect,
  lambdaRetry,
  notifyFailure,
  ON_VALIDATION_ERROR,
  planJob,
  retried,
  retry,
  serviceRetry,
  tolerate,
  validationFailure,
} from './fragments';

/** What differs between a temporary RDS instance and a temporary ElastiCache group. */
interface Kind {
  id: JsonObject;
  retrier: JsonObject;
  describe: string;
  /** Where the describe call's answer holds the status. */
  status: string;
  busy: string;
  notFound: string;
}
const TEMPORARY = '$.plan.tempInstanceId';
const INSTANCE: Kind = {
  id: { 'DbInstanceIdentifier.$': TEMPORARY },
  retrier: serviceRetry('Rds.RdsException', 60),
  describe: 'rds:describeDBInstances',
  status: '$.DbInstances[0].DbInstanceStatus',
  busy: 'Rds.InvalidDbInstanceStateException',
  notFound: 'Rds.DbInstanceNotFoundException',
};
const GROUP: Kind = {
  id: { 'ReplicationGroupId.$': TEMPORARY },
  retrier: serviceRetry('ElastiCache.ElastiCacheException', 60),
  describe: 'elasticache:describeReplicationGroups',
  status: '$.ReplicationGroups[0].Status',
  busy: 'ElastiCache.InvalidReplicationGroupStateException',
  notFound: 'ElastiCache.ReplicationGroupNotFoundException',
};
const restoreStatus = (value: string, next?: string) => stringEquals('$.restore.status', value, next);

interface Restore {
  create: [name: string, call: State, alreadyExists: string];
  poll: [start: string, wait: string, check: string, count: string, decide: string];
  failed: JsonObject;
}

/** Create the temporary resource (one left by an earlier attempt counts), then poll it until available, failed or maxPolls. */
function restore(kind: Kind, { create: [name, call, alreadyExists], poll, failed }: Restore): States {
  return {
    [name]: effect(call, [kind.retrier], [tolerate(alreadyExists, poll[0])], poll[0]),
    ...countedPoll({
      names: poll,
      settings: '$.plan',
      check: {
        ...sdk(kind.describe, kind.id),
        ResultSelector: { 'status.$': kind.status },
        ResultPath: '$.restore',
        ...retried(60, kind.retrier),
      },
      until: [restoreStatus('available', 'Verify'), { ...failed, Next: 'RestoreFailed' }],
      timedOut: 'RestoreTimedOut',
    }),
  };
}

/**
 * Delete the temporary resource and wait until it is gone; not found, at any point, means done. It is looked up
 * first: the delete is allowed only on a resource carrying the job's tag, and one that was never created has no
 * tags to match, so IAM refuses it (AccessDenied) rather than answering "not found".
 */
function cleanUp(kind: Kind, [find, remove, waitState, check]: [string, string, string, string], deletion: State): States {
  const gone = [tolerate(kind.notFound, 'Report')];
  // Right after a restore the resource may still be busy (an automatic backup, a modification): wait it out.
  const busy = retry([kind.busy], { interval: 60, attempts: 30, rate: 1, jitter: false });
  return {
    [find]: effect(sdk(kind.describe, kind.id), [kind.retrier], gone, remove),
    [remove]: effect(deletion, [kind.retrier, busy], gone, waitState),
    [waitState]: wait('$.plan.pollSeconds', check),
    [check]: effect(sdk(kind.describe, kind.id), [kind.retrier], gone, waitState),
  };
}

const restoreInstance = sdk('rds:restoreDBInstanceFromDBSnapshot', {
  ...INSTANCE.id,
  'DbSnapshotIdentifier.$': '$.plan.snapshotId',
  'DbInstanceClass.$': '$.plan.instanceClass',
  'DbSubnetGroupName.$': '$.plan.subnetGroup',
  'VpcSecurityGroupIds.$': 'States.Array($.plan.securityGroupId)',
  PubliclyAccessible: false,
  MultiAZ: false,
  DeletionProtection: false,
  'Tags.$': '$.plan.tags',
});
const createGroup = sdk(
  'elasticache:createReplicationGroup',
  {
    ...GROUP.id,
    ReplicationGroupDescription: 'Lifeline restore verification (temporary)',
    'SnapshotName.$': '$.plan.snapshotId',
    'Engine.$': '$.plan.cache.engine',
    'CacheNodeType.$': '$.plan.cache.nodeType',
    NumNodeGroups: 1,
    ReplicasPerNodeGroup: 0,
    AutomaticFailoverEnabled: false,
    AtRestEncryptionEnabled: true,
    TransitEncryptionEnabled: true,
    'CacheSubnetGroupName.$': '$.plan.subnetGroup',
    'SecurityGroupIds.$': 'States.Array($.plan.securityGroupId)',
    'Tags.$': '$.plan.tags',
  },
  'No AUTH token on the temporary group: putting it here would write it into the execution history; ' +
    'its security group admits only the verifier.',
);

const restoreAndVerify: States = {
  RestoreKind: choice([stringEquals('$.plan.kind', 'elasticache', 'CreateRestoreGroup')], 'Restore'),
  ...restore(INSTANCE, {
    create: ['Restore', restoreInstance, 'Rds.DbInstanceAlreadyExistsException'],
    poll: ['StartRestorePolling', 'WaitForRestore', 'DescribeRestore', 'CountRestorePoll', 'RestoreReady'],
    failed: { Or: [restoreStatus('failed'), restoreStatus('incompatible-restore')] },
  }),
  RestoreFailed: { Type: 'Fail', Error: 'RestoreFailed', Cause: 'The temporary instance ended in a failed state' },
  RestoreTimedOut: { Type: 'Fail', Error: 'RestoreTimedOut', Cause: 'The temporary instance did not become available in time' },
  Verify: {
    ...lambda('${VerifyFunction}', '$.plan'),
    ResultSelector: { 'outcome.$': '$.Payload' },
    OutputPath: '$.outcome',
    ...retried(300, lambdaRetry()),
    End: true,
  },
  ...restore(GROUP, {
    create: ['CreateRestoreGroup', createGroup, 'ElastiCache.ReplicationGroupAlreadyExistsException'],
    poll: ['StartGroupPolling', 'WaitForRestoreGroup', 'DescribeRestoreGroup', 'CountGroupPoll', 'RestoreGroupReady'],
    failed: restoreStatus('create-failed'),
  }),
};

export const restoreVerification: StateMachine = {
  Comment:
    'Lifeline restore verification: restore a managed snapshot into a temporary isolated instance, prove the data with SQL, ' +
    'measure restore time and RPO, and always delete what it created (unless asked to keep it). ' +
    'Input: { target?, snapshotId?, region?, keep?, reason? }.',
  StartAt: 'Plan',
  TimeoutSeconds: 14400,
  States: {
    Plan: {
      ...planJob(),
      ResultSelector: { 'plan.$': '$.Payload' },
      ...retried(60, lambdaRetry()),
      Catch: [ON_VALIDATION_ERROR, catchTo('NotifyFailure')],
      Next: 'ActiveRegion',
    },
    ...activeRegion('RestoreAndVerify'),
    ...validationFailure(),
    RestoreAndVerify: {
      Type: 'Parallel',
      Comment: 'One branch, so any failure inside is caught here and cleanup still runs.',
      Branches: [{ StartAt: 'RestoreKind', States: restoreAndVerify }],
      ResultSelector: { 'value.$': '$[0]' },
      ResultPath: '$.outcome',
      Catch: [catchTo('KeepOrDelete')],
      Next: 'KeepOrDelete',
    },
    KeepOrDelete: choice(
      [
        { Variable: '$.plan.keepMinutes', NumericGreaterThan: 0, Next: 'Report' },
        stringEquals('$.plan.kind', 'elasticache', 'FindRestoreGroup'),
      ],
      'FindRestore',
    ),
    ...cleanUp(
      INSTANCE,
      ['FindRestore', 'DeleteRestore', 'WaitForDeletion', 'DescribeDeletion'],
      sdk('rds:deleteDBInstance', { ...INSTANCE.id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
    ),
    ...cleanUp(
      GROUP,
      ['FindRestoreGroup', 'DeleteRestoreGroup', 'WaitForGroupDeletion', 'DescribeGroupDeletion'],
      sdk('elasticache:deleteReplicationGroup', GROUP.id),
    ),
    Report: {
      ...lambda('${ReportFunction}', '$', 'Records pass or fail; a failed verification fails here, naming its checks.'),
      OutputPath: '$.Payload',
      ...retried(60, lambdaRetry()),
      Catch: [catchTo('NotifyFailure')],
      End: true,
    },
    ...notifyFailure('restore verification', 'VerificationFailed'),
  },
};
