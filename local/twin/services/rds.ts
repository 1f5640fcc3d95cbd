import { serviceError, TwinServiceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { identifierProblem, type IdentifierRule, RDS_INSTANCE_ID, RDS_SNAPSHOT_ID } from '../identifier-rules';
import { omitByStatus } from '../state-omissions';
import { DataPlane } from '../data-plane';
import type { LatencyKey } from '../../../contracts/aws-timings';
import { createHash } from 'node:crypto';
import { type Input, optionalBoolean, optionalNumber, optionalString, requireString, StatusTimeline, type Tag, tagsOf } from '../util';

type InstanceStatus = 'creating' | 'available' | 'modifying' | 'deleting' | 'deleted' | 'backing-up' | 'rebooting' | 'renaming';
/** A copy is "creating" too (SDK CopyDBSnapshotCommand.d.ts example); "copying" is the status of DB *cluster* snapshot copies. */
type SnapshotStatus = 'creating' | 'available' | 'deleted';

export interface DbInstance {
  readonly id: string;
  readonly region: string;
  readonly arn: string;
  /**
   * The "Region-unique, immutable identifier for the DB instance" (DBInstance.DbiResourceId, API reference): derived
   * from the ARN the instance was created with, and kept through renames.
   */
  readonly resourceId: string;
  readonly status: StatusTimeline<InstanceStatus>;
  instanceClass: string;
  multiAz: boolean;
  deletionProtection: boolean;
  backupRetentionPeriod: number;
  readonly kmsKeyId?: string;
  readonly dbSubnetGroupName?: string;
  readonly vpcSecurityGroupIds: string[];
  readonly publiclyAccessible: boolean;
  readonly createdAt: number;
  readonly port: number;
  readonly allocatedStorage: number;
  /** The physical database holding this instance's data (materialised on promotion for replicas). */
  physical?: string;
  /** When it began to take writes, if not at its creation (a promoted replica: when its promotion completes). */
  writableSince?: number;
  /** Set while a read replica: the source instance (possibly in another region). */
  replicaOf?: { region: string; id: string };
  /** After a rename: the identifier it had, which stays taken until the rename completes. */
  renamedFrom?: { id: string; freedAt: number };
  /** After a rename: when it answers under its new name (the heartbeat function, which connects by name, writes from then). */
  namedSince?: number;
  readonly replicas: { region: string; id: string }[];
  tags: Tag[];
  /**
   * Cross-Region automated backups (CloudFormation `AutomaticBackupReplicationRegion`): snapshots and transaction
   * logs copied to `region` under its key, from `startedAt`.
   */
  backupReplication?: { readonly region: string; readonly kmsKeyId?: string; readonly startedAt: number };
  /**
   * Scale scenarios only: the instance shares its physical database with
   * others and is never written, so its snapshots reference that database
   * instead of copying it (a copy costs ~0.3 s of real time).
   */
  sharedPhysical?: boolean;
}

export interface DbSnapshot {
  readonly id: string;
  readonly region: string;
  readonly arn: string;
  readonly instanceId: string;
  readonly status: StatusTimeline<SnapshotStatus>;
  readonly snapshotType: 'manual' | 'automated';
  /** Point in time of the data (the source's creation time for copies). */
  readonly createdAt: number;
  readonly physical: string;
  readonly kmsKeyId?: string;
  readonly sourceArn?: string;
  readonly allocatedStorage: number;
  tags: Tag[];
}

const ENGINE_VERSION = '16.4';

/**
 * RDS for PostgreSQL, backed by real databases in the data plane. Statuses
 * follow the RDS names (creating → available, modifying, deleting) on the
 * virtual clock; errors are the SDK's own fault classes.
 */
export class RdsTwin implements TwinService {
  readonly name = 'rds' as const;
  readonly instances = new Map<string, Map<string, DbInstance>>();
  /** The PostgreSQL version of every instance (the deployment's `database.engineVersion`). */
  engineVersion = ENGINE_VERSION;
  readonly snapshots = new Map<string, Map<string, DbSnapshot>>();
  /** Physical databases shared by snapshot copies, with their reference counts. */
  private readonly physicalRefs = new Map<string, number>();
  readonly actions;
  /** Runs before an instance's data is copied (the twin writes due heartbeats there). */
  beforeClone: (instance: DbInstance) => Promise<void> = async () => undefined;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      DescribeDBInstances: (region: string, input: Input) => this.describeDbInstances(region, input),
      CreateDBSnapshot: (region: string, input: Input) => this.createDbSnapshot(region, input),
      DescribeDBSnapshots: (region: string, input: Input) => this.describeDbSnapshots(region, input),
      CopyDBSnapshot: (region: string, input: Input) => this.copyDbSnapshot(region, input),
      DeleteDBSnapshot: (region: string, input: Input) => this.deleteDbSnapshot(region, input),
      RestoreDBInstanceFromDBSnapshot: (region: string, input: Input) => this.restoreFromSnapshot(region, input),
      RestoreDBInstanceToPointInTime: (region: string, input: Input) => this.restoreToPointInTime(region, input),
      DescribeDBInstanceAutomatedBackups: (region: string, input: Input) => this.describeAutomatedBackups(region, input),
      StartDBInstanceAutomatedBackupsReplication: (region: string, input: Input) => this.startBackupReplication(region, input),
      DeleteDBInstance: (region: string, input: Input) => this.deleteDbInstance(region, input),
      CreateDBInstanceReadReplica: (region: string, input: Input) => this.createReadReplica(region, input),
      PromoteReadReplica: (region: string, input: Input) => this.promoteReadReplica(region, input),
      ModifyDBInstance: (region: string, input: Input) => this.modifyDbInstance(region, input),
      AddTagsToResource: (region: string, input: Input) => this.addTags(region, input),
      RemoveTagsFromResource: (region: string, input: Input) => this.removeTags(region, input),
      ListTagsForResource: (region: string, input: Input) => this.listTags(region, input),
    };
  }

  private instancesIn(region: string): Map<string, DbInstance> {
    let map = this.instances.get(region);
    if (!map) this.instances.set(region, (map = new Map()));
    return map;
  }

  private snapshotsIn(region: string): Map<string, DbSnapshot> {
    let map = this.snapshots.get(region);
    if (!map) this.snapshots.set(region, (map = new Map()));
    return map;
  }

  private now(): number {
    return this.core.clock.now();
  }

  /** Instances whose deletion has completed are gone (and their data dropped). */
  private async sweep(region: string): Promise<void> {
    const now = this.now();
    for (const [id, instance] of this.instancesIn(region)) {
      if (instance.status.at(now) === 'deleted') {
        this.instancesIn(region).delete(id);
        if (instance.physical) await this.release(instance.physical);
      }
    }
  }

  private async retain(physical: string): Promise<void> {
    this.physicalRefs.set(physical, (this.physicalRefs.get(physical) ?? 0) + 1);
  }

  private async release(physical: string): Promise<void> {
    const refs = (this.physicalRefs.get(physical) ?? 1) - 1;
    if (refs > 0) {
      this.physicalRefs.set(physical, refs);
      return;
    }
    this.physicalRefs.delete(physical);
    await this.core.dataPlane.dropDatabase(physical);
  }

  instance(region: string, id: string): DbInstance {
    const found = this.instancesIn(region).get(id);
    if (!found || found.status.at(this.now()) === 'deleted')
      throw serviceError('rds', 'DBInstanceNotFoundFault', `DBInstance ${id} not found.`);
    return found;
  }

  snapshot(region: string, id: string): DbSnapshot {
    const found = this.snapshotsIn(region).get(id);
    if (!found) throw serviceError('rds', 'DBSnapshotNotFoundFault', `DBSnapshot ${id} not found.`);
    return found;
  }

  /** Resolves an identifier or an ARN (`arn:aws:rds:<region>:<account>:db:<id>`). */
  private locate(region: string, identifier: string, kind: 'db' | 'snapshot'): { region: string; id: string } {
    const match = /^arn:aws:rds:([a-z0-9-]+):\d+:(db|snapshot):(.+)$/.exec(identifier);
    if (!match) return { region, id: identifier };
    if (match[2] !== kind) throw new TwinServiceError('rds', 'InvalidParameterValue', `${identifier} is not a ${kind} ARN`, false);
    return { region: match[1], id: match[3] };
  }

  /** RDS answers a malformed identifier with InvalidParameterValue, a code the SDK does not model (research-13 §8). */
  private validIdentifier(rule: IdentifierRule, value: string): string {
    const problem = identifierProblem(rule, value);
    if (problem) throw new TwinServiceError('rds', 'InvalidParameterValue', problem, false);
    return value;
  }

  /**
   * Fails with DBInstanceAlreadyExists while an instance holds `id`: one of that name, or one renamed away from it
   * until the rename completes.
   */
  private async assertNameFree(region: string, id: string): Promise<void> {
    await this.sweep(region);
    const now = this.now();
    const holder = [...this.instancesIn(region).values()].find(
      (i) => i.id === id || (i.renamedFrom !== undefined && i.renamedFrom.id === id && now < i.renamedFrom.freedAt),
    );
    if (holder) throw serviceError('rds', 'DBInstanceAlreadyExistsFault', `DB instance already exists: ${id}`);
  }

  /** Seeds an available primary instance with a real database (twin boot, not an API call). */
  async seedInstance(
    region: string,
    props: {
      id: string;
      instanceClass: string;
      multiAz: boolean;
      kmsKeyId: string;
      subnetGroup: string;
      securityGroupIds: string[];
      createdAt?: number;
      sharePhysicalWith?: DbInstance;
    },
  ): Promise<DbInstance> {
    // Scale scenarios seed many instances over one physical database (their content is not what they test).
    const physical = props.sharePhysicalWith?.physical ?? this.core.dataPlane.newName(props.id);
    if (!props.sharePhysicalWith) await this.core.dataPlane.createDatabase(physical);
    await this.retain(physical);
    const instance = this.newInstance(region, props.id, {
      instanceClass: props.instanceClass,
      multiAz: props.multiAz,
      deletionProtection: true,
      kmsKeyId: props.kmsKeyId,
      dbSubnetGroupName: props.subnetGroup,
      vpcSecurityGroupIds: props.securityGroupIds,
      physical,
      status: new StatusTimeline<InstanceStatus>('available', this.now()),
      tags: [],
    });
    if (props.createdAt !== undefined) Object.assign(instance, { createdAt: props.createdAt });
    if (props.sharePhysicalWith) instance.sharedPhysical = true;
    return instance;
  }

  /** Seeds an available cross-region read replica of `source`. */
  seedReplica(
    region: string,
    id: string,
    source: DbInstance,
    props: { kmsKeyId: string; subnetGroup: string; securityGroupIds: string[] },
  ): DbInstance {
    const replica = this.newInstance(region, id, {
      instanceClass: source.instanceClass,
      multiAz: false,
      deletionProtection: true,
      kmsKeyId: props.kmsKeyId,
      dbSubnetGroupName: props.subnetGroup,
      vpcSecurityGroupIds: props.securityGroupIds,
      status: new StatusTimeline<InstanceStatus>('available', this.now()),
      replicaOf: { region: source.region, id: source.id },
      tags: [],
    });
    source.replicas.push({ region, id });
    return replica;
  }

  private newInstance(
    region: string,
    id: string,
    props: Pick<
      DbInstance,
      'instanceClass' | 'multiAz' | 'deletionProtection' | 'kmsKeyId' | 'dbSubnetGroupName' | 'vpcSecurityGroupIds' | 'status' | 'tags'
    > &
      Partial<Pick<DbInstance, 'physical' | 'replicaOf' | 'publiclyAccessible' | 'backupRetentionPeriod' | 'allocatedStorage'>>,
  ): DbInstance {
    const instance: DbInstance = {
      id,
      region,
      arn: this.core.arn('rds', region, `db:${id}`),
      resourceId: `db-${createHash('sha256')
        .update(this.core.arn('rds', region, `db:${id}`))
        .digest('hex')
        .slice(0, 26)
        .toUpperCase()}`,
      createdAt: this.now(),
      port: 5432,
      replicas: [],
      publiclyAccessible: false,
      backupRetentionPeriod: 30,
      allocatedStorage: 50,
      ...props,
    };
    this.instancesIn(region).set(id, instance);
    return instance;
  }

  /** ReplicaLag in seconds of a replica as CloudWatch would report it (undefined for non-replicas). */
  replicaLagSeconds(instance: DbInstance): number | undefined {
    if (!instance.replicaOf) return undefined;
    // A replica whose source region is unreachable falls further behind every second.
    return this.core.seconds('rdsReplicaLag') + (this.now() - this.lastReplicatedAt(instance)) / 1000;
  }

  private renderInstance(instance: DbInstance): object {
    const status = instance.status.at(this.now());
    const latestRestorable = this.latestRestorableTime(instance);
    return omitByStatus('rds', 'DBInstance', status, {
      DBInstanceIdentifier: instance.id,
      DBInstanceArn: instance.arn,
      DBInstanceClass: instance.instanceClass,
      Engine: 'postgres',
      EngineVersion: this.engineVersion,
      DBInstanceStatus: status,
      MultiAZ: instance.multiAz,
      DeletionProtection: instance.deletionProtection,
      StorageEncrypted: true,
      KmsKeyId: instance.kmsKeyId,
      AllocatedStorage: instance.allocatedStorage,
      BackupRetentionPeriod: instance.backupRetentionPeriod,
      LatestRestorableTime: latestRestorable === undefined ? undefined : new Date(latestRestorable),
      DBInstanceAutomatedBackupsReplications: instance.backupReplication
        ? [{ DBInstanceAutomatedBackupsArn: this.automatedBackupsArn(instance, instance.backupReplication.region) }]
        : undefined,
      PubliclyAccessible: instance.publiclyAccessible,
      InstanceCreateTime: new Date(instance.createdAt),
      // The endpoint is the twin's PostgreSQL on loopback and DBName the instance's own database there,
      // so handlers connect exactly as they would to RDS.
      DbiResourceId: this.dbiResourceId(instance),
      Endpoint: instance.physical ? { Address: '127.0.0.1', Port: this.core.dataPlane.connectionFor(instance.physical).port } : undefined,
      DBName: instance.physical ? this.core.dataPlane.connectionFor(instance.physical).database : undefined,
      DBSubnetGroup: instance.dbSubnetGroupName ? { DBSubnetGroupName: instance.dbSubnetGroupName } : undefined,
      VpcSecurityGroups: instance.vpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      ReadReplicaSourceDBInstanceIdentifier: instance.replicaOf
        ? this.core.arn('rds', instance.replicaOf.region, `db:${instance.replicaOf.id}`)
        : undefined,
      ReadReplicaDBInstanceIdentifiers: instance.replicas.map((r) =>
        r.region === instance.region ? r.id : this.core.arn('rds', r.region, `db:${r.id}`),
      ),
      TagList: instance.tags,
    });
  }

  private renderSnapshot(snapshot: DbSnapshot): object {
    const status = snapshot.status.at(this.now());
    return omitByStatus('rds', 'DBSnapshot', status, {
      DBSnapshotIdentifier: snapshot.id,
      DBSnapshotArn: snapshot.arn,
      DBInstanceIdentifier: snapshot.instanceId,
      SnapshotCreateTime: new Date(snapshot.createdAt),
      OriginalSnapshotCreateTime: new Date(snapshot.createdAt),
      SnapshotDatabaseTime: new Date(snapshot.createdAt),
      Engine: 'postgres',
      EngineVersion: this.engineVersion,
      Status: status,
      PercentProgress: status === 'available' ? 100 : 0,
      SnapshotType: snapshot.snapshotType,
      Encrypted: true,
      KmsKeyId: snapshot.kmsKeyId,
      AllocatedStorage: snapshot.allocatedStorage,
      SourceDBSnapshotIdentifier: snapshot.sourceArn,
      SourceRegion: snapshot.sourceArn ? snapshot.sourceArn.split(':')[3] : undefined,
      TagList: snapshot.tags,
    });
  }

  async describeDbInstances(region: string, input: Input): Promise<object> {
    await this.sweep(region);
    const id = optionalString(input, 'DBInstanceIdentifier');
    const list = id ? [this.instance(region, this.locate(region, id, 'db').id)] : [...this.instancesIn(region).values()];
    return { DBInstances: list.map((i) => this.renderInstance(i)) };
  }

  async createDbSnapshot(region: string, input: Input): Promise<object> {
    const instanceId = requireString('rds', input, 'DBInstanceIdentifier');
    const snapshotId = this.validIdentifier(RDS_SNAPSHOT_ID('DBSnapshotIdentifier'), requireString('rds', input, 'DBSnapshotIdentifier'));
    const instance = this.instance(region, instanceId);
    if (this.snapshotsIn(region).has(snapshotId))
      throw serviceError(
        'rds',
        'DBSnapshotAlreadyExistsFault',
        `Cannot create the snapshot because a snapshot with the identifier ${snapshotId} already exists.`,
      );
    const status = instance.status.at(this.now());
    if (status !== 'available' || !instance.physical)
      throw serviceError(
        'rds',
        'InvalidDBInstanceStateFault',
        `Cannot create a snapshot because the database instance ${instanceId} is not currently in the available state (${status}).`,
      );
    let physical = instance.physical;
    if (!instance.sharedPhysical) {
      await this.beforeClone(instance);
      physical = await this.core.dataPlane.cloneDatabase(instance.physical, this.core.dataPlane.newName(`snap_${snapshotId}`));
    }
    await this.retain(physical);
    const snapshot: DbSnapshot = {
      id: snapshotId,
      region,
      arn: this.core.arn('rds', region, `snapshot:${snapshotId}`),
      instanceId,
      status: new StatusTimeline<SnapshotStatus>('creating', this.now()).then('available', this.core.after('rdsSnapshotCreate')),
      snapshotType: 'manual',
      createdAt: this.now(),
      physical,
      kmsKeyId: instance.kmsKeyId,
      allocatedStorage: instance.allocatedStorage,
      tags: tagsOf(input.Tags),
    };
    this.snapshotsIn(region).set(snapshotId, snapshot);
    this.core.mutate(region, 'rds', 'CreateDBSnapshot', 'create', snapshot.arn);
    return { DBSnapshot: this.renderSnapshot(snapshot) };
  }

  async describeDbSnapshots(region: string, input: Input): Promise<object> {
    const snapshotId = optionalString(input, 'DBSnapshotIdentifier');
    const instanceId = optionalString(input, 'DBInstanceIdentifier');
    const type = optionalString(input, 'SnapshotType');
    let list: DbSnapshot[];
    if (snapshotId) list = [this.snapshot(region, this.locate(region, snapshotId, 'snapshot').id)];
    else
      list = [...this.snapshotsIn(region).values()].filter(
        (s) => (!instanceId || s.instanceId === instanceId) && (!type || s.snapshotType === type),
      );
    return { DBSnapshots: list.map((s) => this.renderSnapshot(s)) };
  }

  async copyDbSnapshot(region: string, input: Input): Promise<object> {
    const sourceRef = this.locate(region, requireString('rds', input, 'SourceDBSnapshotIdentifier'), 'snapshot');
    const targetId = this.validIdentifier(
      RDS_SNAPSHOT_ID('TargetDBSnapshotIdentifier'),
      requireString('rds', input, 'TargetDBSnapshotIdentifier'),
    );
    const kmsKeyId = optionalString(input, 'KmsKeyId');
    const crossRegion = sourceRef.region !== region;
    this.assertSourceReachable(region, sourceRef.region);
    const source = this.snapshot(sourceRef.region, sourceRef.id);
    if (source.status.at(this.now()) !== 'available')
      throw serviceError('rds', 'InvalidDBSnapshotStateFault', `Snapshot ${source.id} is not in available state.`);
    if (crossRegion && !kmsKeyId) {
      throw new TwinServiceError(
        'rds',
        'InvalidParameterCombination',
        'KmsKeyId is required when copying an encrypted snapshot to another region.',
        false,
      );
    }
    if (this.snapshotsIn(region).has(targetId))
      throw serviceError(
        'rds',
        'DBSnapshotAlreadyExistsFault',
        `Cannot copy the snapshot because a snapshot with the identifier ${targetId} already exists.`,
      );
    await this.retain(source.physical);
    const copy: DbSnapshot = {
      id: targetId,
      region,
      arn: this.core.arn('rds', region, `snapshot:${targetId}`),
      instanceId: source.instanceId,
      status: new StatusTimeline<SnapshotStatus>('creating', this.now()).then(
        'available',
        crossRegion ? this.core.after('rdsSnapshotCopyCrossRegion') : this.core.after('rdsSnapshotCreate', 0.25),
      ),
      snapshotType: 'manual',
      createdAt: source.createdAt,
      physical: source.physical,
      kmsKeyId: kmsKeyId ?? source.kmsKeyId,
      sourceArn: source.arn,
      allocatedStorage: source.allocatedStorage,
      tags: optionalBoolean(input, 'CopyTags') ? [...source.tags, ...tagsOf(input.Tags)] : tagsOf(input.Tags),
    };
    this.snapshotsIn(region).set(targetId, copy);
    this.core.mutate(region, 'rds', 'CopyDBSnapshot', 'create', copy.arn);
    return { DBSnapshot: this.renderSnapshot(copy) };
  }

  async deleteDbSnapshot(region: string, input: Input): Promise<object> {
    const id = requireString('rds', input, 'DBSnapshotIdentifier');
    const snapshot = this.snapshot(region, id);
    const status = snapshot.status.at(this.now());
    if (status !== 'available')
      throw serviceError('rds', 'InvalidDBSnapshotStateFault', `Cannot delete the snapshot ${id} because it is ${status}.`);
    this.snapshotsIn(region).delete(id);
    await this.release(snapshot.physical);
    this.core.mutate(region, 'rds', 'DeleteDBSnapshot', 'delete', snapshot.arn);
    return { DBSnapshot: { ...this.renderSnapshot(snapshot), Status: 'deleted' } };
  }

  /**
   * The newest transaction-log upload of an instance with automated backups: what it can be restored to. Logs go to
   * S3 every five minutes (`rdsLogUploadInterval`), none while its region is down. Read replicas keep no backups here.
   */
  latestRestorableTime(instance: DbInstance): number | undefined {
    if (instance.backupRetentionPeriod <= 0 || instance.replicaOf || !instance.physical) return undefined;
    const interval = this.core.seconds('rdsLogUploadInterval') * 1000;
    const until = Math.min(this.now(), this.core.outageStart(instance.region) ?? Infinity);
    return Math.max(instance.writableSince ?? instance.createdAt, Math.floor(until / interval) * interval);
  }

  /**
   * The newest log of an instance's replicated automated backups in their region: a log uploaded at a five-minute
   * boundary arrives `rdsBackupReplicationCopy` later, and only while the source region is up to send it.
   */
  replicatedLatestTime(instance: DbInstance): number | undefined {
    const replication = instance.backupReplication;
    if (!replication || instance.backupRetentionPeriod <= 0) return undefined;
    const interval = this.core.seconds('rdsLogUploadInterval') * 1000;
    const arrived =
      Math.min(this.now(), this.core.outageStart(instance.region) ?? Infinity) - this.core.seconds('rdsBackupReplicationCopy') * 1000;
    if (arrived < replication.startedAt) return undefined;
    return Math.max(replication.startedAt, Math.floor(arrived / interval) * interval);
  }

  /** The resource id RDS gives an instance (`db-` and 26 characters), stable for the twin. */
  dbiResourceId(instance: DbInstance): string {
    return instance.resourceId;
  }

  /** The ARN of an instance's automated backups in `region` (its own region, or where they are replicated). */
  automatedBackupsArn(instance: DbInstance, region: string): string {
    const id = createHash('sha256').update(`${instance.resourceId}/${region}`).digest('hex').slice(0, 26);
    return this.core.arn('rds', region, `auto-backup:ab-${id}`);
  }

  /** The automated backups this region holds: its instances' own, and those replicated here from another region. */
  private automatedBackupsIn(
    region: string,
  ): { instance: DbInstance; replicated: boolean; arn: string; earliest: number; latest?: number }[] {
    const own = [...this.instancesIn(region).values()]
      .filter((i) => i.status.at(this.now()) !== 'deleted' && this.latestRestorableTime(i) !== undefined)
      .map((instance) => ({
        instance,
        replicated: false,
        arn: this.automatedBackupsArn(instance, region),
        // Nothing before the twin's first WAL mark can be recovered (its base backup): the window starts there at most.
        earliest: Math.max(
          instance.writableSince ?? instance.createdAt,
          this.core.dataPlane.earliestMarkOf(instance.physical) ?? instance.createdAt,
        ),
        latest: this.latestRestorableTime(instance),
      }));
    const replicated = [...this.instances.values()]
      .flatMap((m) => [...m.values()])
      .filter((i) => i.backupReplication?.region === region)
      .map((instance) => ({
        instance,
        replicated: true,
        arn: this.automatedBackupsArn(instance, region),
        earliest: Math.max(
          instance.backupReplication?.startedAt ?? instance.createdAt,
          this.core.dataPlane.earliestMarkOf(instance.physical) ?? 0,
        ),
        latest: this.replicatedLatestTime(instance),
      }));
    return [...own, ...replicated];
  }

  /** The key of the automated backups `arn` holds in `region` (IAM reads it: a restore uses it). */
  automatedBackupsKey(region: string, arn: string): string | undefined {
    const backup = this.automatedBackupsIn(region).find((b) => b.arn === arn);
    return backup?.replicated ? backup.instance.backupReplication?.kmsKeyId : backup?.instance.kmsKeyId;
  }

  /**
   * Starts replicating a source instance's automated backups to this region (the destination's API): from now on its
   * snapshots and transaction logs are copied here. The source is named by ARN and lives in another region; an
   * encrypted source needs this region's key. A source already replicating here is refused (the twin's stricter
   * reading: RDS documents one destination region per source and no idempotent answer).
   */
  async startBackupReplication(region: string, input: Input): Promise<object> {
    const ref = this.locate(region, requireString('rds', input, 'SourceDBInstanceArn'), 'db');
    if (ref.region === region)
      throw new TwinServiceError('rds', 'InvalidParameterValue', 'The source DB instance must be in another AWS Region.', false);
    this.assertSourceReachable(region, ref.region);
    const source = this.instance(ref.region, ref.id);
    if (source.status.at(this.now()) !== 'available')
      throw serviceError('rds', 'InvalidDBInstanceStateFault', `DB instance ${source.id} is not available.`);
    if (source.backupReplication)
      throw serviceError(
        'rds',
        'InvalidDBInstanceStateFault',
        `The automated backups of ${source.id} are already replicated to ${source.backupReplication.region}.`,
      );
    const kmsKeyId = optionalString(input, 'KmsKeyId');
    if (!kmsKeyId)
      throw new TwinServiceError('rds', 'InvalidParameterCombination', 'KmsKeyId is required for an encrypted source DB instance.', false);
    source.backupReplication = { region, kmsKeyId, startedAt: this.now() };
    const backups = this.automatedBackupsIn(region).find((b) => b.replicated && b.instance === source);
    this.core.mutate(region, 'rds', 'StartDBInstanceAutomatedBackupsReplication', 'create', this.automatedBackupsArn(source, region));
    return {
      DBInstanceAutomatedBackup: {
        DBInstanceArn: source.arn,
        DbiResourceId: this.dbiResourceId(source),
        Region: source.region,
        DBInstanceIdentifier: source.id,
        Status: 'replicating',
        DBInstanceAutomatedBackupsArn: backups?.arn ?? this.automatedBackupsArn(source, region),
        KmsKeyId: kmsKeyId,
        BackupRetentionPeriod: optionalNumber(input, 'BackupRetentionPeriod') ?? 7,
      },
    };
  }

  async describeAutomatedBackups(region: string, input: Input): Promise<object> {
    const id = optionalString(input, 'DBInstanceIdentifier');
    // The identifier "must match the identifier of an existing DB instance" (API reference): of this region, so it
    // cannot name the source of backups replicated here (the stricter reading; retained backups are not modelled).
    if (id !== undefined) this.instance(region, id);
    const resourceId = optionalString(input, 'DbiResourceId');
    const arn = optionalString(input, 'DBInstanceAutomatedBackupsArn');
    const list = this.automatedBackupsIn(region).filter(
      (b) => (!id || b.instance.id === id) && (!resourceId || this.dbiResourceId(b.instance) === resourceId) && (!arn || b.arn === arn),
    );
    return {
      DBInstanceAutomatedBackups: list.map(({ instance, replicated, arn: backupsArn, earliest, latest }) => ({
        DBInstanceArn: instance.arn,
        DbiResourceId: this.dbiResourceId(instance),
        Region: instance.region,
        DBInstanceIdentifier: instance.id,
        RestoreWindow: latest === undefined ? {} : { EarliestTime: new Date(earliest), LatestTime: new Date(latest) },
        AllocatedStorage: instance.allocatedStorage,
        // The API documents active, creating and retained; a replicated backup shows "replicating" in the User Guide's example.
        Status: replicated ? 'replicating' : 'active',
        Port: instance.port,
        Engine: 'postgres',
        EngineVersion: this.engineVersion,
        Encrypted: true,
        KmsKeyId: replicated ? instance.backupReplication?.kmsKeyId : instance.kmsKeyId,
        BackupRetentionPeriod: instance.backupRetentionPeriod,
        DBInstanceAutomatedBackupsArn: backupsArn,
        DBInstanceAutomatedBackupsReplications:
          !replicated && instance.backupReplication
            ? [{ DBInstanceAutomatedBackupsArn: this.automatedBackupsArn(instance, instance.backupReplication.region) }]
            : undefined,
      })),
    };
  }

  /**
   * A new instance with the data of a source as it was at a time inside its restorable window: the twin's
   * PostgreSQL recovered to that virtual time (WAL replay, local/twin/data-plane.ts). The source is an instance of
   * this region, or automated backups held here (replicated from another region). The twin refuses what RDS refuses
   * (exactly one source; RestoreTime or UseLatestRestorableTime, not both) and, where RDS documents no error for a
   * time outside the window or in the future, answers InvalidParameterValue (the stricter reading).
   */
  async restoreToPointInTime(region: string, input: Input): Promise<object> {
    const target = this.validIdentifier(
      RDS_INSTANCE_ID('TargetDBInstanceIdentifier'),
      requireString('rds', input, 'TargetDBInstanceIdentifier'),
    );
    const given = ['SourceDBInstanceIdentifier', 'SourceDbiResourceId', 'SourceDBInstanceAutomatedBackupsArn'].filter(
      (key) => input[key] !== undefined,
    );
    if (given.length !== 1)
      throw new TwinServiceError(
        'rds',
        'InvalidParameterCombination',
        'Specify exactly one of SourceDBInstanceIdentifier, SourceDbiResourceId and SourceDBInstanceAutomatedBackupsArn.',
        false,
      );
    const useLatest = optionalBoolean(input, 'UseLatestRestorableTime') ?? false;
    const restoreTime = input.RestoreTime === undefined ? undefined : new Date(input.RestoreTime as string | Date).getTime();
    if ((restoreTime !== undefined) === useLatest)
      throw new TwinServiceError(
        'rds',
        'InvalidParameterCombination',
        restoreTime === undefined
          ? 'Specify RestoreTime or UseLatestRestorableTime.'
          : 'Cannot specify both RestoreTime and UseLatestRestorableTime.',
        false,
      );
    const backups = this.automatedBackupsIn(region);
    const backup =
      given[0] === 'SourceDBInstanceAutomatedBackupsArn'
        ? backups.find((b) => b.arn === input.SourceDBInstanceAutomatedBackupsArn)
        : given[0] === 'SourceDbiResourceId'
          ? backups.find((b) => !b.replicated && this.dbiResourceId(b.instance) === input.SourceDbiResourceId)
          : backups.find((b) => !b.replicated && b.instance.id === input.SourceDBInstanceIdentifier);
    if (!backup) {
      if (given[0] === 'SourceDBInstanceIdentifier') {
        const instance = this.instance(region, String(input.SourceDBInstanceIdentifier));
        throw serviceError(
          'rds',
          'PointInTimeRestoreNotEnabledFault',
          `DB instance ${instance.id} has no automated backups to restore from.`,
        );
      }
      throw serviceError('rds', 'DBInstanceAutomatedBackupNotFoundFault', `No automated backup ${String(input[given[0]])} in ${region}.`);
    }
    const { instance: source, earliest, latest } = backup;
    if (latest === undefined)
      throw serviceError(
        'rds',
        'DBInstanceAutomatedBackupNotFoundFault',
        `The automated backups of ${source.id} hold no log yet in ${region}.`,
      );
    const at = useLatest ? latest : (restoreTime ?? NaN);
    if (!Number.isFinite(at) || at < earliest || at > latest)
      throw new TwinServiceError(
        'rds',
        'InvalidParameterValue',
        `The restore time ${Number.isFinite(at) ? new Date(at).toISOString() : String(input.RestoreTime)} is outside the ` +
          `restorable window ${new Date(earliest).toISOString()} – ${new Date(latest).toISOString()}.`,
        false,
      );
    await this.assertNameFree(region, target);
    if (!source.physical)
      throw new TwinServiceError('rds', 'TwinNotModelled', `The twin holds no data for ${source.id} to restore.`, false);
    await this.beforeClone(source);
    // The server holding the source's data is recovered (the main one, or one an earlier restore started).
    const { serverId } = await this.core.dataPlane.recoverTo(at, source.physical);
    const physical = DataPlane.onRecovered(serverId, source.physical);
    await this.retain(physical);
    const instance = this.restoredInstance(region, target, input, {
      instanceClass: source.instanceClass,
      kmsKeyId: backup.replicated ? source.backupReplication?.kmsKeyId : source.kmsKeyId,
      physical,
      allocatedStorage: source.allocatedStorage,
      takes: 'rdsRestorePointInTime',
    });
    this.core.mutate(region, 'rds', 'RestoreDBInstanceToPointInTime', 'create', instance.arn);
    return { DBInstance: this.renderInstance(instance) };
  }

  /**
   * A new instance a restore creates (from a snapshot, or to a point in time): placed, protected and tagged as the
   * request says, `creating` until the restore's duration has passed.
   */
  private restoredInstance(
    region: string,
    id: string,
    input: Input,
    from: { instanceClass: string; kmsKeyId?: string; physical: string; allocatedStorage: number; takes: LatencyKey },
  ): DbInstance {
    return this.newInstance(region, id, {
      instanceClass: optionalString(input, 'DBInstanceClass') ?? from.instanceClass,
      multiAz: optionalBoolean(input, 'MultiAZ') ?? false,
      deletionProtection: optionalBoolean(input, 'DeletionProtection') ?? false,
      kmsKeyId: from.kmsKeyId,
      dbSubnetGroupName: optionalString(input, 'DBSubnetGroupName') ?? 'default',
      vpcSecurityGroupIds: Array.isArray(input.VpcSecurityGroupIds) ? input.VpcSecurityGroupIds.map(String) : [],
      publiclyAccessible: optionalBoolean(input, 'PubliclyAccessible') ?? false,
      physical: from.physical,
      status: new StatusTimeline<InstanceStatus>('creating', this.now()).then('available', this.core.after(from.takes)),
      tags: tagsOf(input.Tags),
      allocatedStorage: from.allocatedStorage,
    });
  }

  async restoreFromSnapshot(region: string, input: Input): Promise<object> {
    const id = this.validIdentifier(RDS_INSTANCE_ID('DBInstanceIdentifier'), requireString('rds', input, 'DBInstanceIdentifier'));
    const snapshotId = requireString('rds', input, 'DBSnapshotIdentifier');
    await this.assertNameFree(region, id);
    const snapshot = this.snapshot(region, this.locate(region, snapshotId, 'snapshot').id);
    if (snapshot.status.at(this.now()) !== 'available')
      throw serviceError('rds', 'InvalidDBSnapshotStateFault', `Snapshot ${snapshot.id} is not available.`);
    const physical = await this.core.dataPlane.cloneDatabase(snapshot.physical, this.core.dataPlane.newName(id));
    await this.retain(physical);
    const instance = this.restoredInstance(region, id, input, {
      instanceClass: 'db.t4g.micro',
      kmsKeyId: snapshot.kmsKeyId,
      physical,
      allocatedStorage: snapshot.allocatedStorage,
      takes: 'rdsRestore',
    });
    this.core.mutate(region, 'rds', 'RestoreDBInstanceFromDBSnapshot', 'create', instance.arn);
    return { DBInstance: this.renderInstance(instance) };
  }

  async deleteDbInstance(region: string, input: Input): Promise<object> {
    const id = requireString('rds', input, 'DBInstanceIdentifier');
    const instance = this.instance(region, id);
    const status = instance.status.at(this.now());
    if (status === 'deleting') throw serviceError('rds', 'InvalidDBInstanceStateFault', `Instance ${id} is already being deleted.`);
    if (instance.deletionProtection) {
      throw new TwinServiceError(
        'rds',
        'InvalidParameterCombination',
        'Cannot delete protected DB Instance, please disable deletion protection and try again.',
        false,
      );
    }
    const skipFinal = optionalBoolean(input, 'SkipFinalSnapshot') ?? false;
    const finalSnapshotId = optionalString(input, 'FinalDBSnapshotIdentifier');
    if (finalSnapshotId) this.validIdentifier(RDS_SNAPSHOT_ID('FinalDBSnapshotIdentifier'), finalSnapshotId);
    if (!skipFinal && !finalSnapshotId) {
      throw new TwinServiceError(
        'rds',
        'InvalidParameterCombination',
        'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
        false,
      );
    }
    instance.status.reset('deleting', this.now()).then('deleted', this.core.after('rdsDeleteInstance'));
    if (instance.replicaOf) {
      const source = this.instancesIn(instance.replicaOf.region).get(instance.replicaOf.id);
      if (source)
        source.replicas.splice(
          source.replicas.findIndex((r) => r.id === id && r.region === region),
          1,
        );
    }
    this.core.mutate(region, 'rds', 'DeleteDBInstance', 'delete', instance.arn);
    return { DBInstance: this.renderInstance(instance) };
  }

  /** A cross-region copy or replica reads from its source region: refused while that region is down. */
  private assertSourceReachable(region: string, sourceRegion: string): void {
    if (sourceRegion === region || !this.core.regionDown(sourceRegion)) return;
    throw new TwinServiceError(
      'rds',
      'InternalFailure',
      `The source region ${sourceRegion} is unreachable (simulated region outage)`,
      false,
      'server',
    );
  }

  async createReadReplica(region: string, input: Input): Promise<object> {
    const id = this.validIdentifier(RDS_INSTANCE_ID('DBInstanceIdentifier'), requireString('rds', input, 'DBInstanceIdentifier'));
    const sourceRef = this.locate(region, requireString('rds', input, 'SourceDBInstanceIdentifier'), 'db');
    await this.assertNameFree(region, id);
    this.assertSourceReachable(region, sourceRef.region);
    const source = this.instance(sourceRef.region, sourceRef.id);
    if (source.status.at(this.now()) !== 'available')
      throw serviceError('rds', 'InvalidDBInstanceStateFault', `Source ${source.id} is not available.`);
    const kmsKeyId = optionalString(input, 'KmsKeyId');
    if (sourceRef.region !== region && !kmsKeyId)
      throw new TwinServiceError(
        'rds',
        'InvalidParameterCombination',
        'KmsKeyId is required for a cross-region read replica of an encrypted instance.',
        false,
      );
    const replica = this.newInstance(region, id, {
      instanceClass: optionalString(input, 'DBInstanceClass') ?? source.instanceClass,
      multiAz: optionalBoolean(input, 'MultiAZ') ?? false,
      deletionProtection: optionalBoolean(input, 'DeletionProtection') ?? false,
      kmsKeyId: kmsKeyId ?? source.kmsKeyId,
      dbSubnetGroupName: optionalString(input, 'DBSubnetGroupName'),
      vpcSecurityGroupIds: Array.isArray(input.VpcSecurityGroupIds) ? input.VpcSecurityGroupIds.map(String) : [],
      status: new StatusTimeline<InstanceStatus>('creating', this.now()).then('available', this.core.after('rdsCreateReplica')),
      replicaOf: sourceRef,
      tags: tagsOf(input.Tags),
    });
    source.replicas.push({ region, id });
    this.core.mutate(region, 'rds', 'CreateDBInstanceReadReplica', 'create', replica.arn);
    return { DBInstance: this.renderInstance(replica) };
  }

  /**
   * Promotion materialises the replica's data: a clone of the source as it
   * was ReplicaLag seconds before the promotion (or before the source region
   * went down), so exactly the writes of the lag window are lost.
   */
  async promoteReadReplica(region: string, input: Input): Promise<object> {
    const id = requireString('rds', input, 'DBInstanceIdentifier');
    const replica = this.instance(region, id);
    if (!replica.replicaOf) throw serviceError('rds', 'InvalidDBInstanceStateFault', `DB instance ${id} is not a read replica.`);
    const status = replica.status.at(this.now());
    if (status !== 'available') throw serviceError('rds', 'InvalidDBInstanceStateFault', `DB instance ${id} is ${status}, not available.`);
    const source = this.instancesIn(replica.replicaOf.region).get(replica.replicaOf.id);
    if (!source?.physical) throw serviceError('rds', 'InvalidDBInstanceStateFault', `The source of ${id} has no data.`);
    const lagMs = this.core.seconds('rdsReplicaLag') * 1000;
    await this.beforeClone(source);
    const physical = await this.core.dataPlane.cloneDatabase(source.physical, this.core.dataPlane.newName(id));
    await this.core.dataPlane.truncateAfter(physical, new Date(this.lastReplicatedAt(replica) - lagMs));
    await this.retain(physical);
    replica.physical = physical;
    source.replicas.splice(
      source.replicas.findIndex((r) => r.id === id && r.region === region),
      1,
    );
    replica.replicaOf = undefined;
    replica.backupRetentionPeriod = optionalNumber(input, 'BackupRetentionPeriod') ?? replica.backupRetentionPeriod;
    replica.status.reset('modifying', this.now()).then('available', this.core.after('rdsPromoteReplica'));
    replica.writableSince = this.core.after('rdsPromoteReplica');
    this.core.mutate(region, 'rds', 'PromoteReadReplica', 'modify', replica.arn);
    return { DBInstance: this.renderInstance(replica) };
  }

  /** When replication last delivered: now, or when the source region went down. */
  private lastReplicatedAt(replica: DbInstance): number {
    const sourceRegion = replica.replicaOf?.region;
    const outage = sourceRegion ? this.core.outageStart(sourceRegion) : undefined;
    return outage ?? this.now();
  }

  async modifyDbInstance(region: string, input: Input): Promise<object> {
    const id = requireString('rds', input, 'DBInstanceIdentifier');
    const instance = this.instance(region, id);
    const status = instance.status.at(this.now());
    if (status !== 'available') throw serviceError('rds', 'InvalidDBInstanceStateFault', `DB instance ${id} is ${status}, not available.`);
    const newId = optionalString(input, 'NewDBInstanceIdentifier');
    if (newId && newId !== id) return this.rename(region, instance, newId, optionalBoolean(input, 'ApplyImmediately') ?? false);
    const deletionProtection = optionalBoolean(input, 'DeletionProtection');
    if (deletionProtection !== undefined) instance.deletionProtection = deletionProtection;
    instance.instanceClass = optionalString(input, 'DBInstanceClass') ?? instance.instanceClass;
    instance.multiAz = optionalBoolean(input, 'MultiAZ') ?? instance.multiAz;
    instance.backupRetentionPeriod = optionalNumber(input, 'BackupRetentionPeriod') ?? instance.backupRetentionPeriod;
    instance.status.reset('modifying', this.now()).then('available', this.core.after('rdsModifyInstance'));
    this.core.mutate(region, 'rds', 'ModifyDBInstance', 'modify', instance.arn);
    return { DBInstance: this.renderInstance(instance) };
  }

  /**
   * ModifyDBInstance with NewDBInstanceIdentifier. Applied immediately, the
   * instance answers to the new name at once (describing the old one finds
   * nothing: ansible/ansible#7054, boto/boto3#2613), is "renaming" until the
   * new DNS name is effective, then reboots (RDS User Guide "Renaming a DB
   * instance", USER_RenameInstance.html; "DB instance status", the renaming
   * row; SDK models_1.d.ts NewDBInstanceIdentifier: "an instance reboot
   * occurs immediately if you enable ApplyImmediately"). When AWS frees the
   * old identifier is not documented (aws/aws-sdk#421, boto/boto3#609): the
   * twin holds it until the rename completes, the instance available again,
   * so creating under it before then fails with DBInstanceAlreadyExists.
   * Without ApplyImmediately the rename waits for the maintenance window,
   * which the twin does not model: refused rather than answered as pending
   * and then forgotten.
   */
  private async rename(region: string, instance: DbInstance, newId: string, applyImmediately: boolean): Promise<object> {
    this.validIdentifier(RDS_INSTANCE_ID('NewDBInstanceIdentifier'), newId);
    await this.assertNameFree(region, newId);
    if (!applyImmediately)
      throw new TwinServiceError(
        'rds',
        'TwinNotModelled',
        'The twin models renames applied immediately only (ApplyImmediately: true)',
        false,
      );
    const rebootAt = this.core.after('rdsRename');
    const freedAt = rebootAt + this.core.seconds('rdsReboot') * 1000;
    const renamed: DbInstance = {
      ...instance,
      id: newId,
      arn: this.core.arn('rds', region, `db:${newId}`),
      renamedFrom: { id: instance.id, freedAt },
      namedSince: freedAt,
    };
    this.instancesIn(region).delete(instance.id);
    this.instancesIn(region).set(newId, renamed);
    for (const ref of [...renamed.replicas, ...(renamed.replicaOf ? [renamed.replicaOf] : [])]) {
      const other = this.instancesIn(ref.region).get(ref.id);
      for (const link of [...(other?.replicas ?? []), ...(other?.replicaOf ? [other.replicaOf] : [])])
        if (link.region === region && link.id === instance.id) link.id = newId;
    }
    renamed.status.reset('renaming', this.now()).then('rebooting', rebootAt).then('available', freedAt);
    this.core.mutate(region, 'rds', 'ModifyDBInstance', 'modify', instance.arn);
    return { DBInstance: this.renderInstance(renamed) };
  }

  private taggable(region: string, arn: string): { tags: Tag[] } {
    const match = /^arn:aws:rds:([a-z0-9-]+):\d+:(db|snapshot):(.+)$/.exec(arn);
    if (!match) throw new TwinServiceError('rds', 'InvalidParameterValue', `Invalid resource name: ${arn}`, false);
    const [, arnRegion, kind, id] = match;
    if (arnRegion !== region) throw new TwinServiceError('rds', 'InvalidParameterValue', `The resource ${arn} is not in ${region}`, false);
    return kind === 'db' ? this.instance(region, id) : this.snapshot(region, id);
  }

  async addTags(region: string, input: Input): Promise<object> {
    const arn = requireString('rds', input, 'ResourceName');
    const resource = this.taggable(region, arn);
    for (const tag of tagsOf(input.Tags)) {
      resource.tags = resource.tags.filter((t) => t.Key !== tag.Key);
      resource.tags.push(tag);
    }
    this.core.mutate(region, 'rds', 'AddTagsToResource', 'modify', arn);
    return {};
  }

  async removeTags(region: string, input: Input): Promise<object> {
    const arn = requireString('rds', input, 'ResourceName');
    const resource = this.taggable(region, arn);
    const keys = Array.isArray(input.TagKeys) ? input.TagKeys.map(String) : [];
    resource.tags = resource.tags.filter((t) => !keys.includes(t.Key));
    this.core.mutate(region, 'rds', 'RemoveTagsFromResource', 'modify', arn);
    return {};
  }

  async listTags(region: string, input: Input): Promise<object> {
    return { TagList: this.taggable(region, requireString('rds', input, 'ResourceName')).tags };
  }
}
