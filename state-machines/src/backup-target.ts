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
  /** The status call: its answer's snapshot object is kept whole under $.described.snapshot. */
  describe: State;
  /** Where that object holds its status. */
  status: string;
  /** What the manifest keeps once the snapshot is available: { status, createdAt, sizeGiB? }, from $.described.snapshot. */
  taken: JsonObject;
}

/**
 * A poll reads only what every status has: AWS leaves a snapshot's creation
 * time out until it is available (boto/boto3#952, awslabs/rds-snapshot-tool#45;
 * ElastiCache's node times likewise, SDK CreateSnapshotCommand examples), and
 * a path to a missing member is a States.Runtime error no Retry or Catch
 * handles. So the poll keeps the snapshot object whole, the choice reads its
 * status, and the times are read once it is available.
 */
const DESCRIBED = '$.described.snapshot';
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
    ResultSelector: { 'snapshot.$': '$.DbSnapshots[0]' },
  },
  status: `${DESCRIBED}.Status`,
  taken: {
    'status.$': `${DESCRIBED}.Status`,
    'createdAt.$': `${DESCRIBED}.SnapshotCreateTime`,
    'sizeGiB.$': `${DESCRIBED}.AllocatedStorage`,
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
    ResultSelector: { 'snapshot.$': '$.Snapshots[0]' },
  },
  status: `${DESCRIBED}.SnapshotStatus`,
  taken: { 'status.$': `${DESCRIBED}.SnapshotStatus`, 'createdAt.$': `${DESCRIBED}.NodeSnapshots[0].SnapshotCreateTime` },
};

/**
 * Create<Kind>Snapshot, then WaitFor-, Describe-, <Kind>SnapshotReady and Poll<Kind>Snapshot until it is available
 * (<Kind>SnapshotTaken keeps its times under $.snapshot and goes on to `next`) or failed.
 */
function snapshot({ name, retrier, create, busy, exists, describe, status, taken }: SnapshotKind, next: string): States {
  const first = `WaitFor${name}Snapshot`;
  const waitForBusy = retry([busy], { interval: 60, attempts: 5, rate: 1.5 });
  return {
    [`Create${name}Snapshot`]: effect(create, [retrier, waitForBusy], [tolerate(exists, first)], first),
    ...statusPoll({
      names: [first, `Describe${name}Snapshot`, `${name}SnapshotReady`, `Poll${name}Snapshot`],
      seconds: ['$.item.firstWaitSeconds', '$.item.pollSeconds'],
      check: { ...describe, ResultPath: '$.described', ...retried(60, retrier) },
      choices: [stringEquals(status, 'available', `${name}SnapshotTaken`), stringEquals(status, 'failed', 'SnapshotFailed')],
    }),
    [`${name}SnapshotTaken`]: { Type: 'Pass', Parameters: taken, ResultPath: '$.snapshot', Next: next },
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
  "ElastiCache cannot copy a snapshot across regions: export it to this region's bucket, then copy the object. " +
    'No snapshot status shows an export: CopyCacheExportToDr answers pending until the RDB object is in the bucket.',
);
const recordManifest = lambda('${RecordFunction}', {
  'item.$': '$.item',
  'snapshot.$': '$.snapshot',
  'copy.$': '$.copy.value',
  'recoveryPoint.$': '$.recoveryPoint.value',
  'prune.$': '$.prune.value',
});
const copyStatus = (value: string, next?: string) => stringEquals('$.copyStatus.value.status', value, next);
const copyStarted = (value: string, next: string) => stringEquals('$.copy.value.status', value, next);

export const backupTarget: StateMachine = {
  Comment:
    'Lifeline backup of one target (started by backup.asl.json, one execution per target so each keeps its own history): ' +
    'snapshot, wait, copy to the DR region, prune, record the manifest. Input: { item }.',
  StartAt: 'TargetKind',
  TimeoutSeconds: 43200,
  States: {
    TargetKind: choice([stringEquals('$.item.kind', 'rds', 'CreateDbSnapshot')], 'CreateCacheSnapshot'),
    ...snapshot(DB, 'MeasureRecoveryPoint'),
    MeasureRecoveryPoint: { ...measure, Next: 'CopyDbSnapshotToDr' },
    CopyDbSnapshotToDr: { ...copyToDr, Next: 'DbCopyStarted' },
    DbCopyStarted: {
      ...choice([copyStarted('deferred', 'PruneTarget')], 'WaitForDbCopy'),
      Comment: 'The other region did not answer (an outage): the copy is pending, recorded so, and made by a later run.',
    },
    ...statusPoll({
      names: ['WaitForDbCopy', 'DbCopyStatus', 'DbCopyReady', 'PollDbCopy'],
      seconds: ['$.item.copyFirstWaitSeconds', '$.item.copyPollSeconds'],
      check: invoke('${CopyStatusFunction}', '$.item', '$.copyStatus'),
      choices: [copyStatus('available', 'PruneTarget'), { Or: [copyStatus('failed'), copyStatus('missing')], Next: 'CopyFailed' }],
    }),
    ...snapshot(CACHE, 'ExportCacheSnapshot'),
    ExportCacheSnapshot: { ...exportCacheSnapshot, ResultPath: null, ...retried(60, CACHE.retrier), Next: 'WaitForCacheExport' },
    ...statusPoll({
      names: ['WaitForCacheExport', 'CopyCacheExportToDr', 'CacheExportCopied', 'PollCacheExport'],
      seconds: ['$.item.firstWaitSeconds', '$.item.pollSeconds'],
      check: copyToDr,
      choices: [
        stringEquals('$.copy.value.status', 'available', 'MeasureCacheKeys'),
        stringEquals('$.copy.value.status', 'deferred', 'MeasureCacheKeys'),
      ],
    }),
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
