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
