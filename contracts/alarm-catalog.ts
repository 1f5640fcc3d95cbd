/**
 * The one definition of every workload alarm: what it watches, when it fires,
 * and the metadata the alarm-scaling workflow reads to find its policy.
 *
 * The CDK alarms construct builds CloudWatch alarms from these entries and
 * tags each alarm with {@link alarmTags}; the scaling workflow reads the same
 * tags back, and tests assert thresholds against this table. Pure data: no
 * CDK import, so handlers and the twin can use it too.
 */

export const ALARM_IDS = [
  'service-cpu-high',
  'service-cpu-low',
  'service-memory-high',
  'service-memory-low',
  'alb-5xx-rate-high',
  'alb-target-response-time-high',
  'database-cpu-high',
  'database-connections-high',
  'database-free-storage-low',
  'database-replica-lag-high',
  'cache-memory-high',
  'cache-cpu-high',
] as const;
export type AlarmId = (typeof ALARM_IDS)[number];

/** The resource whose dimensions the metric takes. */
export type AlarmSubject = 'service' | 'load-balancer' | 'database' | 'cache';
/** What the scaling workflow changes when the alarm fires (with a policy for it). */
export type ScalingTarget = 'service' | 'database-replicas' | 'cache-replicas' | 'none';

export interface MetricSpec {
  readonly namespace: 'AWS/ECS' | 'AWS/ApplicationELB' | 'AWS/RDS' | 'AWS/ElastiCache';
  readonly metricName: string;
  readonly statistic: 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'p95';
}

export interface AlarmDefinition {
  readonly id: AlarmId;
  readonly subject: AlarmSubject;
  readonly scales: ScalingTarget;
  readonly description: string;
  /** One metric, or a math expression over named metrics. */
  readonly metric:
    MetricSpec | { readonly expression: string; readonly label: string; readonly usingMetrics: Readonly<Record<string, MetricSpec>> };
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
  /** Only created where the subject has this property. */
  readonly onlyWhen?: 'read-replica';
}

const GIB = 1024 ** 3;

/** One-minute datapoints, every one of `minutes` in a row breaching. */
const sustainedMinutes = (minutes: number) => ({ periodSeconds: 60, evaluationPeriods: minutes, datapointsToAlarm: minutes });

export const ALARM_CATALOG: Readonly<Record<AlarmId, AlarmDefinition>> = {
  'service-cpu-high': {
    id: 'service-cpu-high',
    subject: 'service',
    scales: 'service',
    description: 'ECS service average CPU above 70% for 3 minutes',
    metric: { namespace: 'AWS/ECS', metricName: 'CPUUtilization', statistic: 'Average' },
    comparison: 'GreaterThanThreshold',
    threshold: 70,
    ...sustainedMinutes(3),
    treatMissingData: 'missing',
  },
  'service-cpu-low': {
    id: 'service-cpu-low',
    subject: 'service',
    scales: 'service',
    description: 'ECS service average CPU below 20% for 15 minutes',
    metric: { namespace: 'AWS/ECS', metricName: 'CPUUtilization', statistic: 'Average' },
    comparison: 'LessThanThreshold',
    threshold: 20,
    ...sustainedMinutes(15),
    treatMissingData: 'notBreaching',
  },
  'service-memory-high': {
    id: 'service-memory-high',
    subject: 'service',
    scales: 'service',
    description: 'ECS service average memory above 80% for 3 minutes',
    metric: { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', statistic: 'Average' },
    comparison: 'GreaterThanThreshold',
    threshold: 80,
    ...sustainedMinutes(3),
    treatMissingData: 'missing',
  },
  'service-memory-low': {
    id: 'service-memory-low',
    subject: 'service',
    scales: 'service',
    description: 'ECS service average memory below 30% for 15 minutes',
    metric: { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', statistic: 'Average' },
    comparison: 'LessThanThreshold',
    threshold: 30,
    ...sustainedMinutes(15),
    treatMissingData: 'notBreaching',
  },
  'alb-5xx-rate-high': {
    id: 'alb-5xx-rate-high',
    subject: 'load-balancer',
    scales: 'none',
    description: 'More than 5% of load balancer requests answered 5xx by the targets for 3 of 5 minutes',
    metric: {
      expression: '100 * errors / MAX([requests, 1])',
      label: 'Target 5xx rate (%)',
      usingMetrics: {
        errors: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Sum' },
        requests: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', statistic: 'Sum' },
      },
    },
    comparison: 'GreaterThanThreshold',
    threshold: 5,
    periodSeconds: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: 'notBreaching',
  },
  'alb-target-response-time-high': {
    id: 'alb-target-response-time-high',
    subject: 'load-balancer',
    scales: 'service',
    description: 'p95 target response time above 1 s for 3 minutes',
    metric: { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', statistic: 'p95' },
    comparison: 'GreaterThanThreshold',
    threshold: 1,
    ...sustainedMinutes(3),
    treatMissingData: 'notBreaching',
  },
  'database-cpu-high': {
    id: 'database-cpu-high',
    subject: 'database',
    scales: 'database-replicas',
    description: 'RDS CPU above 80% for 5 minutes',
    metric: { namespace: 'AWS/RDS', metricName: 'CPUUtilization', statistic: 'Average' },
    comparison: 'GreaterThanThreshold',
    threshold: 80,
    ...sustainedMinutes(5),
    treatMissingData: 'missing',
  },
  'database-connections-high': {
    id: 'database-connections-high',
    subject: 'database',
    scales: 'none',
    description: 'More than 300 RDS connections for 5 minutes',
    metric: { namespace: 'AWS/RDS', metricName: 'DatabaseConnections', statistic: 'Maximum' },
    comparison: 'GreaterThanThreshold',
    threshold: 300,
    ...sustainedMinutes(5),
    treatMissingData: 'missing',
  },
  'database-free-storage-low': {
    id: 'database-free-storage-low',
    subject: 'database',
    scales: 'none',
    description: 'Less than 10 GiB of free RDS storage',
    metric: { namespace: 'AWS/RDS', metricName: 'FreeStorageSpace', statistic: 'Minimum' },
    comparison: 'LessThanThreshold',
    threshold: 10 * GIB,
    periodSeconds: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'breaching',
  },
  'database-replica-lag-high': {
    id: 'database-replica-lag-high',
    subject: 'database',
    scales: 'none',
    onlyWhen: 'read-replica',
    description: 'Cross-region replica more than 60 s behind for 5 minutes (threatens the RPO)',
    metric: { namespace: 'AWS/RDS', metricName: 'ReplicaLag', statistic: 'Maximum' },
    comparison: 'GreaterThanThreshold',
    threshold: 60,
    ...sustainedMinutes(5),
    treatMissingData: 'breaching',
  },
  'cache-memory-high': {
    id: 'cache-memory-high',
    subject: 'cache',
    scales: 'cache-replicas',
    description: 'ElastiCache memory usage above 80% for 5 minutes',
    metric: { namespace: 'AWS/ElastiCache', metricName: 'DatabaseMemoryUsagePercentage', statistic: 'Maximum' },
    comparison: 'GreaterThanThreshold',
    threshold: 80,
    ...sustainedMinutes(5),
    treatMissingData: 'missing',
  },
  'cache-cpu-high': {
    id: 'cache-cpu-high',
    subject: 'cache',
    scales: 'cache-replicas',
    description: 'ElastiCache engine CPU above 80% for 5 minutes',
    metric: { namespace: 'AWS/ElastiCache', metricName: 'EngineCPUUtilization', statistic: 'Maximum' },
    comparison: 'GreaterThanThreshold',
    threshold: 80,
    ...sustainedMinutes(5),
    treatMissingData: 'missing',
  },
};

/** Tag keys that carry an alarm's metadata; the scaling workflow reads them with ListTagsForResource. */
export const ALARM_TAG = {
  alarmId: 'lifeline:alarm-id',
  scales: 'lifeline:scales',
  regionRole: 'lifeline:region-role',
  app: 'lifeline:app',
} as const;

export function alarmTags(def: AlarmDefinition, appName: string, regionRole: string): Record<string, string> {
  return {
    [ALARM_TAG.alarmId]: def.id,
    [ALARM_TAG.scales]: def.scales,
    [ALARM_TAG.regionRole]: regionRole,
    [ALARM_TAG.app]: appName,
  };
}
