import * as z from 'zod';
import { type RegionRole, workloadResourceName } from './naming';

/**
 * What the control plane protects and where: the contract between the CDK
 * app (which fills it from the constructs it deployed), the handlers and
 * state machines (which read it), and the twin (which fills it from what it
 * seeded). Defined once here.
 */
export const regionalWorkloadSchema = z.object({
  region: z.string().min(1),
  cluster: z.string().min(1),
  service: z.string().min(1),
  /** DB instance in this region: the primary, or the DR replica (warm standby); absent in pilot-light DR. */
  databaseInstanceId: z.string().min(1).optional(),
  /** Cache replication group in this region, if any. */
  cacheReplicationGroupId: z.string().min(1).optional(),
  /** Secret with the AUTH token of this region's cache (each region's cache has its own). */
  cacheAuthSecretId: z.string().min(1).optional(),
  /** KMS key for RDS snapshot copies and restores in this region. */
  kmsKeyArn: z.string().min(1),
  /** Isolated DB subnet group for restores in this region. */
  dbSubnetGroupName: z.string().min(1),
  /** Security group restored instances get (only the verifier reaches it). */
  restoreSecurityGroupId: z.string().min(1),
  /** Placement of temporary cache restores in this region (absent where the region has no cache). */
  cacheSubnetGroupName: z.string().min(1).optional(),
  cacheRestoreSecurityGroupId: z.string().min(1).optional(),
  /** Security group the application's database has in this region (a DR restore gets it). */
  databaseSecurityGroupId: z.string().min(1).optional(),
  /** Bucket for cache exports and reports in this region. */
  bucket: z.string().min(1),
  /** The application's public endpoint in this region (ALB DNS name). */
  endpoint: z.string().min(1),
});
export type RegionalWorkload = z.infer<typeof regionalWorkloadSchema>;

/** A further backup target: a DB instance or replication group of the primary region, by identifier. */
export const additionalTargetSchema = z
  .object({ id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/), kind: z.enum(['rds', 'elasticache']), identifier: z.string().min(1) })
  .strict();

export const inventorySchema = z.object({
  appName: z.string().min(1),
  strategy: z.enum(['warm-standby', 'pilot-light']),
  primary: regionalWorkloadSchema,
  dr: regionalWorkloadSchema,
  /** Secret with the database master credentials (same name in both regions: a replicated secret). */
  databaseSecretId: z.string().min(1),
  /** The Route 53 failover pair's zone and name, when DNS is configured (it follows the traffic switch on its own). */
  dns: z.object({ hostedZoneId: z.string().min(1), domainName: z.string().min(1) }).optional(),
  /** Further databases and caches of the primary region the backup job protects (ids must be unique). */
  additionalTargets: z.array(additionalTargetSchema).default([]),
  rtoSeconds: z.number().positive(),
  rpoSeconds: z.number().positive(),
});
export type Inventory = z.infer<typeof inventorySchema>;

/** The tag a further database or cache carries to be backed up: the backup may snapshot only what carries it. */
export const BACKUP_TARGET_TAG = 'lifeline:backup';

/**
 * Which region serves, as the DR region holds it (`primary` or `dr`): the runbooks write it, and the DR region's
 * heartbeat publishes it every minute as the traffic metric, so the switch lives in the DR region, read locally.
 */
export const trafficParameterName = (appName: string): string => `/${appName}/dr/traffic`;
export const TRAFFIC_VALUES = ['primary', 'dr'] as const;
export type TrafficTo = (typeof TRAFFIC_VALUES)[number];

/** The SSM parameter naming the DB instance the application of a region uses. */
export const databaseParameterName = (appName: string): string => `/${appName}/app/database-instance`;

/** The DB instance id a role's database has (pilot light's DR region: the one a failover restores). */
export function databaseIdOf(inventory: Inventory, role: RegionRole): string {
  return inventory[role].databaseInstanceId ?? workloadResourceName(inventory.appName, role, 'db');
}

/** The cache replication group id a role's cache has (pilot light's DR region: the one a failover creates). */
export function cacheIdOf(inventory: Inventory, role: RegionRole): string {
  return inventory[role].cacheReplicationGroupId ?? workloadResourceName(inventory.appName, role, 'cache');
}

/** The other region's role. */
export const otherRole = (role: RegionRole): RegionRole => (role === 'primary' ? 'dr' : 'primary');
