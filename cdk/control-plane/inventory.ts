import { ArnFormat, type Stack } from 'aws-cdk-lib';
import type { Inventory, RegionalWorkload } from '../../contracts/inventory';
import type { LifelineConfig } from '../../contracts/config/schema';
import type { WorkloadStack } from '../stacks/workload-stack';

/** The subnet group caches are created in: the cache's own, or (pilot light's DR region) the placement a restore uses. */
export function cacheSubnetGroupOf(workload: WorkloadStack): string | undefined {
  return workload.cache?.subnetGroup.ref ?? workload.cachePlacement?.subnetGroupName;
}

function regional(workload: WorkloadStack): RegionalWorkload {
  return {
    region: workload.region,
    cluster: workload.service.cluster.clusterName,
    service: workload.service.service.serviceName,
    databaseInstanceId: workload.database.instance?.instanceIdentifier,
    cacheReplicationGroupId: workload.cache?.replicationGroup.ref,
    cacheAuthSecretId: workload.cache?.authToken.secretName,
    cacheSubnetGroupName: cacheSubnetGroupOf(workload),
    cacheRestoreSecurityGroupId:
      workload.cache?.restoreSecurityGroup.securityGroupId ?? workload.cachePlacement?.securityGroup.securityGroupId,
    kmsKeyArn: workload.database.key.keyArn,
    dbSubnetGroupName: workload.database.subnetGroup.subnetGroupName,
    restoreSecurityGroupId: workload.database.restoreSecurityGroup.securityGroupId,
    databaseSecurityGroupId: workload.database.securityGroup.securityGroupId,
    bucket: workload.artifacts.bucket.bucketName,
    endpoint: workload.service.loadBalancer.loadBalancerDnsName,
  };
}

/**
 * The inventory the functions read (INVENTORY), from what the stacks
 * deployed: generated names and ARNs pass through as tokens, so nothing is
 * hard-coded. Values of the other region become cross-region references.
 */
export function inventoryOf(config: LifelineConfig, stacks: { primary: WorkloadStack; standby: WorkloadStack }): Inventory {
  const secretName = stacks.primary.database.credentials?.secretName;
  if (!secretName) throw new Error('The primary database has no master secret');
  return {
    appName: config.appName,
    strategy: config.dr.strategy,
    primary: regional(stacks.primary),
    dr: regional(stacks.standby),
    databaseSecretId: secretName,
    additionalTargets: config.backup.additionalTargets,
    dns:
      config.dns.domainName && config.dns.hostedZoneId
        ? { hostedZoneId: config.dns.hostedZoneId, domainName: config.dns.domainName }
        : undefined,
    rtoSeconds: config.dr.rtoMinutes * 60,
    rpoSeconds: config.dr.rpoMinutes * 60,
  };
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>:<name>`: the colon form of RDS, ElastiCache and Secrets Manager ARNs.
 * @default region the stack's
 */
export function colonArn(stack: Stack, service: string, resource: string, name: string, region?: string): string {
  return stack.formatArn({ service, region, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The ARN of a secret by name in `region`: the master secret, or its replica
 * there (same name, its own random six-character suffix).
 */
export function secretArnByName(stack: Stack, name: string, region?: string): string {
  return colonArn(stack, 'secretsmanager', 'secret', `${name}-??????`, region);
}

/** Name prefix of every snapshot and copy the backup job creates; IAM on snapshots is scoped to it. */
export const MANAGED_SNAPSHOT_PREFIX = 'lifeline-';

/** The snapshots (and their copies) the backup job creates in `region`. */
export function managedSnapshotArn(stack: Stack, service: 'rds' | 'elasticache', region: string): string {
  return colonArn(stack, service, 'snapshot', `${MANAGED_SNAPSHOT_PREFIX}*`, region);
}
