import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { artifactsBucketStatements } from '../../contracts/artifacts-bucket';
import { LogBucket } from '../workload/log-bucket';

/**
 * The region's bucket for control-plane artifacts: run reports, cache
 * snapshot exports (ElastiCache exports only to a bucket of its own region)
 * and their DR copies. Versioned, encrypted, TLS only, access-logged.
 */
export class Artifacts extends Construct {
  readonly bucket: s3.Bucket;
  /**
   * What control-plane functions may do here: read, write and delete the
   * objects the backup job names (cache exports `lifeline-*` and their DR
   * copies `cache-backups/*`). A managed policy of this stack, attached to
   * roles in the control-plane stack, so the reference runs one way only.
   */
  readonly controlPlaneAccess: iam.ManagedPolicy;
  /** Only for the function that copies cache exports here: it may abort its own multipart copy. */
  readonly multipartCopyAccess: iam.ManagedPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const accessLogs = new LogBucket(this, 'AccessLogs', { receives: 'the server access logs of the artifacts bucket' }).bucket;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(30) },
        // A multipart DR copy cut short without its abort (the copying function timed out) frees its parts a day later.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // ElastiCache exports snapshots here and seeds new clusters from the RDB copies here: its regional service
    // principal needs the grant (contracts/artifacts-bucket.ts; the twin seeds its buckets with the same statements).
    for (const statement of artifactsBucketStatements(Stack.of(this).region, this.bucket.bucketArn))
      this.bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
    this.controlPlaneAccess = new iam.ManagedPolicy(this, 'ControlPlaneAccess', {
      description: 'Lifeline control plane: objects it writes in the artifacts bucket',
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket'], resources: [this.bucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [
            this.bucket.arnForObjects('lifeline-*'),
            this.bucket.arnForObjects('cache-backups/*'),
            this.bucket.arnForObjects('reports/*'),
          ],
        }),
      ],
    });
    this.multipartCopyAccess = new iam.ManagedPolicy(this, 'MultipartCopyAccess', {
      description: 'Lifeline control plane: abort a multipart DR copy into the artifacts bucket',
      statements: [
        // A DR copy of an export over 5 GiB is a multipart upload (functions/backup/copy-to-dr.ts): a failed one is aborted.
        new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: [this.bucket.arnForObjects('cache-backups/*')] }),
      ],
    });
  }
}
