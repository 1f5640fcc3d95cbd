/**
 * What each region's artifacts bucket grants beyond its own account, as
 * plain policy JSON: the CDK Artifacts construct attaches these statements
 * and the twin seeds its buckets with the same ones, so what the twin
 * enforces is what the product deploys.
 */

/** One statement of an S3 bucket policy, as IAM's JSON grammar spells it. */
export interface BucketPolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: { readonly Service: string };
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

/** ElastiCache's regional service principal that reads and writes RDB files in S3 for the caller. */
const elastiCacheSnapshotPrincipal = (region: string): string => `${region}.elasticache-snapshot.amazonaws.com`;

/**
 * The bucket policy of the ElastiCache guide, "Exporting a backup" → "Grant
 * ElastiCache access to your Amazon S3 bucket"
 * (docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-exporting.html):
 * the backup job exports cache snapshots into this bucket. The guide's
 * "Seeding a new node-based cluster with an externally created backup"
 * (backups-seeding-redis.html) uses the same statement for reading an RDB
 * file into a new cluster, which the DR runbooks do from this bucket; its
 * read actions are a subset of these. The principal is the bucket's own
 * region's: ElastiCache exports only to a bucket of the snapshot's region.
 */
const ELASTICACHE_SNAPSHOT_ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:ListBucket',
  's3:GetBucketAcl',
  's3:ListMultipartUploadParts',
  's3:ListBucketMultipartUploads',
] as const;

/** The statements the artifacts bucket in `region` carries, for a bucket ARN (a CDK token or a twin ARN). */
export function artifactsBucketStatements(region: string, bucketArn: string): BucketPolicyStatement[] {
  return [
    {
      Sid: 'ElastiCacheSnapshotExportAndSeed',
      Effect: 'Allow',
      Principal: { Service: elastiCacheSnapshotPrincipal(region) },
      Action: [...ELASTICACHE_SNAPSHOT_ACTIONS],
      Resource: [bucketArn, `${bucketArn}/*`],
    },
  ];
}
