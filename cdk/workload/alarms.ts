import { Duration, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ALARM_CATALOG,
  type AlarmDefinition,
  type AlarmId,
  type AlarmSubject,
  type MetricSpec,
  alarmTags,
} from '../../contracts/alarm-catalog';

export interface WorkloadAlarmsProps {
  readonly appName: string;
  readonly regionRole: string;
  /** CloudWatch dimensions of each subject present in this region; alarms of absent subjects are not made. */
  readonly dimensions: Partial<Record<AlarmSubject, Record<string, string>>>;
  /** The region's database is a read replica (enables replica-lag alarms). */
  readonly databaseIsReplica: boolean;
  /** Optional topic notified on ALARM and OK. */
  readonly topic?: sns.ITopic;
}

/**
 * The workload's CloudWatch alarms, built from {@link ALARM_CATALOG}. Each
 * alarm is tagged with its catalog id and what it scales, which is how the
 * alarm-scaling workflow finds its policy from an alarm state-change event.
 */
export class WorkloadAlarms extends Construct {
  readonly alarms: Partial<Record<AlarmId, cloudwatch.Alarm>> = {};

  constructor(scope: Construct, id: string, props: WorkloadAlarmsProps) {
    super(scope, id);
    for (const def of Object.values(ALARM_CATALOG)) {
      const dimensions = props.dimensions[def.subject];
      if (!dimensions) continue;
      if (def.onlyWhen === 'read-replica' && !props.databaseIsReplica) continue;
      const alarm = new cloudwatch.Alarm(this, def.id, {
        alarmDescription: `${def.description} [lifeline:${def.id}]`,
        metric: buildMetric(def, dimensions),
        threshold: def.threshold,
        comparisonOperator:
          def.comparison === 'GreaterThanThreshold'
            ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
            : cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: def.evaluationPeriods,
        datapointsToAlarm: def.datapointsToAlarm,
        treatMissingData: treatMissing(def.treatMissingData),
      });
      for (const [key, value] of Object.entries(alarmTags(def, props.appName, props.regionRole))) {
        Tags.of(alarm).add(key, value);
      }
      if (props.topic) {
        alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
        alarm.addOkAction(new cloudwatchActions.SnsAction(props.topic));
      }
      this.alarms[def.id] = alarm;
    }
  }
}

function metricOf(spec: MetricSpec, dimensions: Record<string, string>, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: spec.namespace,
    metricName: spec.metricName,
    statistic: spec.statistic,
    dimensionsMap: dimensions,
    period,
  });
}

function buildMetric(def: AlarmDefinition, dimensions: Record<string, string>): cloudwatch.IMetric {
  const period = Duration.seconds(def.periodSeconds);
  if ('expression' in def.metric) {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const [name, spec] of Object.entries(def.metric.usingMetrics)) usingMetrics[name] = metricOf(spec, dimensions, period);
    return new cloudwatch.MathExpression({ expression: def.metric.expression, label: def.metric.label, usingMetrics, period });
  }
  return metricOf(def.metric, dimensions, period);
}

function treatMissing(value: AlarmDefinition['treatMissingData']): cloudwatch.TreatMissingData {
  switch (value) {
    case 'breaching':
      return cloudwatch.TreatMissingData.BREACHING;
    case 'notBreaching':
      return cloudwatch.TreatMissingData.NOT_BREACHING;
    case 'ignore':
      return cloudwatch.TreatMissingData.IGNORE;
    case 'missing':
      return cloudwatch.TreatMissingData.MISSING;
  }
}
