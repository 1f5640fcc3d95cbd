import { choice, lambda, sdk, stringEquals, type JsonObject, type State, type StateMachine, type States } from './asl';
import { effect, lambdaRetry, PAYLOAD_VALUE, retried, retry, serviceRetry, statusPoll, tolerate } from './fragments';

/** What differs between snapshotting a database and a cache. */
interface SnapshotKind {
  name: 'Db' | 'Cache';
  retrier: JsonObject;
  create: State;
  /** The source is busy (a backup window, a modification): wait for it rather than fail. */
  busy: string;
  /** The snapshot exists already (a retried call, or a re-run of the same item): await it like a new one. */
  exists: string;
  /** The status call, answering { status, createdAt }. */
  describe: State;
}
const DB: SnapshotKind = {
  name: 'Db',
  retrier: serviceRetry('Rds.RdsException', 120),
  create: sdk('rds:createDBSnapshot', {
    'DbInstanceIdentifier.$': '$.item.identifier',
    'DbSnapshotIdentifier.$': '$.item.snapshotId',
    'Tags.$': '$.item.tags',
  }),
  busy: 'Rds.InvalidDbInstanceStateException',
  exists: 'Rds.DbSnapshotAlreadyExistsException',
  describe: {
    ...sdk('rds:describeDBSnapshots', { 'DbSnapshotIdentifier.$': '$.item.snapshotId' }),
    ResultSelector: {
      'status.$': '$.DbSnapshots[0].Status',
      'createdAt.$': '$.DbSnapshots[0].SnapshotCreateTime',
      'sizeGiB.$': '$.DbSnapshots[0].AllocatedStorage',
    },
  },
};
const CACHE: SnapshotKind = {
  name: 'Cache',
  retrier: serviceRetry('ElastiCache.ElastiCacheException', 120),
  create: sdk('elasticache:createSnapshot', {
    'ReplicationGroupId.$': '$.item.identifier',
    'SnapshotName.$': '$.item.snapshotId',
    'Tags.$': '$.item.tags',
  }),
  busy: 'ElastiCache.InvalidReplicationGroupStateException',
  exists: 'ElastiCache.SnapshotAlreadyExistsException',
  describe: {
    ...sdk('elasticache:describeSnapshots', { 'SnapshotName.$': '$.item.snapshotId' }),
    ResultSelector: { 'status.$': '$.Snapshots[0].SnapshotStatus', 'createdAt.$': '$.Snapshots[0].NodeSnapshots[0].SnapshotCreateTime' },
  },
};

/** Create<Kind>Snapshot, then WaitFor-, Describe-, <Kind>SnapshotReady and Poll<Kind>Snapshot until a choice leaves. */
function snapshot({ name, retrier, create, busy, exists, describe }: SnapshotKind, choices: JsonObject[]): States {
  const first = `WaitFor${name}Snapshot`;
  const waitForBusy = retry([busy], { interval: 60, attempts: 5, rate: 1.5 });
  return {
    [`Create${name}Snapshot`]: effect(create, [retrier, waitForBusy], [tolerate(exists, first)], first),
    ...statusPoll({
      names: [first, `Describe${name}Snapshot`, `${name}SnapshotReady`, `Poll${name}Snapshot`],
      seconds: ['$.item.firstWaitSeconds', '$.item.pollSeconds'],
      check: { ...describe, ResultPath: '$.snapshot', ...retried(60, retrier) },
      choices,
    }),
  };
}

/** A function's answer is kept under `value` at resultPath, beside the item the next states still need. */
const invoke = (functionName: string, payload: string | JsonObject, resultPath: string) => ({
  ...lambda(functionName, payload),
  ...retried(300, lambdaRetry()),
  ResultSelector: PAYLOAD_VALUE,
  ResultPath: resultPath,
});
const measure = invoke(
  '${RecoveryPointFunction}',
  { 'item.$': '$.item', 'snapshotCreatedAt.$': '$.snapshot.createdAt' },
  '$.recoveryPoint',
);
const copyToDr = invoke('${CopyToDrFunction}', '$.item', '$.copy');
const exportCacheSnapshot = sdk(
  'elasticache:copySnapshot',
  { 'SourceSnapshotName.$': '$.item.snapshotId', 'TargetSnapshotName.$': '$.item.snapshotId', 'TargetBucket.$': '$.item.sourceBucket' },
  "ElastiCache cannot copy a snapshot across regions: export it to this region's bucket, then copy the object.",
);
const recordManifest = lambda('${RecordFunction}', {
  'item.$': '$.item',
  'snapshot.$': '$.snapshot',
  'copy.$': '$.copy.value',
  'recoveryPoint.$': '$.recoveryPoint.value',
  'prune.$': '$.prune.value',
});
const snapshotStatus = (value: string, next?: string) => stringEquals('$.snapshot.status', value, next);
const copyStatus = (value: string, next?: string) => stringEquals('$.copyStatus.value.status', value, next);

export const backupTarget: StateMachine = {
  Comment:
    'Lifeline backup of one target (started by backup.asl.json, one execution per target so each keeps its own history): ' +
    'snapshot, wait, copy to the DR region, prune, record the manifest. Input: { item }.',
  StartAt: 'TargetKind',
  TimeoutSeconds: 43200,
  States: {
    TargetKind: choice([stringEquals('$.item.kind', 'rds', 'CreateDbSnapshot')], 'CreateCacheSnapshot'),
    ...snapshot(DB, [snapshotStatus('available', 'MeasureRecoveryPoint'), snapshotStatus('failed', 'SnapshotFailed')]),
    MeasureRecoveryPoint: { ...measure, Next: 'CopyDbSnapshotToDr' },
    CopyDbSnapshotToDr: { ...copyToDr, Next: 'WaitForDbCopy' },
    ...statusPoll({
      names: ['WaitForDbCopy', 'DbCopyStatus', 'DbCopyReady', 'PollDbCopy'],
      seconds: ['$.item.copyFirstWaitSeconds', '$.item.copyPollSeconds'],
      check: invoke('${CopyStatusFunction}', '$.item', '$.copyStatus'),
      choices: [copyStatus('available', 'PruneTarget'), { Or: [copyStatus('failed'), copyStatus('missing')], Next: 'CopyFailed' }],
    }),
    ...snapshot(CACHE, [
      { And: [snapshotStatus('available'), { Variable: '$.exported', IsPresent: true }], Next: 'CopyCacheExportToDr' },
      snapshotStatus('available', 'ExportCacheSnapshot'),
      snapshotStatus('failed', 'SnapshotFailed'),
    ]),
    ExportCacheSnapshot: {
      ...exportCacheSnapshot,
      ResultSelector: { 'at.$': '$.Snapshot.SnapshotName' },
      ResultPath: '$.exported',
      ...retried(60, CACHE.retrier),
      Next: 'PollCacheSnapshot',
    },
    CopyCacheExportToDr: { ...copyToDr, Next: 'MeasureCacheKeys' },
    MeasureCacheKeys: {
      ...measure,
      Next: 'PruneTarget',
      Comment: 'A cache holds no heartbeat: record its key count for restore verification.',
    },
    PruneTarget: { ...invoke('${PruneFunction}', '$.item', '$.prune'), Next: 'RecordManifest' },
    RecordManifest: { ...recordManifest, ...retried(300, lambdaRetry()), OutputPath: '$.Payload', End: true },
    SnapshotFailed: { Type: 'Fail', Error: 'SnapshotFailed', Cause: 'The snapshot ended in status failed' },
    CopyFailed: { Type: 'Fail', Error: 'CopyFailed', Cause: 'The cross-region copy ended failed or disappeared' },
  },
};
