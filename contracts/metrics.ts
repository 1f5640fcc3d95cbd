import type { Job } from './jobs';

/**
 * The custom metrics Lifeline's functions publish (Powertools, EMF) and the
 * alarms and dashboard read: names and dimensions defined once, so an alarm
 * cannot watch a metric nobody emits.
 */
export const METRICS_NAMESPACE = 'Lifeline';

/** Who publishes: a job's functions, or the scheduled heartbeat. */
export type MetricOwner = Job | 'heartbeat';

/**
 * The Powertools service name of an owner's functions. Powertools adds it to
 * every metric as the `service` dimension, so it is part of each metric's identity.
 */
export const serviceNameOf = (owner: MetricOwner): string => `lifeline-${owner}`;

/** Each owner's metrics and the dimension (besides `service`) it adds to them. */
export const METRICS = {
  backup: {
    dimension: 'Target',
    names: {
      backupDuration: 'BackupDuration',
      copyDuration: 'CopyDuration',
      newestBackupAge: 'NewestBackupAgeSeconds',
      succeeded: 'BackupSucceeded',
      /** A scheduled run in the passive region, which backs nothing up (the active region does). */
      passive: 'BackupPassive',
      /** The target's duty met: a successful backup, or a passive-region no-op (what the stale alarm counts). */
      covered: 'BackupCovered',
    },
  },
  'alarm-scaling': {
    dimension: 'Target',
    names: {
      decisionLatency: 'ScalingDecisionLatency',
      scaleOut: 'ScaleOut',
      scaleIn: 'ScaleIn',
      timeToSteadyState: 'TimeToSteadyState',
      failed: 'ScalingFailed',
    },
  },
  'restore-verification': {
    dimension: 'Target',
    names: {
      restoreDuration: 'RestoreDurationSeconds',
      verifiedRpo: 'VerifiedRpoSeconds',
      failed: 'VerificationFailed',
      succeeded: 'VerificationSucceeded',
      passive: 'VerificationPassive',
      /** A successful verification, or a passive-region no-op (what the stale alarm counts). */
      covered: 'VerificationCovered',
    },
  },
  // The failback runs the failover's functions, so both directions publish as lifeline-dr-failover.
  'dr-failover': {
    dimension: 'Direction',
    names: { rto: 'DrRtoSeconds', rpo: 'DrRpoSeconds', succeeded: 'DrSucceeded', notCompleted: 'DrNotCompleted' },
  },
  heartbeat: { dimension: undefined, names: { primaryEndpointHealthy: 'PrimaryEndpointHealthy' } },
} as const;

type Published = keyof typeof METRICS;
type NameOf<O extends Published> = keyof (typeof METRICS)[O]['names'];

/**
 * The traffic switch (1: the DR region serves; 0: the primary does), published with PutMetricData by the DR region's
 * heartbeat every minute and by the runbooks at the switch. Not through Powertools: both publishers must write one
 * series, and Powertools adds each function's own `service` dimension.
 */
export const TRAFFIC_METRIC = { namespace: METRICS_NAMESPACE, name: 'TrafficToDr', dimension: 'App' } as const;

/** The DR region's alarm on {@link TRAFFIC_METRIC}; Route 53's health check of the primary record reads its data stream. */
export const trafficAlarmName = (appName: string): string => `${appName}-traffic-to-dr`;

/**
 * The DR region's alarm on the primary's health as its heartbeat probes it ({@link METRICS}.heartbeat): in ALARM,
 * an EventBridge rule there starts the failover runbook, which then waits for approval.
 */
export const primaryUnhealthyAlarmName = (appName: string): string => `${appName}-primary-unhealthy`;

/** What identifies one published metric in CloudWatch: namespace, name and dimensions. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensionsMap: Record<string, string>;
}

/**
 * The identity of `owner`'s metric `name`, with its dimension's value (the
 * target or direction) where the owner adds one.
 */
export function metricIdentity<O extends Published>(owner: O, name: NameOf<O>, dimensionValue?: string): MetricIdentity {
  const spec: { dimension: string | undefined; names: Record<string, string> } = METRICS[owner];
  const dimensionsMap: Record<string, string> = { service: serviceNameOf(owner) };
  if (spec.dimension !== undefined && dimensionValue !== undefined) dimensionsMap[spec.dimension] = dimensionValue;
  return { namespace: METRICS_NAMESPACE, metricName: spec.names[String(name)], dimensionsMap };
}
