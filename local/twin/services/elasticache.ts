import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalBoolean, optionalNumber, optionalString, requireString, StatusTimeline, type Tag, tagsOf } from '../util';
import { RespEndpoint } from '../resp-server';
import { CACHE_GROUP_ID, identifierProblem } from '../identifier-rules';
import { omitByStatus } from '../state-omissions';
import type { S3Twin } from './s3';

type GroupStatus = 'creating' | 'available' | 'modifying' | 'deleting' | 'deleted' | 'snapshotting';
/**
 * SDK models_0.d.ts, `Snapshot.SnapshotStatus`: creating | available | restoring | copying | deleting. An export to
 * S3 has no status of its own: it shows as the RDB object appearing in the bucket.
 */
type SnapshotStatus = 'creating' | 'available' | 'restoring' | 'copying' | 'deleting';

/**
 * What an export needs the bucket to grant the `<region>.elasticache-snapshot.amazonaws.com` principal (ElastiCache
 * guide, "Exporting a backup": the policy's six actions), grouped by the permission its refusal message names
 * ("ElastiCache has not been granted READ | WRITE | READ_ACP permissions %s on the S3 Bucket."). Which message
 * names the multipart actions is not documented: WRITE, as they serve writing.
 */
const EXPORT_GRANTS: readonly (readonly [permission: string, actions: readonly string[]])[] = [
  ['READ', ['s3:GetObject', 's3:ListBucket']],
  ['WRITE', ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads']],
  ['READ_ACP', ['s3:GetBucketAcl']],
];
/** What seeding a group from an RDB file needs (ElastiCache guide, "Seeding a new node-based cluster…"). */
const SEED_GRANTS = ['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'];
/** Bucket-level S3 actions are checked on the bucket's ARN, the others on the object's. */
const BUCKET_ACTIONS = new Set(['s3:ListBucket', 's3:GetBucketAcl', 's3:ListBucketMultipartUploads']);
const s3ResourceOf = (action: string, bucket: string, key: string) =>
  BUCKET_ACTIONS.has(action) ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
/**
 * The size of the twin's stand-in RDB file: about 1 KB per key, the figure the snapshots' CacheSize renders
 * (keys / 1000 MB). A test sizes an export by the keys it seeds; nothing is allocated.
 */
export const RDB_BYTES_PER_KEY = 1000;

export interface ReplicationGroup {
  readonly id: string;
  readonly region: string;
  readonly arn: string;
  readonly status: StatusTimeline<GroupStatus>;
  replicas: number;
  /** Multi-AZ with automatic failover (one setting here, as the product and the console pair them). */
  readonly multiAz: boolean;
  readonly engine: string;
  readonly nodeType: string;
  /** The simulated dataset: how many keys it holds. */
  keyCount: number;
  readonly createdAt: number;
  tags: Tag[];
}

export interface CacheSnapshot {
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  readonly groupId: string;
  readonly status: StatusTimeline<SnapshotStatus>;
  readonly createdAt: number;
  readonly keyCount: number;
  readonly nodeType: string;
  readonly engine: string;
  tags: Tag[];
}

export interface GlobalDatastore {
  readonly id: string;
  members: { region: string; groupId: string; role: 'PRIMARY' | 'SECONDARY' }[];
  status: StatusTimeline<'available' | 'modifying'>;
}

/**
 * ElastiCache (Valkey / Redis OSS). The data is simulated as a key count
 * (no Redis server runs): snapshots capture it, exports write it to S3 as an
 * RDB stand-in, and groups created from a snapshot or RDB start with it.
 */
export class ElastiCacheTwin implements TwinService {
  readonly name = 'elasticache' as const;
  readonly groups = new Map<string, Map<string, ReplicationGroup>>();
  readonly snapshots = new Map<string, Map<string, CacheSnapshot>>();
  readonly globals = new Map<string, GlobalDatastore>();
  /** A loopback Redis-protocol endpoint per group, answering from its simulated key count. */
  private readonly endpoints = new Map<string, RespEndpoint>();
  readonly actions;

  constructor(
    private readonly core: AwsCore,
    private readonly s3: S3Twin,
  ) {
    this.actions = {
      DescribeReplicationGroups: (region: string, input: Input) => this.describeGroups(region, input),
      CreateSnapshot: (region: string, input: Input) => this.createSnapshot(region, input),
      DescribeSnapshots: (region: string, input: Input) => this.describeSnapshots(region, input),
      CopySnapshot: (region: string, input: Input) => this.copySnapshot(region, input),
      DeleteSnapshot: (region: string, input: Input) => this.deleteSnapshot(region, input),
      CreateReplicationGroup: (region: string, input: Input) => this.createGroup(region, input),
      DeleteReplicationGroup: (region: string, input: Input) => this.deleteGroup(region, input),
      IncreaseReplicaCount: (region: string, input: Input) => this.changeReplicas(region, input, 'IncreaseReplicaCount'),
      DecreaseReplicaCount: (region: string, input: Input) => this.changeReplicas(region, input, 'DecreaseReplicaCount'),
      DescribeGlobalReplicationGroups: (region: string, input: Input) => this.describeGlobals(region, input),
      FailoverGlobalReplicationGroup: (region: string, input: Input) => this.failoverGlobal(region, input),
      ListTagsForResource: (region: string, input: Input) => this.listTags(region, input),
    };
  }

  private now(): number {
    return this.core.clock.now();
  }

  private groupsIn(region: string): Map<string, ReplicationGroup> {
    let map = this.groups.get(region);
    if (!map) this.groups.set(region, (map = new Map()));
    return map;
  }

  private snapshotsIn(region: string): Map<string, CacheSnapshot> {
    let map = this.snapshots.get(region);
    if (!map) this.snapshots.set(region, (map = new Map()));
    return map;
  }

  private async openEndpoint(group: ReplicationGroup): Promise<void> {
    const endpoint = new RespEndpoint(() => group.keyCount);
    await this.core.clock.track(endpoint.start());
    this.endpoints.set(group.arn, endpoint);
  }

  async stopEndpoints(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((e) => e.stop()));
    this.endpoints.clear();
  }

  async seedGroupWithEndpoint(
    region: string,
    props: { id: string; engine: string; nodeType: string; replicas: number; keyCount: number },
  ): Promise<ReplicationGroup> {
    const group = this.seedGroup(region, props);
    await this.openEndpoint(group);
    return group;
  }

  seedGroup(
    region: string,
    props: { id: string; engine: string; nodeType: string; replicas: number; keyCount: number; multiAz?: boolean },
  ): ReplicationGroup {
    const group: ReplicationGroup = {
      ...props,
      multiAz: props.multiAz ?? props.replicas > 0,
      region,
      arn: this.core.arn('elasticache', region, `replicationgroup:${props.id}`),
      status: new StatusTimeline<GroupStatus>('available', this.now()),
      createdAt: this.now(),
      tags: [],
    };
    this.groupsIn(region).set(props.id, group);
    return group;
  }

  seedGlobal(id: string, members: GlobalDatastore['members']): GlobalDatastore {
    const global: GlobalDatastore = { id, members, status: new StatusTimeline<'available' | 'modifying'>('available', this.now()) };
    this.globals.set(id, global);
    return global;
  }

  group(region: string, id: string): ReplicationGroup {
    const found = this.groupsIn(region).get(id);
    if (!found || found.status.at(this.now()) === 'deleted')
      throw serviceError('elasticache', 'ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`);
    return found;
  }

  snapshot(region: string, name: string): CacheSnapshot {
    const found = this.snapshotsIn(region).get(name);
    if (!found) throw serviceError('elasticache', 'SnapshotNotFoundFault', `Snapshot ${name} not found.`);
    return found;
  }

  private renderGroup(group: ReplicationGroup): object {
    const status = group.status.at(this.now());
    const members = Array.from({ length: group.replicas + 1 }, (_, i) => `${group.id}-00${i + 1}`);
    const global = [...this.globals.values()].find((g) => g.members.some((m) => m.region === group.region && m.groupId === group.id));
    return {
      ReplicationGroupId: group.id,
      ARN: group.arn,
      Status: status,
      Engine: group.engine,
      CacheNodeType: group.nodeType,
      MemberClusters: members,
      NodeGroups: [
        {
          NodeGroupId: '0001',
          Status: status,
          // The twin's loopback Redis-protocol endpoint of this group (port 6379 in AWS).
          PrimaryEndpoint: { Address: '127.0.0.1', Port: this.endpoints.get(group.arn)?.port ?? 6379 },
          NodeGroupMembers: members.map((m, i) => ({ CacheClusterId: m, CurrentRole: i === 0 ? 'primary' : 'replica' })),
        },
      ],
      MultiAZ: group.multiAz ? 'enabled' : 'disabled',
      AutomaticFailover: group.multiAz ? 'enabled' : 'disabled',
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
      AuthTokenEnabled: true,
      GlobalReplicationGroupInfo: global
        ? {
            GlobalReplicationGroupId: global.id,
            GlobalReplicationGroupMemberRole: global.members.find((m) => m.groupId === group.id)?.role,
          }
        : undefined,
    };
  }

  private renderSnapshot(snapshot: CacheSnapshot): object {
    const status = snapshot.status.at(this.now());
    return omitByStatus('elasticache', 'Snapshot', status, {
      SnapshotName: snapshot.name,
      ARN: snapshot.arn,
      ReplicationGroupId: snapshot.groupId,
      SnapshotStatus: status,
      SnapshotSource: 'manual',
      CacheNodeType: snapshot.nodeType,
      Engine: snapshot.engine,
      NodeSnapshots: [
        {
          CacheClusterId: `${snapshot.groupId}-001`,
          SnapshotCreateTime: new Date(snapshot.createdAt),
          // Empty while creating (SDK CreateSnapshotCommand.d.ts examples: CacheSize "").
          CacheSize: status === 'creating' ? '' : `${Math.max(1, Math.round(snapshot.keyCount / 1000))} MB`,
        },
      ],
    });
  }

  async describeGroups(region: string, input: Input): Promise<object> {
    const id = optionalString(input, 'ReplicationGroupId');
    const list = id ? [this.group(region, id)] : [...this.groupsIn(region).values()].filter((g) => g.status.at(this.now()) !== 'deleted');
    return { ReplicationGroups: list.map((g) => this.renderGroup(g)) };
  }

  async createSnapshot(region: string, input: Input): Promise<object> {
    const groupId = requireString('elasticache', input, 'ReplicationGroupId');
    const name = requireString('elasticache', input, 'SnapshotName');
    const group = this.group(region, groupId);
    if (this.snapshotsIn(region).has(name))
      throw serviceError('elasticache', 'SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`);
    const status = group.status.at(this.now());
    if (status !== 'available')
      throw serviceError('elasticache', 'InvalidReplicationGroupStateFault', `Replication group ${groupId} is ${status}.`);
    const snapshot: CacheSnapshot = {
      name,
      region,
      arn: this.core.arn('elasticache', region, `snapshot:${name}`),
      groupId,
      status: new StatusTimeline<SnapshotStatus>('creating', this.now()).then('available', this.core.after('elasticacheSnapshotCreate')),
      createdAt: this.now(),
      keyCount: group.keyCount,
      nodeType: group.nodeType,
      engine: group.engine,
      tags: tagsOf(input.Tags),
    };
    this.snapshotsIn(region).set(name, snapshot);
    this.core.mutate(region, 'elasticache', 'CreateSnapshot', 'create', snapshot.arn);
    return { Snapshot: this.renderSnapshot(snapshot) };
  }

  async describeSnapshots(region: string, input: Input): Promise<object> {
    const name = optionalString(input, 'SnapshotName');
    const groupId = optionalString(input, 'ReplicationGroupId');
    const list = name
      ? [this.snapshot(region, name)]
      : [...this.snapshotsIn(region).values()].filter((s) => !groupId || s.groupId === groupId);
    return { Snapshots: list.map((s) => this.renderSnapshot(s)) };
  }

  /** Same-region copy, or an export to an S3 bucket of this region (ElastiCache cannot copy across regions). */
  async copySnapshot(region: string, input: Input): Promise<object> {
    const source = this.snapshot(region, requireString('elasticache', input, 'SourceSnapshotName'));
    const target = requireString('elasticache', input, 'TargetSnapshotName');
    if (source.status.at(this.now()) !== 'available')
      throw serviceError('elasticache', 'InvalidSnapshotStateFault', `Snapshot ${source.name} is not available.`);
    const bucket = optionalString(input, 'TargetBucket');
    if (bucket) return this.exportSnapshot(region, source, target, bucket);
    if (this.snapshotsIn(region).has(target))
      throw serviceError('elasticache', 'SnapshotAlreadyExistsFault', `Snapshot ${target} already exists.`);
    const copy: CacheSnapshot = {
      ...source,
      name: target,
      arn: this.core.arn('elasticache', region, `snapshot:${target}`),
      status: new StatusTimeline<SnapshotStatus>('copying', this.now()).then(
        'available',
        this.core.after('elasticacheSnapshotCreate', 0.25),
      ),
      tags: tagsOf(input.Tags),
    };
    this.snapshotsIn(region).set(target, copy);
    this.core.mutate(region, 'elasticache', 'CopySnapshot', 'create', copy.arn);
    return { Snapshot: this.renderSnapshot(copy) };
  }

  /**
   * CopySnapshot with TargetBucket: ElastiCache writes the snapshot as
   * `<TargetSnapshotName>-0001.rdb` (one object per shard; these groups have
   * one) into the bucket, which must be in the snapshot's region and grant
   * the region's `elasticache-snapshot` service principal the export
   * actions (ElastiCache guide, "Exporting a backup",
   * docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-exporting.html).
   * The guide documents the messages of each refusal but not the error code;
   * the SDK models InvalidParameterValueException for CopySnapshot, so that
   * is the one used (research-13 §4). No snapshot status reports progress:
   * the object appears when the export is done, after the export duration.
   */
  private exportSnapshot(region: string, source: CacheSnapshot, target: string, bucket: string): object {
    const refuse = (message: string) => serviceError('elasticache', 'InvalidParameterValueException', message);
    const bucketRegion = this.s3.bucketRegion(bucket);
    if (!bucketRegion) throw refuse(`The S3 bucket ${bucket} does not exist.`);
    if (bucketRegion !== region) throw refuse(`The S3 bucket ${bucket} is outside of the region.`);
    const key = `${target}-0001.rdb`;
    const principal = `${region}.elasticache-snapshot.amazonaws.com`;
    for (const [permission, actions] of EXPORT_GRANTS) {
      const missing = actions.find((action) => !this.s3.servicePrincipalMay(bucket, principal, action, s3ResourceOf(action, bucket, key)));
      if (missing) throw refuse(`ElastiCache has not been granted ${permission} permissions ${missing} on the S3 Bucket.`);
    }
    if (this.s3.hasObject(bucket, key)) throw refuse(`The S3 bucket ${bucket} already contains an object with key ${key}.`);
    this.s3.putInternal(
      bucket,
      key,
      JSON.stringify({
        format: 'lifeline-twin-rdb',
        keyCount: source.keyCount,
        engine: source.engine,
        createdAt: new Date(source.createdAt).toISOString(),
      }),
      this.core.after('elasticacheSnapshotExport'),
      source.keyCount * RDB_BYTES_PER_KEY,
    );
    this.core.mutate(region, 'elasticache', 'CopySnapshot', 'create', `arn:aws:s3:::${bucket}/${key}`);
    return { Snapshot: this.renderSnapshot(source) };
  }

  /**
   * The key count of an RDB file a new group is seeded from (SnapshotArns).
   * ElastiCache reads it as the region's `elasticache-snapshot` service
   * principal, which needs s3:GetObject, s3:ListBucket and s3:GetBucketAcl
   * (ElastiCache guide, "Seeding a new node-based cluster with an externally
   * created backup", backups-seeding-redis.html; the IAM API permissions
   * reference asks s3:GetObject on each SnapshotArns member). The refusal's
   * code is not documented: InvalidParameterValueException, as for exports.
   */
  private rdbKeyCount(region: string, arn: string): number {
    const refuse = (message: string) => serviceError('elasticache', 'InvalidParameterValueException', message);
    const match = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(arn);
    if (!match) throw refuse(`Invalid S3 object ARN ${arn}.`);
    const [, bucket, key] = match;
    if (!this.s3.bucketRegion(bucket)) throw refuse(`The S3 bucket ${bucket} does not exist.`);
    const principal = `${region}.elasticache-snapshot.amazonaws.com`;
    const missing = SEED_GRANTS.find(
      (action) => !this.s3.servicePrincipalMay(bucket, principal, action, s3ResourceOf(action, bucket, key)),
    );
    if (missing) throw refuse(`ElastiCache has not been granted READ permissions ${missing} on the S3 Bucket.`);
    const body = this.s3.getInternal(bucket, key);
    if (!body) throw refuse(`No RDB file at ${arn}`);
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && 'keyCount' in parsed && typeof parsed.keyCount === 'number'
      ? parsed.keyCount
      : 0;
  }

  async deleteSnapshot(region: string, input: Input): Promise<object> {
    const snapshot = this.snapshot(region, requireString('elasticache', input, 'SnapshotName'));
    const status = snapshot.status.at(this.now());
    if (status !== 'available') throw serviceError('elasticache', 'InvalidSnapshotStateFault', `Snapshot ${snapshot.name} is ${status}.`);
    this.snapshotsIn(region).delete(snapshot.name);
    this.core.mutate(region, 'elasticache', 'DeleteSnapshot', 'delete', snapshot.arn);
    return { Snapshot: { ...this.renderSnapshot(snapshot), SnapshotStatus: 'deleting' } };
  }

  async createGroup(region: string, input: Input): Promise<object> {
    const id = requireString('elasticache', input, 'ReplicationGroupId');
    const badId = identifierProblem(CACHE_GROUP_ID, id);
    if (badId) throw serviceError('elasticache', 'InvalidParameterValueException', badId);
    requireString('elasticache', input, 'ReplicationGroupDescription');
    const replicas = optionalNumber(input, 'ReplicasPerNodeGroup') ?? 1;
    const multiAz = optionalBoolean(input, 'AutomaticFailoverEnabled') ?? optionalBoolean(input, 'MultiAZEnabled') ?? false;
    // The wire error of hashicorp/terraform#25077: InvalidParameterCombination, modeled for CreateReplicationGroup.
    if (multiAz && replicas < 1)
      throw serviceError(
        'elasticache',
        'InvalidParameterCombinationException',
        'When using automatic failover, there must be at least 2 cache clusters in the replication group.',
      );
    const existing = this.groupsIn(region).get(id);
    if (existing && existing.status.at(this.now()) !== 'deleted')
      throw serviceError('elasticache', 'ReplicationGroupAlreadyExistsFault', `Replication group ${id} already exists.`);
    let keyCount = 0;
    const snapshotName = optionalString(input, 'SnapshotName');
    const rdbArns = Array.isArray(input.SnapshotArns) ? input.SnapshotArns.map(String) : [];
    if (snapshotName) {
      const snapshot = this.snapshot(region, snapshotName);
      if (snapshot.status.at(this.now()) !== 'available')
        throw serviceError('elasticache', 'InvalidSnapshotStateFault', `Snapshot ${snapshotName} is not available.`);
      keyCount = snapshot.keyCount;
    } else if (rdbArns.length) {
      for (const arn of rdbArns) keyCount += this.rdbKeyCount(region, arn);
    }
    const group: ReplicationGroup = {
      id,
      region,
      arn: this.core.arn('elasticache', region, `replicationgroup:${id}`),
      status: new StatusTimeline<GroupStatus>('creating', this.now()).then('available', this.core.after('elasticacheCreateFromSnapshot')),
      replicas,
      multiAz,
      engine: optionalString(input, 'Engine') ?? 'valkey',
      nodeType: optionalString(input, 'CacheNodeType') ?? 'cache.t4g.small',
      keyCount,
      createdAt: this.now(),
      tags: tagsOf(input.Tags),
    };
    this.groupsIn(region).set(id, group);
    await this.openEndpoint(group);
    this.core.mutate(region, 'elasticache', 'CreateReplicationGroup', 'create', group.arn);
    return { ReplicationGroup: this.renderGroup(group) };
  }

  async deleteGroup(region: string, input: Input): Promise<object> {
    const group = this.group(region, requireString('elasticache', input, 'ReplicationGroupId'));
    const status = group.status.at(this.now());
    if (status === 'deleting' || status === 'creating' || status === 'modifying')
      throw serviceError('elasticache', 'InvalidReplicationGroupStateFault', `Replication group ${group.id} is ${status}.`);
    group.status.reset('deleting', this.now()).then('deleted', this.core.after('elasticacheDeleteReplicationGroup'));
    this.core.mutate(region, 'elasticache', 'DeleteReplicationGroup', 'delete', group.arn);
    return { ReplicationGroup: this.renderGroup(group) };
  }

  async changeReplicas(region: string, input: Input, action: 'IncreaseReplicaCount' | 'DecreaseReplicaCount'): Promise<object> {
    const group = this.group(region, requireString('elasticache', input, 'ReplicationGroupId'));
    const count = optionalNumber(input, 'NewReplicaCount');
    if (count === undefined || count < 0 || count > 5)
      throw serviceError('elasticache', 'InvalidParameterValueException', 'NewReplicaCount must be between 0 and 5.');
    if (action === 'IncreaseReplicaCount' ? count <= group.replicas : count >= group.replicas) {
      throw serviceError(
        'elasticache',
        'InvalidParameterValueException',
        `NewReplicaCount ${count} does not ${action === 'IncreaseReplicaCount' ? 'increase' : 'decrease'} the current ${group.replicas}.`,
      );
    }
    // Multi-AZ keeps a replica: SDK DecreaseReplicaCountMessage.NewReplicaCount ("If Multi-AZ is enabled: 1"); the wire error
    // "InvalidParameterValue: Must have at least 1 replica when cluster mode is disabled with auto failover enabled." is
    // hashicorp/terraform-provider-aws#24244's, and InvalidParameterValueException is modeled for DecreaseReplicaCount.
    if (action === 'DecreaseReplicaCount' && group.multiAz && count < 1)
      throw serviceError(
        'elasticache',
        'InvalidParameterValueException',
        'Must have at least 1 replica when cluster mode is disabled with auto failover enabled.',
      );
    const status = group.status.at(this.now());
    if (status !== 'available')
      throw serviceError('elasticache', 'InvalidReplicationGroupStateFault', `Replication group ${group.id} is ${status}.`);
    group.replicas = count;
    group.status.reset('modifying', this.now()).then('available', this.core.after('elasticacheModifyReplicas'));
    this.core.mutate(region, 'elasticache', action, 'modify', group.arn);
    return { ReplicationGroup: this.renderGroup(group) };
  }

  async listTags(region: string, input: Input): Promise<object> {
    const arn = requireString('elasticache', input, 'ResourceName');
    const match = /^arn:aws:elasticache:([a-z0-9-]+):\d+:(snapshot|replicationgroup):(.+)$/.exec(arn);
    if (!match || match[1] !== region) throw serviceError('elasticache', 'InvalidARNFault', `Invalid ARN ${arn}`);
    const resource = match[2] === 'snapshot' ? this.snapshot(region, match[3]) : this.group(region, match[3]);
    return { TagList: resource.tags };
  }

  private renderGlobal(global: GlobalDatastore): object {
    return {
      GlobalReplicationGroupId: global.id,
      Status: global.status.at(this.now()),
      Members: global.members.map((m) => ({
        ReplicationGroupId: m.groupId,
        ReplicationGroupRegion: m.region,
        Role: m.role,
        Status: 'associated',
      })),
    };
  }

  async describeGlobals(_region: string, input: Input): Promise<object> {
    const id = optionalString(input, 'GlobalReplicationGroupId');
    const list = id ? [this.globals.get(id)] : [...this.globals.values()];
    if (list.some((g) => !g))
      throw serviceError('elasticache', 'GlobalReplicationGroupNotFoundFault', `Global replication group ${id} not found.`);
    return { GlobalReplicationGroups: list.flatMap((g) => (g ? [this.renderGlobal(g)] : [])) };
  }

  async failoverGlobal(region: string, input: Input): Promise<object> {
    const id = requireString('elasticache', input, 'GlobalReplicationGroupId');
    const global = this.globals.get(id);
    if (!global) throw serviceError('elasticache', 'GlobalReplicationGroupNotFoundFault', `Global replication group ${id} not found.`);
    const primaryRegion = requireString('elasticache', input, 'PrimaryRegion');
    const primaryGroup = requireString('elasticache', input, 'PrimaryReplicationGroupId');
    const target = global.members.find((m) => m.region === primaryRegion && m.groupId === primaryGroup);
    if (!target)
      throw serviceError('elasticache', 'InvalidParameterValueException', `${primaryGroup} in ${primaryRegion} is not a member of ${id}.`);
    for (const member of global.members) member.role = member === target ? 'PRIMARY' : 'SECONDARY';
    global.status.reset('modifying', this.now()).then('available', this.core.after('elasticacheGlobalFailover'));
    this.core.mutate(region, 'elasticache', 'FailoverGlobalReplicationGroup', 'modify', id);
    return { GlobalReplicationGroup: this.renderGlobal(global) };
  }
}
