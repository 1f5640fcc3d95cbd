import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface AutomatedBackupReplicationProps {
  /** The primary database, whose automated backups are replicated here. */
  readonly source: rds.IDatabaseInstance;
  /** This (the DR) region's key the replicated backups are encrypted with. */
  readonly key: kms.IKey;
  /** Days this region keeps them (RDS allows 1 to 35). */
  readonly retentionDays: number;
}

/**
 * Cross-Region automated backups of the primary database, turned on from the DR region, where they live: RDS copies
 * the primary's automated snapshots and transaction logs here as soon as they are ready (RDS User Guide,
 * "Replicating automated backups to another AWS Region"), so a pilot-light failover restores to within minutes of
 * the failure. CloudFormation's `AutomaticBackupReplicationRegion` on the primary instance would need this region's
 * key in the primary stack, which this stack depends on (its DNS and warm replica read the primary): a cycle. So the
 * DR stack, deployed after the primary, calls `StartDBInstanceAutomatedBackupsReplication` (an API of the
 * destination region) and `StopDBInstanceAutomatedBackupsReplication` when it is removed.
 */
export class AutomatedBackupReplication extends Construct {
  constructor(scope: Construct, id: string, props: AutomatedBackupReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const sourceArn = props.source.instanceArn;
    const physicalResourceId = cr.PhysicalResourceId.of(`automated-backup-replication-${stack.region}`);
    new cr.AwsCustomResource(this, 'Replication', {
      onCreate: {
        service: 'RDS',
        action: 'startDBInstanceAutomatedBackupsReplication',
        parameters: { SourceDBInstanceArn: sourceArn, KmsKeyId: props.key.keyArn, BackupRetentionPeriod: props.retentionDays },
        physicalResourceId,
      },
      onDelete: {
        service: 'RDS',
        action: 'stopDBInstanceAutomatedBackupsReplication',
        parameters: { SourceDBInstanceArn: sourceArn },
        physicalResourceId,
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // The Service Authorization Reference: the source db, and the automated backups (named by RDS) created here.
        new iam.PolicyStatement({
          actions: ['rds:StartDBInstanceAutomatedBackupsReplication', 'rds:StopDBInstanceAutomatedBackupsReplication'],
          resources: [
            sourceArn,
            stack.formatArn({ service: 'rds', resource: 'auto-backup', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          ],
        }),
        // RDS encrypts the copies with this region's key on the caller's behalf.
        new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [props.key.keyArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    // The provider function CDK shares across a stack's AwsCustomResources (its logical id is CDK's, fixed).
    const provider = stack.node.tryFindChild(PROVIDER_ID);
    const role = provider instanceof lambda.Function ? provider.role : undefined;
    if (role)
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's custom-resource provider writes its logs with AWSLambdaBasicExecutionRole, which grants only that.",
      });
  }
}

/** The id aws-cdk-lib gives the singleton function behind every AwsCustomResource of a stack. */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';
