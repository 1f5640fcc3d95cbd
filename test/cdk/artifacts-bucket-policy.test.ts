import { describe, expect, it } from 'vitest';
import { isRecord } from '../../cdk/compliance/rule';
import { synthLifeline } from '../../cdk/synth';

/**
 * The ElastiCache guide's bucket policy for exporting a backup to S3
 * ("Exporting a backup" → "Grant ElastiCache access to your Amazon S3
 * bucket"), written out here rather than read from the contract, so that a
 * change to either the construct or the contract fails this test.
 */
const EXPORT_ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:ListBucket',
  's3:GetBucketAcl',
  's3:ListMultipartUploadParts',
  's3:ListBucketMultipartUploads',
];

describe('artifacts bucket policy', () => {
  const { json } = synthLifeline({});

  it.each([
    ['Lifeline-Workload-Primary', 'us-east-1'],
    ['Lifeline-Workload-Standby', 'us-west-2'],
  ])('%s grants its region’s ElastiCache snapshot principal exactly the documented export grant', (stackName, region) => {
    const resources = (json[stackName] as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources;
    const [bucketId] = Object.keys(resources).filter((id) => id.startsWith('ArtifactsBucket') && resources[id].Type === 'AWS::S3::Bucket');
    expect(bucketId).toBeDefined();
    const policies = Object.values(resources).filter(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    expect(policies).toHaveLength(1);
    const document = policies[0].Properties.PolicyDocument;
    const statements = isRecord(document) && Array.isArray(document.Statement) ? document.Statement : [];
    const toElastiCache = statements.filter((s) => JSON.stringify(s).includes('elasticache-snapshot'));

    const arn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    expect(toElastiCache).toEqual([
      {
        Sid: 'ElastiCacheSnapshotExportAndSeed',
        Effect: 'Allow',
        Principal: { Service: `${region}.elasticache-snapshot.amazonaws.com` },
        // CDK writes the actions sorted.
        Action: [...EXPORT_ACTIONS].sort(),
        Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
      },
    ]);
  });
});
