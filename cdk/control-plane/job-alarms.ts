import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { MetricIdentity } from '../../contracts/metrics';

export interface JobMetricAlarmProps {
  readonly description: string;
  /** A count the job's functions publish (its `metricIdentity`), summed per period. */
  readonly metric: MetricIdentity;
  readonly period: Duration;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** Notified when the alarm fires. */
  readonly topic: sns.ITopic;
}

/** Fires when the job reports a failure: any count above 0; no data is no failure. */
export function alarmOnReportedFailure(scope: Construct, id: string, props: JobMetricAlarmProps): cloudwatch.Alarm {
  return countAlarm(scope, id, props, 0, cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, cloudwatch.TreatMissingData.NOT_BREACHING);
}

/** Fires when the job reports no success within the window; no data breaches too, since a job that stopped running publishes none. */
export function alarmOnNoSuccess(scope: Construct, id: string, props: JobMetricAlarmProps): cloudwatch.Alarm {
  return countAlarm(scope, id, props, 1, cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, cloudwatch.TreatMissingData.BREACHING);
}

function countAlarm(
  scope: Construct,
  id: string,
  props: JobMetricAlarmProps,
  threshold: number,
  comparisonOperator: cloudwatch.ComparisonOperator,
  treatMissingData: cloudwatch.TreatMissingData,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: new cloudwatch.Metric({ ...props.metric, statistic: 'Sum', period: props.period }),
    threshold,
    comparisonOperator,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    treatMissingData,
  });
  alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
  return alarm;
}
