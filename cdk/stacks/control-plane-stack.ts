import { Duration, RemovalPolicy, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { LifelineConfig, RegionRole } from '../config/schema';
import { Ledger } from '../control-plane/ledger';
import { bundledCode, type FunctionFactory } from '../control-plane/ops-function';
import type { WorkloadStack } from './workload-stack';

export interface ControlPlaneStackProps extends StackProps {
  readonly config: LifelineConfig;
  readonly role: RegionRole;
  /** The workload of this region (its topic, VPC and resources). */
  readonly workload: WorkloadStack;
  /** The primary control plane, whose global ledger table the standby uses. */
  readonly primaryControlPlane?: ControlPlaneStack;
  /** How functions get their code. @default bundledCode (esbuild) */
  readonly functionFactory?: FunctionFactory;
}

/**
 * The control plane of one region: the ledger (a global table owned by the
 * primary, with a replica here in the DR region), the reports bucket, and
 * the functions and workflows of each job.
 */
export class ControlPlaneStack extends Stack {
  readonly ledgerTable: dynamodb.ITableV2;
  readonly reports: s3.Bucket;
  readonly functionFactory: FunctionFactory;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    Tags.of(this).add('lifeline:app', props.config.appName);
    Tags.of(this).add('lifeline:region-role', props.role);
    this.functionFactory = props.functionFactory ?? bundledCode;

    if (props.role === 'primary') {
      this.ledgerTable = new Ledger(this, 'Ledger', { replicaRegions: [props.config.regions.dr] }).table;
    } else {
      if (!props.primaryControlPlane) throw new Error('The standby control plane needs the primary one (for its ledger replica)');
      this.ledgerTable = dynamodb.TableV2.fromTableName(this, 'LedgerReplica', props.primaryControlPlane.ledgerTable.tableName);
    }

    const accessLogs = new s3.Bucket(this, 'ReportAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the server access logs of the reports bucket; logging it in turn would recurse without adding an audit trail.',
    });
    this.reports = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
