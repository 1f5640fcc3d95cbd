import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { heartbeatEnvironment } from '../../contracts/environment';
import { SCHEDULED_FUNCTION_ENTRIES } from '../../contracts/jobs';
import type { Inventory } from '../../contracts/inventory';
import type { WorkloadStack } from '../stacks/workload-stack';
import { secretArnByName } from './inventory';
import { type FunctionFactory, OpsFunction } from './ops-function';

export interface HeartbeatProps {
  readonly inventory: Inventory;
  readonly role: 'primary' | 'dr';
  /** The workload of this region (VPC, database, its credentials). */
  readonly workload: WorkloadStack;
  /** The stack that owns the master secret (the primary): its replica in this region has the same name. */
  readonly secretName: string;
  readonly factory: FunctionFactory;
  /** The ledger (this region's replica), where the newest write is noted for the DR side's RPO. */
  readonly ledger: dynamodb.ITableV2;
  /** The application's health path, which the DR region's heartbeat probes on the primary. */
  readonly healthCheckPath: string;
}

/**
 * The heartbeat writer of one region: every minute a row with the time into
 * lifeline_heartbeat of the region's writable database. RPO is measured from
 * these rows in whatever copy of the data a job ends up with.
 */
export class Heartbeat extends Construct {
  readonly function: OpsFunction;

  constructor(scope: Construct, id: string, props: HeartbeatProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = new OpsFunction(this, 'Writer', {
      entry: SCHEDULED_FUNCTION_ENTRIES.heartbeat,
      description: 'Lifeline heartbeat: one timestamped row a minute in the protected database',
      owner: 'heartbeat',
      environment: {
        ...heartbeatEnvironment(props.role, {
          inventoryJson: stack.toJsonString(props.inventory),
          ledgerTable: props.ledger.tableName,
          healthCheckPath: props.healthCheckPath,
        }),
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      timeout: Duration.seconds(30),
      vpc: props.workload.network.vpc,
      securityGroups: [props.workload.database.controlPlaneClients],
      factory: props.factory,
    });
    const fn = this.function.function;
    props.ledger.grantWriteData(fn);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnByName(stack, props.secretName)],
      }),
    );
    // The DR heartbeat publishes the traffic switch every minute (the datapoints Route 53's check reads).
    if (props.role === 'dr') props.workload.trafficSwitch?.grantPublish(fn);
    if (props.role === 'primary') {
      // The primary's master secret is encrypted with the database key; its DR replica with the region's default key.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.workload.database.key.keyArn] }));
    }
    new scheduler.Schedule(this, 'EveryMinute', {
      description: 'Lifeline heartbeat',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(fn, { retryAttempts: 0 }),
    });
  }
}
