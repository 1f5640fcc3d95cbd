import type { CacheRecovery, Direction, DrTimings } from '../../contracts/dr-runbook';

/**
 * A failover whose primary is unreachable serves nothing from there: its traffic switch runs as a recovery branch,
 * in parallel with the promotion (the `traffic` step), instead of after it.
 */
export const trafficMovesDuringRecovery = (direction: Direction, primaryReachable: boolean): boolean =>
  direction === 'failover' && !primaryReachable;

export interface PlannedOperation {
  readonly name: string;
  readonly seconds: number;
}

export interface CriticalPath {
  /** The operations on the critical path, in order (parallel branches reduced to the longest). */
  readonly operations: PlannedOperation[];
  readonly seconds: number;
}

/**
 * The critical path of the AWS operations a runbook waits for, from the
 * timings alone: the longest recovery branch (with the traffic switch among
 * them when the primary is unreachable), the repoint when the application
 * needs a new writer (new tasks start, old ones drain), the traffic switch
 * once the arriving side answers healthy, and the health probes. The runbook's own
 * orchestration (API calls, polling slack, Lambda time) is what a measured
 * RTO adds to it.
 */
export function criticalPath(
  timings: DrTimings,
  plan: {
    direction: Direction;
    strategy: 'warm-standby' | 'pilot-light';
    /** Pilot light: what the database is restored from. @default snapshot */
    restoreFrom?: 'snapshot' | 'automated-backups';
    cache: CacheRecovery | 'none' | 'existing';
    serviceScales: boolean;
    /** Failback: the old primary is renamed out of the way first (its name is free only when the rename completes). */
    renamesDatabase?: boolean;
    healthyChecks: number;
    healthIntervalSeconds: number;
    /** Route 53 records follow the switch: resolvers hold the old answer for the alias TTL. */
    dns: boolean;
    /** The application must be pointed at a new writer and redeployed (not a warm standby's promotion). */
    repoints: boolean;
    /** {@link trafficMovesDuringRecovery} */
    trafficDuringRecovery: boolean;
  },
): CriticalPath {
  const branches: PlannedOperation[] = [];
  if (plan.direction === 'failover') {
    branches.push(
      plan.strategy === 'warm-standby'
        ? { name: 'promote read replica', seconds: timings.promoteReplica }
        : plan.restoreFrom === 'automated-backups'
          ? { name: 'restore replicated automated backups to their latest time', seconds: timings.restorePointInTime }
          : { name: 'restore copied snapshot', seconds: timings.restoreInstance },
    );
  } else {
    const rename = plan.renamesDatabase ? timings.renameInstance : 0;
    branches.push({
      name: `${rename ? 'rename the old primary, ' : ''}rebuild replica, catch up, promote`,
      seconds: rename + timings.createReplica + timings.replicaLag + timings.promoteReplica,
    });
  }
  if (plan.cache === 'global-datastore') branches.push({ name: 'cache global failover', seconds: timings.cacheGlobalFailover });
  else if (plan.cache === 'restore-snapshot' || plan.cache === 'fresh')
    branches.push({ name: 'create cache', seconds: timings.cacheCreate });
  if (plan.serviceScales) branches.push({ name: 'scale service', seconds: timings.taskStart });
  const trafficSwitch = {
    name: `traffic switch (alarm period${plan.dns ? ', DNS TTL' : ''})`,
    seconds: timings.alarmPeriod + (plan.dns ? timings.dnsTtl : 0),
  };
  if (plan.trafficDuringRecovery) branches.push(trafficSwitch);
  const longest = branches.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const healthChecks = {
    name: `${plan.healthyChecks} consecutive health checks`,
    seconds: (plan.healthyChecks - 1) * plan.healthIntervalSeconds,
  };
  const operations = [
    longest,
    ...(plan.repoints ? [{ name: 'forced deployment (new tasks start, old drain)', seconds: timings.taskStart + timings.taskStop }] : []),
    // Otherwise traffic moves once the arriving side answers healthy: after its first healthy answer.
    ...(plan.trafficDuringRecovery ? [] : [trafficSwitch]),
    healthChecks,
  ];
  return { operations, seconds: operations.reduce((sum, o) => sum + o.seconds, 0) };
}
