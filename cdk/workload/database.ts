import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { securityGroupsIn } from './security-group';

interface DatabaseCommonProps {
  readonly vpc: ec2.IVpc;
  readonly instanceClass: string;
  readonly port: number;
  /** Name prefix of the read replicas alarm scaling creates (contracts/naming.ts): a primary's replica policy is scoped to it. */
  readonly replicaPrefix?: string;
  /** PostgreSQL major.minor (a primary's): its replicas take the engine's default option and parameter groups. */
  readonly engineVersion?: string;
}

export interface PrimaryDatabaseProps extends DatabaseCommonProps {
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly databaseName: string;
  /** Region the master secret is replicated to, so the DR side can read it while this region is down. */
  readonly secretReplicaRegion: string;
}

export interface StandbyDatabaseProps extends DatabaseCommonProps {
  /**
   * The primary instance (another region): with it a cross-region read replica is made; without it (pilot light) only the subnet
   * group and security group a restore needs.
   */
  readonly source?: rds.IDatabaseInstance;
}

/** Automated backups kept 30 days: the floor and the longest PITR window operators ask for first. */
export const AUTOMATED_BACKUP_RETENTION = Duration.days(30);

/**
 * RDS PostgreSQL for one region. The primary is Multi-AZ, encrypted with a
 * customer-managed key, deletion-protected, with 30 days of automated backups,
 * Performance Insights and generated master credentials in Secrets Manager.
 * The standby holds a cross-region read replica (warm standby) or just the
 * network placement a snapshot restore will use (pilot light).
 *
 * Nothing reaches the database until {@link allowFrom} names a peer.
 */
export class Database extends Construct {
  readonly key: kms.Key;
  readonly securityGroup: ec2.SecurityGroup;
  readonly subnetGroup: rds.SubnetGroup;
  /** Given to temporary restores: only the control plane's database clients reach it. */
  readonly restoreSecurityGroup: ec2.SecurityGroup;
  /**
   * For control-plane functions that connect to databases (heartbeat, verifier).
   * It lives here, with the database, so the control plane's stack depends on
   * this one and never the reverse.
   */
  readonly controlPlaneClients: ec2.SecurityGroup;
  /**
   * What the alarm-scaling workflow may do to add and remove read replicas of
   * this instance: only replicas named `<instance>-read-*`. A managed policy of
   * this stack, attached to control-plane roles, so references run one way.
   */
  readonly replicaScalingPolicy?: iam.ManagedPolicy;
  /** Present in the primary, and in the standby when it has a replica. */
  readonly instance?: rds.DatabaseInstance | rds.DatabaseInstanceReadReplica;
  /** Master credentials (primary only; the replica shares them through the secret's DR-region replica). */
  readonly credentials?: secretsmanager.ISecret;
  private readonly port: number;

  private constructor(scope: Construct, id: string, common: DatabaseCommonProps, build: (self: Database) => Database['instance']) {
    super(scope, id);
    this.port = common.port;
    this.key = new kms.Key(this, 'Key', {
      description: 'Lifeline database storage, snapshots and Performance Insights',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const newGroup = securityGroupsIn(this, common.vpc);
    this.securityGroup = newGroup('SecurityGroup', 'PostgreSQL: only the application tasks and the control plane verifier', 'none');
    this.restoreSecurityGroup = newGroup('RestoreSecurityGroup', 'Temporary restores: only the control plane verifier', 'none');
    this.controlPlaneClients = newGroup('ControlPlaneClients', 'Lifeline control-plane functions that connect to databases', 'all');
    this.restoreSecurityGroup.connections.allowFrom(this.controlPlaneClients, ec2.Port.tcp(common.port), 'Lifeline verifier');
    this.securityGroup.connections.allowFrom(
      this.controlPlaneClients,
      ec2.Port.tcp(common.port),
      'Lifeline control plane (heartbeat, recovery point)',
    );
    this.subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: common.vpc,
      description: 'Isolated subnets for the database and its restores',
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.instance = build(this);
    if (this.instance instanceof rds.DatabaseInstance) {
      this.credentials = this.instance.secret;
      if (!common.replicaPrefix || !common.engineVersion) {
        throw new Error('A primary database needs its engine version and the name prefix of its scaling read replicas');
      }
      const stack = Stack.of(this);
      const replicas = stack.formatArn({
        service: 'rds',
        resource: 'db',
        resourceName: `${common.replicaPrefix}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.replicaScalingPolicy = new iam.ManagedPolicy(this, 'ReplicaScaling', {
        description: 'Lifeline alarm scaling: add and remove read replicas of the primary database',
        statements: [
          new iam.PolicyStatement({
            actions: ['rds:CreateDBInstanceReadReplica'],
            // A same-region replica is placed in its source's subnet group.
            resources: [
              this.instance.instanceArn,
              replicas,
              ...newInstanceGroupArns(stack, common.engineVersion, this.subnetGroup.subnetGroupName, stack.region),
            ],
          }),
          new iam.PolicyStatement({ actions: ['rds:AddTagsToResource', 'rds:DeleteDBInstance'], resources: [replicas] }),
          // A replica of an encrypted instance is encrypted with its key: RDS creates a grant on it for the caller
          // (RDS User Guide, "AWS KMS key management").
          new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [this.key.keyArn] }),
        ],
      });
    }
  }

  static primary(scope: Construct, id: string, props: PrimaryDatabaseProps): Database {
    return new Database(scope, id, props, (self) => {
      const [major] = props.engineVersion.split('.');
      const instance = new rds.DatabaseInstance(self, 'Instance', {
        ...self.instanceProps(props),
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.of(props.engineVersion, major) }),
        multiAz: true,
        storageType: rds.StorageType.GP3,
        allocatedStorage: props.allocatedStorageGiB,
        maxAllocatedStorage: props.maxAllocatedStorageGiB,
        databaseName: props.databaseName,
        credentials: rds.Credentials.fromGeneratedSecret('lifeline_admin', {
          encryptionKey: self.key,
          replicaRegions: [{ region: props.secretReplicaRegion }],
        }),
        backupRetention: AUTOMATED_BACKUP_RETENTION,
        copyTagsToSnapshot: true,
      });
      instance.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
      acknowledgeDefaultPort(instance, props.port);
      return instance;
    });
  }

  static standby(scope: Construct, id: string, props: StandbyDatabaseProps): Database {
    return new Database(scope, id, props, (self) => {
      if (!props.source) return undefined;
      const replica = new rds.DatabaseInstanceReadReplica(self, 'Replica', {
        ...self.instanceProps(props),
        sourceDatabaseInstance: props.source,
      });
      // A replica inherits encryption from its source; CloudFormation rejects StorageEncrypted beside
      // SourceDBInstanceIdentifier, while KmsKeyId (a key of this region) stays required across regions.
      const cfnReplica = replica.node.defaultChild;
      if (cfnReplica instanceof rds.CfnDBInstance) cfnReplica.addPropertyDeletionOverride('StorageEncrypted');
      Validations.of(replica).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'The cross-region read replica is the DR copy of a Multi-AZ primary; it is promoted (and can be made Multi-AZ) only during ' +
          'a failover, so a second standby here would double the idle cost for no recovery gain.',
      });
      acknowledgeDefaultPort(replica, props.port);
      return replica;
    });
  }

  /**
   * What the primary and the replica share: placement in this construct's subnet and security groups, storage
   * and Performance Insights encrypted with this region's key (a cross-region replica of an encrypted source
   * needs a key of its own region), deletion protection, IAM auth, logs, snapshot on removal.
   */
  private instanceProps(common: DatabaseCommonProps) {
    return {
      instanceType: new ec2.InstanceType(common.instanceClass.replace(/^db\./, '')),
      vpc: common.vpc,
      subnetGroup: this.subnetGroup,
      securityGroups: [this.securityGroup],
      port: common.port,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      deletionProtection: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.key,
      iamAuthentication: true,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    };
  }

  /** Opens the database port to a peer (tasks, the verifier function). */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(this.port), description);
  }
}

function acknowledgeDefaultPort(instance: Construct, port: number): void {
  if (port !== 5432) return;
  Validations.of(instance).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason:
      'The database sits in isolated subnets behind a security group that admits only named peers; a non-standard port adds no ' +
      'control, and the port is configurable (database.port) for teams whose policy asks for one.',
  });
}

/**
 * The option group, parameter group and subnet group a new DB instance (a restore, a read replica) is created
 * in: IAM authorizes RestoreDBInstanceFromDBSnapshot and CreateDBInstanceReadReplica on each of them, not only on
 * the instance (Service Authorization Reference, Amazon RDS: resource types og, pg and subgrp are required). These
 * instances take the engine's default option and parameter groups.
 */
export function newInstanceGroupArns(stack: Stack, engineVersion: string, subnetGroupName: string, region: string): string[] {
  const [major] = engineVersion.split('.');
  const arn = (resource: string, name: string) =>
    stack.formatArn({ service: 'rds', region, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return [arn('og', `default:postgres-${major}`), arn('pg', `default.postgres${major}`), arn('subgrp', subnetGroupName)];
}
