import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { trafficParameterName } from '../../contracts/inventory';
import { TRAFFIC_METRIC, trafficAlarmName } from '../../contracts/metrics';

/**
 * Which region serves, held in the DR region (functions/shared/traffic.ts): a parameter the runbooks set and the DR
 * heartbeat publishes every minute as the traffic metric, and the alarm on that metric that Route 53's health check
 * of the PRIMARY record reads. The alarm keeps its state through missing data (`ignore`): only a datapoint moves it.
 */
export class TrafficSwitch extends Construct {
  readonly parameter: ssm.StringParameter;
  readonly alarm: cloudwatch.Alarm;

  private readonly appName: string;

  constructor(scope: Construct, id: string, props: { readonly appName: string }) {
    super(scope, id);
    this.appName = props.appName;
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: trafficParameterName(props.appName),
      stringValue: 'primary',
      description: 'Lifeline: the region that serves (primary or dr); the DR runbooks set it',
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: trafficAlarmName(props.appName),
      alarmDescription: 'Lifeline: traffic goes to the DR region (Route 53 answers the DR record while this alarm is in ALARM)',
      metric: new cloudwatch.Metric({
        namespace: TRAFFIC_METRIC.namespace,
        metricName: TRAFFIC_METRIC.name,
        dimensionsMap: { [TRAFFIC_METRIC.dimension]: props.appName },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
  }

  /** Reads the switch (the parameter and the alarm); with `write`, also sets it and publishes its datapoint. */
  grant(grantee: iam.IGrantable, write: boolean): void {
    const stack = Stack.of(this);
    const statements = [
      this.parameterStatement(write ? ['ssm:GetParameter', 'ssm:PutParameter'] : ['ssm:GetParameter']),
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [
          stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: trafficAlarmName(this.appName),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ];
    if (write) statements.push(TrafficSwitch.publishStatement());
    for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }

  /** What the DR heartbeat needs: read the parameter and publish it (no alarm reads). */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.parameterStatement(['ssm:GetParameter']));
    grantee.grantPrincipal.addToPrincipalPolicy(TrafficSwitch.publishStatement());
  }

  private parameterStatement(actions: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions,
      resources: [
        Stack.of(this).formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: trafficParameterName(this.appName).slice(1),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    });
  }

  /** PutMetricData has no resource: the namespace condition keeps the grant to Lifeline's metrics. */
  static publishStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': TRAFFIC_METRIC.namespace } },
    });
  }
}
