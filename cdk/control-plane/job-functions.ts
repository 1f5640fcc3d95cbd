import { Duration, Stack } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Inventory } from '../../contracts/inventory';
import type { LifelineConfig } from '../../contracts/config/schema';
import type { RegionRole } from '../../contracts/naming';
import type { WorkloadStack } from '../stacks/workload-stack';
import { type EnvironmentInputs, jobEnvironment } from '../../contracts/environment';
import { JOB_FUNCTIONS, type Job } from '../../contracts/jobs';
import { type FunctionFactory, OpsFunction } from './ops-function';

/** What the control-plane stack gives every job construct. */
export interface JobProps {
  readonly config: LifelineConfig;
  readonly inventory: Inventory;
  /** The ledger: the global table in the primary region, its replica in the DR region. */
  readonly ledger: dynamodb.ITableV2;
  readonly factory: FunctionFactory;
  /** The role of the region the job is deployed in: both regions deploy every job, and it acts while its region is active. */
  readonly role: RegionRole;
}

/** A job that acts on its own region's workload and copies to (or restores with keys of) the other region. */
export interface TwoRegionJobProps extends JobProps {
  /** This region's workload: what the job backs up, verifies or scales. */
  readonly home: WorkloadStack;
  /** The other region's: where copies go. */
  readonly away: WorkloadStack;
}

/** What {@link jobEnvironment} needs, from a job's props: the inventory as JSON whose tokens `stack` resolves. */
function environmentInputs(stack: Stack, props: JobProps, topic: sns.ITopic): EnvironmentInputs {
  return {
    config: props.config,
    inventoryJson: stack.toJsonString(props.inventory),
    ledgerTable: props.ledger.tableName,
    topicArn: topic.topicArn,
    regionRole: props.role,
  };
}

export interface JobFunctionsProps extends JobProps {
  readonly job: Job;
  /** The workload whose VPC and database client security group the functions that reach a database use. */
  readonly workload: WorkloadStack;
  /** The topic the job notifies (its ARN is in every function's environment). */
  readonly topic: sns.ITopic;
}

/**
 * The Lambda functions of one job, from {@link JOB_FUNCTIONS}, each with the
 * job's environment and read/write access to the ledger (every run records
 * itself there); functions that talk to a database run in the workload VPC's
 * private subnets with its control-plane client security group, which the
 * databases admit.
 */
export class JobFunctions extends Construct {
  readonly byPlaceholder: Record<string, lambda.Function> = {};
  /** The job's environment (configuration, inventory, ledger, topic), for other functions of the job. */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: JobFunctionsProps) {
    super(scope, id);
    this.environment = jobEnvironment(props.job, environmentInputs(Stack.of(this), props, props.topic));
    const { vpc } = props.workload.network;
    const databaseClients = props.workload.database.controlPlaneClients;
    for (const [placeholder, spec] of Object.entries(JOB_FUNCTIONS[props.job])) {
      const database = 'database' in spec && spec.database === true;
      this.byPlaceholder[placeholder] = new OpsFunction(this, placeholder, {
        entry: spec.entry,
        description: `Lifeline ${props.job}: ${spec.description}`,
        owner: props.job,
        environment: {
          ...this.environment,
          // Node 20+ Lambda runtimes load the RDS CA bundle only when asked (TLS to RDS is verified).
          ...(database ? { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } : {}),
        },
        timeout: Duration.seconds(('timeoutSeconds' in spec ? spec.timeoutSeconds : undefined) ?? (database ? 120 : 60)),
        vpc: database ? vpc : undefined,
        securityGroups: database ? [databaseClients] : undefined,
        factory: props.factory,
      }).function;
    }
    for (const fn of this.all) props.ledger.grantReadWriteData(fn);
  }

  /** The `${Placeholder}` → ARN substitutions for the job's state machine. */
  substitutions(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.byPlaceholder).map(([placeholder, fn]) => [placeholder, fn.functionArn]));
  }

  get all(): lambda.Function[] {
    return Object.values(this.byPlaceholder);
  }

  /** The functions whose placeholders `used` contains (what one state machine may invoke). */
  usedBy(used: ReadonlySet<string>): lambda.Function[] {
    return Object.entries(this.byPlaceholder).flatMap(([placeholder, fn]) => (used.has(placeholder) ? [fn] : []));
  }
}
