import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { isReadOnlyAction } from '../compliance/iam-actions';
import { apiActionsOf, type AslDefinition, checkSubstitutions, definitionText } from '../../contracts/asl';

export interface WorkflowProps {
  /** The definition is state-machines/<job>.asl.json. */
  readonly job: string;
  /** One value per `${Placeholder}` of the file (checked both ways at synth). */
  readonly substitutions: Record<string, string>;
  /** Functions the machine invokes (also substituted by the caller). */
  readonly functions: readonly lambda.IFunction[];
  /**
   * Resources each mutating IAM action may touch. A mutating action of the
   * file without an entry fails synthesis: there is no wildcard default.
   * Read-only actions default to `*` (most Describe/List APIs cannot be scoped).
   */
  readonly resources: Readonly<Record<string, readonly string[]>>;
  /** Extra conditions per IAM action (e.g. tag conditions). */
  readonly conditions?: Readonly<Record<string, Record<string, unknown>>>;
  /** Statements beyond the file's API actions (e.g. iam:PassRole, kms:CreateGrant for copies). */
  readonly extraStatements?: readonly iam.PolicyStatement[];
}

/**
 * A Standard state machine from its ASL file. Its role is derived from the
 * aws-sdk and optimized integrations the file uses, plus invoke rights on
 * its functions; logging at level ALL with execution data; X-Ray tracing.
 */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  /** The IAM actions derived from the file. */
  readonly apiActions: readonly string[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const text = definitionText(props.job);
    checkSubstitutions(props.job, text, props.substitutions);
    const definition: AslDefinition = JSON.parse(text);
    this.apiActions = apiActionsOf(definition).map((a) => a.iamAction);

    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    for (const action of this.apiActions) {
      const resources = props.resources[action] ?? (isReadOnlyAction(action) ? ['*'] : undefined);
      if (!resources) throw new Error(`${props.job}.asl.json calls ${action}, which mutates: give it resources (no wildcard default)`);
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: [action], resources: [...resources], conditions: props.conditions?.[action] }),
      );
    }
    for (const statement of props.extraStatements ?? []) this.role.addToPolicy(statement);
    for (const fn of props.functions) fn.grantInvoke(this.role);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: props.substitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      role: this.role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // Which file a deployed machine runs: read by tests and by operators in the console.
    Tags.of(this.stateMachine).add('lifeline:definition', `${props.job}.asl.json`);
  }

  /** An alarm on any failed execution within 5 minutes, notifying `topic`. */
  alarmOnFailures(topic: sns.ITopic, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'FailedExecutions', {
      alarmDescription: description,
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    return alarm;
  }
}
