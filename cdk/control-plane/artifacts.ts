import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const accessLogs = new LogBucket(this, 'AccessLogs', { receives: 'the server access logs of the artifacts bucket' }).bucket;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
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
  }
}
