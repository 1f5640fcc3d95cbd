import { ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { ALARM_TAG } from '../../contracts/alarm-catalog';
import type { ScalingPolicy } from '../../contracts/config/schema';
import { cloudwatch, ecs, elasticache, rds } from '../shared/clients';
import { LifelineError, parseInput } from '../shared/errors';
import type { Inventory, RegionalWorkload } from '../../contracts/inventory';
import { type LedgerRef, newestFirst, putOnce, putUnlessHeld } from '../shared/ledger';
import { logger } from '../shared/powertools';
import { activeRegion, activeSince } from '../shared/active-region';
import { type AlarmEvent, alarmEventSchema, type ScalingDecision } from '../../contracts/alarm-scaling';
import { decide } from './decision';
import { historyKey, LINKED_TIMEOUT_SECONDS, loadScalingEnv, lockKey } from './deps';
import { managedReplicaPrefix } from '../../contracts/naming';
import type { ScalingSettings } from '../../contracts/alarm-scaling';

export interface DecideDeps {
  readonly inventory: Inventory;
  readonly ledger: LedgerRef;
  readonly settings: ScalingSettings;
  readonly now: Date;
}

/** What an alarm scales now: its current count, bounds, and how to name the change. */
interface Subject {
  readonly target: ScalingDecision['target'];
  readonly subject: string;
  readonly current: number;
  readonly min: number;
  readonly max: number;
  readonly resourceId?: string;
  /** The replica a change of this direction creates or deletes (RDS read replicas). */
  readonly replicaFor?: (direction: 'out' | 'in') => string | undefined;
}

async function serviceSubject(regional: RegionalWorkload, settings: ScalingSettings): Promise<Subject & { running: number }> {
  const described = await ecs(regional.region).send(
    new DescribeServicesCommand({ cluster: regional.cluster, services: [regional.service] }),
  );
  const service = described.services?.[0];
  if (!service || service.status !== 'ACTIVE') {
    throw new LifelineError(
      'UnknownService',
      `Service ${regional.service} in cluster ${regional.cluster} (${regional.region}) ` +
        `${service ? `is ${service.status}` : 'does not exist'}`,
    );
  }
  return {
    target: 'service',
    subject: `${regional.cluster}/${regional.service}`,
    current: service.desiredCount ?? 0,
    running: service.runningCount ?? 0,
    min: settings.min,
    max: settings.max,
  };
}

async function cacheSubject(regional: RegionalWorkload, bounds: { min: number; max: number }): Promise<Subject> {
  const group = regional.cacheReplicationGroupId;
  if (!group) throw new LifelineError('UnknownService', `No cache in ${regional.region} to scale`);
  const described = await elasticache(regional.region).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: group }));
  const replicationGroup = described.ReplicationGroups?.[0];
  const members = replicationGroup?.MemberClusters?.length ?? 1;
  // With Multi-AZ (automatic failover) ElastiCache keeps a replica: DecreaseReplicaCount refuses fewer than 1
  // (SDK DecreaseReplicaCountMessage.NewReplicaCount). The configuration says so too; this holds whatever it says.
  const multiAz = replicationGroup?.MultiAZ === 'enabled' || replicationGroup?.AutomaticFailover === 'enabled';
  const min = Math.max(bounds.min, multiAz ? 1 : 0);
  return { target: 'cache-replicas', subject: `cache/${group}`, current: members - 1, min, max: bounds.max, resourceId: group };
}

async function databaseSubject(
  appName: string,
  regional: RegionalWorkload,
  bounds: { min: number; max: number },
  now: Date,
): Promise<Subject> {
  const source = regional.databaseInstanceId;
  if (!source) throw new LifelineError('UnknownService', `No database in ${regional.region} to add read replicas to`);
  const described = await rds(regional.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source }));
  // Only the replicas this workflow made (by name) count and may be removed; a DR replica in another region never does.
  const managed = (described.DBInstances?.[0]?.ReadReplicaDBInstanceIdentifiers ?? [])
    .filter((id) => id.startsWith(managedReplicaPrefix(appName)))
    .sort();
  return {
    target: 'database-replicas',
    subject: `database/${source}`,
    current: managed.length,
    ...bounds,
    resourceId: source,
    replicaFor: (direction) => (direction === 'out' ? `${managedReplicaPrefix(appName)}${now.getTime().toString(36)}` : managed.at(-1)),
  };
}

/**
 * Decides what one alarm state change does. Reads the alarm's catalog tags,
 * the current count of what it scales (the service, or a linked cache or
 * database), and the recent actions in the ledger, then either takes the
 * subject's lock (a conditional write: one action per subject per cooldown,
 * whatever else fires at once) or returns a no-op with its reason. Duplicate
 * deliveries of one event are recognised by its id.
 */
export async function decideScaling(event: AlarmEvent, deps: DecideDeps): Promise<ScalingDecision> {
  const { inventory, ledger, settings, now } = deps;
  const tags = await cloudwatch(event.region).send(new ListTagsForResourceCommand({ ResourceARN: event.resources[0] }));
  const tag = (key: string) => tags.Tags?.find((t) => t.Key === key)?.Value;
  const alarmId = tag(ALARM_TAG.alarmId);
  const scales = tag(ALARM_TAG.scales);
  const role = tag(ALARM_TAG.regionRole) === 'standby' ? 'dr' : 'primary';
  const regional = inventory[role];
  if (regional.region !== event.region)
    throw new LifelineError(
      'UnknownService',
      `Alarm ${event.detail.alarmName} is tagged for the ${role} region ${regional.region}, but fired in ${event.region}`,
    );
  const policy: ScalingPolicy | undefined = alarmId ? settings.policies[alarmId] : undefined;

  const service = await serviceSubject(regional, settings);
  let subject: Subject = service;
  if (scales === 'cache-replicas' && policy?.linked?.cacheReplicas) subject = await cacheSubject(regional, policy.linked.cacheReplicas);
  else if (scales === 'database-replicas' && policy?.linked?.databaseReadReplicas)
    subject = await databaseSubject(inventory.appName, regional, policy.linked.databaseReadReplicas, now);

  const linked = subject.target !== 'service';
  const timeout = linked ? LINKED_TIMEOUT_SECONDS : settings.steadyStateTimeoutSeconds;
  const base = {
    eventId: event.id,
    alarmName: event.detail.alarmName,
    alarmId,
    target: subject.target,
    subject: subject.subject,
    resourceId: subject.resourceId,
    region: regional.region,
    cluster: regional.cluster,
    service: regional.service,
    from: subject.current,
    to: subject.current,
    running: service.running,
    decisionLatencySeconds: Math.max(0, (now.getTime() - Date.parse(event.detail.state.timestamp)) / 1000),
    pollSeconds: settings.taskStartSeconds,
    maxPolls: Math.max(1, Math.ceil(timeout / settings.taskStartSeconds)),
    decidedAt: now.toISOString(),
  };
  const noop = (reason: string): ScalingDecision => {
    logger.info('no scaling action', { alarm: event.detail.alarmName, reason });
    return { ...base, action: 'noop', reason };
  };

  // Only the active region's workload is scaled: the passive one keeps its deployed size (a warm standby's).
  const handover = await activeRegion(ledger);
  if (handover.active !== role) return noop(`${activeSince(handover)}: the ${role} region does not scale`);
  if (scales !== 'service' && !linked)
    return noop(`alarm ${alarmId ?? event.detail.alarmName} scales ${scales ?? 'nothing'} and no policy links it to a target`);
  const firstDelivery = await putOnce(ledger, {
    pk: `scaling-event#${event.id}`,
    sk: 'seen',
    alarmName: event.detail.alarmName,
    at: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 7 * 86400,
  });
  if (!firstDelivery) return noop(`duplicate delivery of event ${event.id}`);

  const history = await newestFirst(ledger, historyKey(subject.subject), { limit: 50 });
  // Cooldowns run from when an action completed (steady state), as Application Auto Scaling's do.
  const newest = (direction: 'out' | 'in') => {
    const at = history.find((h) => h.direction === direction && h.result === 'steady')?.recordedAt;
    return typeof at === 'string' ? at : undefined;
  };
  const decision = decide({
    state: event.detail.state.value,
    policy,
    desired: subject.current,
    running: service.running,
    min: subject.min,
    max: subject.max,
    lastScaleOutAt: newest('out'),
    lastScaleInAt: newest('in'),
    now,
  });
  if (decision.action === 'noop') return noop(decision.reason);
  const replicaId = subject.replicaFor?.(decision.direction);
  if (subject.target === 'database-replicas' && !replicaId) return noop('no read replica made by Lifeline to remove');

  // One action per subject at a time: the lock lasts until the action is recorded (or times out).
  const lockedUntil = new Date(now.getTime() + (timeout + 300) * 1000).toISOString();
  const locked = await putUnlessHeld(
    ledger,
    { pk: lockKey(subject.subject), sk: 'lock', lockedUntil, eventId: event.id, alarmName: event.detail.alarmName },
    'lockedUntil',
    now.toISOString(),
  );
  if (!locked) return noop(`another scaling action on ${subject.subject} holds its lock (one action at a time)`);
  logger.info('scaling', {
    alarm: event.detail.alarmName,
    target: subject.target,
    from: subject.current,
    to: decision.to,
    reason: decision.reason,
  });
  return { ...base, action: 'scale', direction: decision.direction, to: decision.to, replicaId, reason: decision.reason };
}

const env = loadScalingEnv();

export const handler = async (event: unknown): Promise<ScalingDecision> =>
  decideScaling(parseInput(alarmEventSchema, event, 'alarm event'), { ...env, now: new Date() });
