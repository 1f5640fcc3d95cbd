import type { DbInstance } from './services/rds';

/** What a region's load balancer reports on its health check path (and Route 53's health checks read). */
export interface Health {
  readonly healthy: boolean;
  readonly reasons: string[];
}

/** What the health of a region's application depends on, read from the twin's state. */
export interface ApplicationState {
  readonly region: string;
  readonly regionDown: boolean;
  readonly runningTasks: number;
  /** The DB instance the application is configured to use (its SSM parameter), if any. */
  readonly database: DbInstance | undefined;
  readonly now: number;
}

/**
 * The application answers healthy when its region is up, tasks run, and its
 * database is available and writable (a replica is read-only, so the
 * application would fail its writes).
 */
export function applicationHealth(state: ApplicationState): Health {
  const reasons: string[] = [];
  if (state.regionDown) reasons.push(`${state.region} is down`);
  if (state.runningTasks === 0) reasons.push('no running tasks');
  const db = state.database;
  const status = db?.status.at(state.now);
  if (!db) reasons.push('no database configured');
  else if (status !== 'available') reasons.push(`database ${db.id} is ${status}`);
  else if (db.replicaOf) reasons.push(`database ${db.id} is a read-only replica`);
  return { healthy: reasons.length === 0, reasons };
}
