import { ArnFormat, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { defaultCacheParameterGroup } from '../../contracts/naming';
import { securityGroupsIn } from './security-group';

export interface CacheProps {
  readonly vpc: ec2.IVpc;
  readonly engine: 'redis' | 'valkey';
  readonly engineVersion?: string;
  readonly nodeType: string;
  /** Replicas per shard; ≥ 1 for Multi-AZ automatic failover. */
  readonly replicas: number;
  readonly snapshotRetentionDays: number;
}

export const CACHE_PORT = 6379;
const DEFAULT_ENGINE_VERSION = { redis: '7.1', valkey: '8.0' } as const;

/**
 * ElastiCache replication group: Multi-AZ with automatic failover, encrypted
 * at rest (customer-managed key) and in transit, AUTH token generated into
 * Secrets Manager, daily snapshots kept `snapshotRetentionDays`. Isolated
 * subnets; nothing reaches it until {@link allowFrom} names a peer.
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly authToken: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly subnetGroup: elasticache.CfnSubnetGroup;
  /** Given to temporary restores of a cache snapshot: only what {@link allowFrom} names reaches it. */
  readonly restoreSecurityGroup: ec2.SecurityGroup;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const key = (this.key = new kms.Key(this, 'Key', {
      description: 'Lifeline cache encryption at rest and its AUTH token',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    }));
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'AUTH token of the Lifeline cache',
      encryptionKey: key,
      // ElastiCache AUTH tokens: 16–128 printable characters, no @, " or /.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.authToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating an ElastiCache AUTH token needs a ModifyReplicationGroup with AuthTokenUpdateStrategy ROTATE then SET coordinated ' +
        'with every client; it is rotated by that runbook, not by a Secrets Manager schedule that would break clients.',
    });
    const newGroup = securityGroupsIn(this, props.vpc);
    this.securityGroup = newGroup('SecurityGroup', 'Cache: only the application tasks', 'none');
    this.restoreSecurityGroup = newGroup('RestoreSecurityGroup', 'Temporary cache restores: only the control plane verifier', 'none');
    const subnetGroup = (this.subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Isolated subnets for the Lifeline cache',
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    }));
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Lifeline application cache',
      engine: props.engine,
      engineVersion: props.engineVersion ?? DEFAULT_ENGINE_VERSION[props.engine],
      cacheNodeType: props.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: props.replicas,
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      atRestEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      transitEncryptionEnabled: true,
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      port: CACHE_PORT,
      snapshotRetentionLimit: props.snapshotRetentionDays,
      snapshotWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      autoMinorVersionUpgrade: true,
    });
    this.replicationGroup.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    Validations.of(this.replicationGroup).acknowledge({
      id: 'AwsSolutions-AEC5',
      reason:
        'The cache sits in isolated subnets behind a security group that admits only the tasks; the default port adds no exposure ' +
        'and keeps client defaults working.',
    });
  }

  /** Opens the cache port to a peer. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(CACHE_PORT), description);
  }

  /** Opens the cache port of temporary restores to a peer (the verifier). */
  allowRestoresFrom(peer: ec2.IConnectable, description: string): void {
    this.restoreSecurityGroup.connections.allowFrom(peer, ec2.Port.tcp(CACHE_PORT), description);
  }
}

/**
 * The parameter group and subnet group a new replication group (a restore, a DR cache) is created in:
 * IAM authorizes CreateReplicationGroup on each (Service Authorization Reference, Amazon ElastiCache:
 * parametergroup is required, subnetgroup when the request names one).
 */
export function newCacheGroupArns(stack: Stack, engine: string, subnetGroupName: string | undefined, region: string): string[] {
  if (!subnetGroupName) return [];
  const arn = (resource: string, name: string) =>
    stack.formatArn({ service: 'elasticache', region, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return [arn('parametergroup', defaultCacheParameterGroup(engine)), arn('subnetgroup', subnetGroupName)];
}
