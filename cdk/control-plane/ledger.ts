import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface LedgerProps {
  /** Regions that hold a replica besides the stack's own (the DR region). */
  readonly replicaRegions: readonly string[];
}

/**
 * The ledger: every run writes here first (idempotency keys, manifests,
 * decisions, reports). A global table, so the DR region's runbooks read and
 * write their own replica while the primary region is down. Keys: `pk`
 * (e.g. `backup#<target>`) and `sk` (e.g. an ISO time or an execution name).
 */
export class Ledger extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: LedgerProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: 'expiresAt',
      replicas: props.replicaRegions.map((region) => ({ region })),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
