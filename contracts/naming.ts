/**
 * Names of workload resources where no deployed name is known: a pilot-light
 * failover creates the DR database and cache under these names, and the twin
 * seeds its resources with them. Defined once so the two agree.
 */
export type RegionRole = 'primary' | 'dr';

/** The kinds of resource a region's workload has, by the suffix of their names. */
export type WorkloadResource = 'cluster' | 'service' | 'db' | 'cache' | 'isolated';

/** `<app>-<role>-<kind>`, e.g. `shop-dr-db`. */
export const workloadResourceName = (appName: string, role: RegionRole, kind: WorkloadResource): string => `${appName}-${role}-${kind}`;

/**
 * The name prefix of the read replicas the scaling workflow creates (and alone may delete), followed by the
 * creation time in base 36. It starts with the app name, which the CDK knows at synth, so the IAM policy on
 * replicas names the same prefix; at most 31 + 6 + 9 characters, within RDS's 63.
 */
export const managedReplicaPrefix = (appName: string): string => `${appName}-read-`;

/**
 * The parameter group a cache is created in when the request names none: the engine family's default
 * (`default.<family>`; Lifeline deploys Redis OSS 7 and Valkey 8). IAM authorizes CreateReplicationGroup on it,
 * so the product's grants and the twin's check read the name here.
 */
export const defaultCacheParameterGroup = (engine: string): string => (engine === 'redis' ? 'default.redis7' : 'default.valkey8');
