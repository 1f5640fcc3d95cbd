import type { LifelineConfig } from '../../cdk/config/schema';
import type { DrSettings, DrTimings } from './contract';

/** Fargate vCPU per task, from the task's CPU units. */
const vcpuOf = (cpuUnits: number) => cpuUnits / 1024;

/**
 * The DR functions' settings (DR_SETTINGS) from the configuration and the
 * timings the plan expects; the CDK construct passes the default latency
 * profile's, the twin its scenario's.
 */
export function drSettingsFrom(config: LifelineConfig, timings: DrTimings): DrSettings {
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
    timings,
  };
}
