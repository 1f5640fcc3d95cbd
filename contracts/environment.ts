import { type ScalingSettings } from './alarm-scaling';
import { drTimingsFrom } from './aws-timings';
import { automatedBackupReplicationOn, type LifelineConfig } from './config/schema';
import type { DrSettings, DrTimings } from './dr-runbook';
import type { Job } from './jobs';
import type { RegionRole } from './naming';
import { METRICS_NAMESPACE, type MetricOwner, serviceNameOf } from './metrics';
import type { VerificationSettings } from './restore-verification';
import type { PitrSettings } from './point-in-time-recovery';

/**
 * The environment every Lambda function receives, built once: the CDK
 * constructs deploy it and the twin sets it before loading the same
 * handlers, so the two cannot drift apart.
 */
export interface EnvironmentInputs {
  readonly config: LifelineConfig;
  /** The inventory as JSON: the CDK passes `stack.toJsonString(inventory)`, whose tokens resolve at deploy time. */
  readonly inventoryJson: string;
  readonly ledgerTable: string;
  /** The notification topic of the region the function runs in (the DR runbooks publish to it). */
  readonly topicArn: string;
  /** What the DR plan expects each AWS operation to take. @default the default latency profile's */
  readonly timings?: DrTimings;
  /** The region the function runs in, by its role: which workload is its own, and when it acts (the active region). */
  readonly regionRole: RegionRole;
}

/** Whether (and for how long) the primary's automated backups are replicated to the DR region. */
const backupReplicationFrom = (config: LifelineConfig) => ({
  on: automatedBackupReplicationOn(config),
  retentionDays: config.backup.automatedBackupReplicationRetentionDays,
});

/** Fargate vCPU per task, from the task's CPU units. */
const vcpuOf = (cpuUnits: number) => cpuUnits / 1024;

/** The DR functions' settings (DR_SETTINGS) from the configuration and the timings the plan expects. */
function drSettingsFrom(config: LifelineConfig, timings: DrTimings): DrSettings {
  return {
    requireApproval: config.dr.requireApproval,
    approvalTimeoutSeconds: config.dr.approvalTimeoutMinutes * 60,
    cacheRecovery: config.dr.cacheRecovery ?? (config.dr.strategy === 'warm-standby' ? 'fresh' : 'restore-snapshot'),
    cacheGlobalDatastoreId: config.dr.cacheGlobalDatastoreId,
    healthyChecks: config.dr.healthyChecks,
    healthIntervalSeconds: 10,
    healthCheckPath: config.service.healthCheckPath,
    desiredCount: config.service.desiredCount,
    standbyCount: config.service.standbyCount,
    taskVcpu: vcpuOf(config.service.cpu),
    // The default Fargate On-Demand vCPU quota of an account (Service Quotas L-3032A538); raise it in the DR region before you need it.
    fargateVcpuQuota: config.dr.fargateVcpuQuota,
    instanceClass: config.database.instanceClass,
    cacheNodeType: config.cache.nodeType,
    cacheEngine: config.cache.engine,
    maxCatchUpLagSeconds: 1,
    backupReplication: backupReplicationFrom(config),
    timings,
  };
}

/** The scaling functions' settings (SCALING). */
export function scalingSettingsFrom(config: LifelineConfig): ScalingSettings {
  return {
    policies: config.scaling.policies,
    min: config.service.minCount,
    max: config.service.maxCount,
    taskStartSeconds: config.scaling.taskStartSeconds,
    steadyStateTimeoutSeconds: config.scaling.steadyStateTimeoutSeconds,
  };
}

/** The restore-verification functions' settings (VERIFICATION). */
function verificationSettingsFrom(config: LifelineConfig): VerificationSettings {
  const { instanceClass, rowCountTolerancePercent, ttlMinutes, checks } = config.restoreVerification;
  return { instanceClass, rowCountTolerancePercent, ttlMinutes, checks };
}

/** The point-in-time recovery functions' settings (POINT_IN_TIME_RECOVERY). */
function pitrSettingsFrom(config: LifelineConfig, timings: DrTimings): PitrSettings {
  return {
    approvalTimeoutSeconds: config.dr.approvalTimeoutMinutes * 60,
    keepHours: config.pointInTimeRecovery.keepHours,
    compareRowLimit: config.pointInTimeRecovery.compareRowLimit,
    // A cutover's instance becomes production: the application's class, Multi-AZ as the primary is.
    instanceClass: config.database.instanceClass,
    multiAz: true,
    checks: config.restoreVerification.checks,
    backupReplication: backupReplicationFrom(config),
    timings: {
      restorePointInTime: timings.restorePointInTime,
      renameInstance: timings.renameInstance,
      createReplica: timings.createReplica,
    },
  };
}

/** The variables of one job's functions (and of the scheduled functions that belong to it). */
export function jobEnvironment(job: Job, inputs: EnvironmentInputs): Record<string, string> {
  const { config } = inputs;
  const common = { INVENTORY: inputs.inventoryJson, LEDGER_TABLE: inputs.ledgerTable, REGION_ROLE: inputs.regionRole };
  switch (job) {
    case 'backup':
      return { ...common, RETENTION: JSON.stringify(config.backup.retention) };
    case 'alarm-scaling':
      return { ...common, SCALING: JSON.stringify(scalingSettingsFrom(config)) };
    case 'restore-verification':
      return { ...common, VERIFICATION: JSON.stringify(verificationSettingsFrom(config)) };
    case 'point-in-time-recovery':
      return {
        ...common,
        POINT_IN_TIME_RECOVERY: JSON.stringify(pitrSettingsFrom(config, inputs.timings ?? drTimingsFrom())),
        TOPIC_ARN: inputs.topicArn,
      };
    case 'dr-failover':
    case 'dr-failback':
      return {
        ...common,
        DR_SETTINGS: JSON.stringify(drSettingsFrom(config, inputs.timings ?? drTimingsFrom())),
        TOPIC_ARN: inputs.topicArn,
      };
  }
}

/** The heartbeat writer's variables; `role` is the region it writes in. */
export function heartbeatEnvironment(
  role: 'primary' | 'dr',
  inputs: Pick<EnvironmentInputs, 'inventoryJson' | 'ledgerTable'> & { readonly healthCheckPath: string },
): Record<string, string> {
  return {
    INVENTORY: inputs.inventoryJson,
    REGION_ROLE: role,
    HEALTH_CHECK_PATH: inputs.healthCheckPath,
    LEDGER_TABLE: inputs.ledgerTable,
  };
}

/** Powertools' variables; the service name is also the `service` dimension of every metric the function emits. */
export function powertoolsEnvironment(owner: MetricOwner): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: serviceNameOf(owner), POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE };
}
