import type { DrTimings } from './dr-runbook';
/**
 * How long things take in the twin. Data, not code: a scenario overrides any
 * entry. Each number names the public source it follows; where AWS publishes
 * no figure, the source says what the figure is an honest reading of.
 */
export interface ProfileEntry {
  readonly seconds: number;
  readonly source: string;
}

export const DEFAULT_LATENCY_PROFILE = {
  apiCall: {
    seconds: 0.1,
    source:
      'Typical control-plane API round trip within a region (~100 ms); AWS publishes no SLA figure, this is the order of magnitude ' +
      'the SDK retry docs assume (docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).',
  },
  ecsTaskStart: {
    seconds: 60,
    source:
      'Fargate task launch (provisioning, image pull, start) is "typically under a minute" for small images; ECS best practices ' +
      'guide, "Speeding up task launch" (docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/task-launch.html).',
  },
  ecsTaskStop: {
    seconds: 30,
    source:
      'The ALB target group deregistration delay this project configures (30 s, cdk/workload/service.ts); ' +
      'ECS waits for it before stopping a task ' +
      '(docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay).',
  },
  rdsSnapshotCreate: {
    seconds: 480,
    source:
      'Manual snapshot of a 50 GiB gp3 instance: the first is a full copy, later ones incremental; RDS User Guide "Creating a DB ' +
      'snapshot" gives no figure, minutes for tens of GiB is the commonly reported order.',
  },
  rdsSnapshotCopyCrossRegion: {
    seconds: 1200,
    source:
      'RDS User Guide "Copying a DB snapshot": cross-region copies of encrypted snapshots are full copies and "can take several ' +
      'hours" for large databases; 20 min for 50 GiB.',
  },
  rdsRestore: {
    seconds: 900,
    source:
      'RDS User Guide "Restoring from a DB snapshot": a new instance is created and data lazily loaded from S3; ~15 min to available ' +
      'for a small instance.',
  },
  rdsPromoteReplica: {
    seconds: 300,
    source: 'RDS User Guide "Promoting a read replica": the replica reboots as a standalone instance, "usually takes a few minutes".',
  },
  rdsCreateReplica: {
    seconds: 1800,
    source:
      'RDS User Guide "Creating a read replica": a snapshot of the source is copied and restored; cross-region replicas take tens of ' +
      'minutes for small databases.',
  },
  rdsDeleteInstance: {
    seconds: 300,
    source:
      'Deleting a DB instance without a final snapshot: status "deleting" for several minutes (RDS User Guide "Deleting a DB instance").',
  },
  rdsModifyInstance: {
    seconds: 60,
    source:
      'A ModifyDBInstance applied immediately without reboot (e.g. deletion protection, backup retention): status "modifying" about ' +
      'a minute.',
  },
  rdsRename: {
    seconds: 600,
    source:
      'ModifyDBInstance with NewDBInstanceIdentifier and ApplyImmediately: status "renaming"; RDS User Guide "Renaming a DB instance" ' +
      '(docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html): the new DNS name "becomes effective in about 10 ' +
      'minutes" and the instance is unavailable until then.',
  },
  rdsReboot: {
    seconds: 60,
    source:
      'The reboot that follows a rename (USER_RenameInstance.html): RebootDBInstance API reference, "a momentary outage, during ' +
      'which the DB instance status is set to rebooting"; AWS gives no figure, a minute is an honest reading of "momentary".',
  },
  rdsLogUploadInterval: {
    seconds: 300,
    source:
      'RDS uploads a DB instance\'s transaction logs to S3 every five minutes, so the latest restorable time is "typically within 5 ' +
      'minutes of the current time" (RDS User Guide "Restoring a DB instance to a specified time", USER_PIT.html): the twin\'s ' +
      'latest restorable time is the newest five-minute upload.',
  },
  rdsBackupReplicationCopy: {
    seconds: 120,
    source:
      'Cross-Region automated backups: RDS "initiates a cross-Region copy of all snapshots and transaction logs as soon as they are ' +
      'ready" (RDS User Guide "Replicating automated backups to another AWS Region"); the copy time of one log is not documented ' +
      "(the guide's example shows the destination's LatestTime about 8.5 min behind the source's; AWS Prescriptive Guidance " +
      '"RDS PITR and snapshots" gives an RPO of 5–30 min): two minutes for a five-minute log is the reading used.',
  },
  rdsRestorePointInTime: {
    seconds: 1200,
    source:
      'RestoreDBInstanceToPointInTime: a new instance from the automated snapshot before the target, then the transaction logs ' +
      'replayed up to it (RDS User Guide "Restoring a DB instance to a specified time"; no figure): a snapshot restore (~15 min) plus ' +
      'five minutes of log replay.',
  },
  rdsReplicaLag: {
    seconds: 5,
    source:
      'Cross-region replica lag in normal operation is seconds (RDS User Guide "Monitoring read replication", ReplicaLag metric); ' +
      '5 s used for the warm standby.',
  },
  elasticacheSnapshotCreate: {
    seconds: 300,
    source:
      'ElastiCache User Guide "Making manual backups": a backup of a small node takes minutes; the primary forks and writes an RDB file.',
  },
  elasticacheSnapshotExport: {
    seconds: 300,
    source: 'ElastiCache User Guide "Exporting a backup" to S3, then an S3 cross-region copy; minutes for a small RDB file.',
  },
  elasticacheCreateFromSnapshot: {
    seconds: 900,
    source: 'ElastiCache User Guide "Restoring from a backup into a new cache": node provisioning plus load; ~15 min for small nodes.',
  },
  elasticacheModifyReplicas: {
    seconds: 600,
    source:
      'IncreaseReplicaCount / DecreaseReplicaCount with ApplyImmediately: nodes are added or removed, ~10 min (ElastiCache User ' +
      'Guide "Increasing the number of replicas in a shard").',
  },
  elasticacheDeleteReplicationGroup: {
    seconds: 300,
    source: 'DeleteReplicationGroup: status "deleting" for several minutes (ElastiCache User Guide "Deleting a cluster").',
  },
  elasticacheGlobalFailover: {
    seconds: 60,
    source:
      'Global Datastore: promoting a secondary cluster takes "less than a minute" (ElastiCache User Guide "Promoting the secondary ' +
      'cluster to primary").',
  },
  route53Propagation: {
    seconds: 60,
    source:
      'Route 53 API Reference, GetChange: changes "generally propagate to all Route 53 name servers within 60 seconds" ' +
      '(PENDING → INSYNC).',
  },
  cloudwatchAlarmPeriod: {
    seconds: 60,
    source:
      'CloudWatch alarms with a period of one minute or longer are "evaluated every minute" (CloudWatch User Guide "Alarm ' +
      'evaluation"); a datapoint counts once its one-minute period has ended. Route 53 alarm-based health checks read the ' +
      'alarm\'s data stream, not its state (Route 53 Developer Guide "How Amazon Route 53 determines whether a health check is ' +
      'healthy"); the delay between the two is not documented, so the twin adds none.',
  },
  dnsAliasTtl: {
    seconds: 60,
    source:
      'An alias record to an AWS resource uses the resource\'s TTL (Route 53 Developer Guide "Choosing between alias and ' +
      'non-alias records"); a load balancer\'s is 60 s (Elastic Load Balancing User Guide "How Elastic Load Balancing works").',
  },
  route53HealthCheckInterval: {
    seconds: 30,
    source:
      'Route 53 health checks: standard request interval 30 s, failure threshold 3 (Route 53 Developer Guide "Values that you ' +
      'specify when you create or update health checks").',
  },
} satisfies Record<string, ProfileEntry>;

export type LatencyProfile = { -readonly [K in keyof typeof DEFAULT_LATENCY_PROFILE]: ProfileEntry };
export type LatencyKey = keyof LatencyProfile;

/** The default profile with a scenario's overrides (seconds only: the source stays with the default). */
export function profileWith(overrides: Partial<Record<LatencyKey, number>> = {}): LatencyProfile {
  const profile: LatencyProfile = { ...DEFAULT_LATENCY_PROFILE };
  for (const [key, seconds] of Object.entries(overrides) as [LatencyKey, number][]) {
    if (!(key in profile)) throw new Error(`Unknown latency profile entry "${key}" (known: ${Object.keys(profile).join(', ')})`);
    profile[key] = {
      seconds,
      source: `scenario override (default ${DEFAULT_LATENCY_PROFILE[key].seconds} s: ${DEFAULT_LATENCY_PROFILE[key].source})`,
    };
  }
  return profile;
}

/** What the DR runbooks' plan expects each operation to take, from a profile. */
export function drTimingsFrom(profile: LatencyProfile = DEFAULT_LATENCY_PROFILE): DrTimings {
  return {
    apiCall: profile.apiCall.seconds,
    promoteReplica: profile.rdsPromoteReplica.seconds,
    restoreInstance: profile.rdsRestore.seconds,
    restorePointInTime: profile.rdsRestorePointInTime.seconds,
    createReplica: profile.rdsCreateReplica.seconds,
    modifyInstance: profile.rdsModifyInstance.seconds,
    renameInstance: profile.rdsRename.seconds + profile.rdsReboot.seconds,
    replicaLag: profile.rdsReplicaLag.seconds,
    cacheGlobalFailover: profile.elasticacheGlobalFailover.seconds,
    cacheCreate: profile.elasticacheCreateFromSnapshot.seconds,
    taskStart: profile.ecsTaskStart.seconds,
    taskStop: profile.ecsTaskStop.seconds,
    alarmPeriod: profile.cloudwatchAlarmPeriod.seconds,
    dnsTtl: profile.dnsAliasTtl.seconds,
  };
}
