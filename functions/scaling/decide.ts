import { ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ALARM_TAG } from '../../cdk/config/alarm-catalog';
import { cloudwatch, ecs } from '../shared/clients';
import { LifelineError, parseInput } from '../shared/errors';
import type { Inventory } from '../shared/inventory';
import { type LedgerRef, newestFirst, putOnce, putUnlessHeld } from '../shared/ledger';
import { logger } from '../shared/powertools';
import { type AlarmEvent, alarmEventSchema, type ScalingDecision } from './contract';
import { decide } from './decision';
import { historyKey, loadScalingEnv, lockKey, type ScalingSettings } from './deps';

export interface DecideDeps {
  readonly inventory: Inventory;
  readonly ledger: LedgerRef;
  readonly settings: ScalingSettings;
  readonly now: Date;
}

/**
 * Decides what one alarm state change does. Reads the alarm's catalog tags,
 * the service's counts and the recent actions in the ledger, then either
 * takes the service's lock (a conditional write: one action per service per
 * cooldown, whatever else fires at once) or returns a no-op with its reason.
 * Duplicate deliveries of one event are recognised by its id.
 */
export async function decideScaling(event: AlarmEvent, deps: DecideDeps): Promise<ScalingDecision> {
  const { inventory, ledger, settings, now } = deps;
  const alarmArn = event.resources[0];
  const tags = await cloudwatch(event.region).send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }));
  const tag = (key: string) => tags.Tags?.find((t) => t.Key === key)?.Value;
  const alarmId = tag(ALARM_TAG.alarmId);
  const role = tag(ALARM_TAG.regionRole) === 'standby' ? 'dr' : 'primary';
  const regional = inventory[role];
  if (regional.region !== event.region) throw new LifelineError('UnknownService', `Alarm ${event.detail.alarmName} is tagged for the ${role} region ${regional.region}, but fired in ${event.region}`);
  const described = await ecs(regional.region).send(new DescribeServicesCommand({ cluster: regional.cluster, services: [regional.service] }));
  const service = described.services?.[0];
  if (!service || service.status !== 'ACTIVE') {
    throw new LifelineError('UnknownService', `Service ${regional.service} in cluster ${regional.cluster} (${regional.region}) ${described.failures?.[0]?.reason === 'MISSING' || !service ? 'does not exist' : `is ${service.status}`}`);
  }
  const desired = service.desiredCount ?? 0;
  const running = service.runningCount ?? 0;
  const base = {
    eventId: event.id,
    alarmName: event.detail.alarmName,
    alarmId,
    region: regional.region,
    cluster: regional.cluster,
    service: regional.service,
    from: desired,
    to: desired,
    running,
    decisionLatencySeconds: Math.max(0, (now.getTime() - Date.parse(event.detail.state.timestamp)) / 1000),
    pollSeconds: settings.taskStartSeconds,
    maxPolls: Math.max(1, Math.ceil(settings.steadyStateTimeoutSeconds / settings.taskStartSeconds)),
    decidedAt: now.toISOString(),
  };
  const noop = (reason: string): ScalingDecision => {
    logger.info('no scaling action', { alarm: event.detail.alarmName, reason });
    return { ...base, action: 'noop', reason };
  };

  if (tag(ALARM_TAG.scales) !== 'service') return noop(`alarm ${alarmId ?? event.detail.alarmName} does not scale the service`);
  const firstDelivery = await putOnce(ledger, { pk: `scaling-event#${event.id}`, sk: 'seen', alarmName: event.detail.alarmName, at: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + 7 * 86400 });
  if (!firstDelivery) return noop(`duplicate delivery of event ${event.id}`);

  const history = await newestFirst(ledger, historyKey(regional.cluster, regional.service), { limit: 50 });
  // Cooldowns run from when an action completed (steady state), as Application Auto Scaling's do.
  const newest = (direction: 'out' | 'in') => history.find((h) => h.direction === direction && h.result === 'steady')?.recordedAt;
  const decision = decide({
    state: event.detail.state.value,
    policy: alarmId ? settings.policies[alarmId] : undefined,
    desired,
    running,
    min: settings.min,
    max: settings.max,
    lastScaleOutAt: typeof newest('out') === 'string' ? String(newest('out')) : undefined,
    lastScaleInAt: typeof newest('in') === 'string' ? String(newest('in')) : undefined,
    now,
  });
  if (decision.action === 'noop') return noop(decision.reason);

  // One action per service per cooldown: the lock expires with the policy's cooldown.
  const policy = alarmId ? settings.policies[alarmId] : undefined;
  const holdSeconds = Math.max(policy?.cooldownSeconds ?? 60, settings.steadyStateTimeoutSeconds);
  const lockedUntil = new Date(now.getTime() + holdSeconds * 1000).toISOString();
  const locked = await putUnlessHeld(ledger, { pk: lockKey(regional.cluster, regional.service), sk: 'lock', lockedUntil, eventId: event.id, alarmName: event.detail.alarmName }, 'lockedUntil', now.toISOString());
  if (!locked) return noop('another scaling action on this service holds its lock (one action per cooldown)');
  logger.info('scaling', { alarm: event.detail.alarmName, from: desired, to: decision.to, reason: decision.reason });
  return { ...base, action: 'scale', direction: decision.direction, to: decision.to, reason: decision.reason };
}

const env = loadScalingEnv();

export const handler = async (event: unknown): Promise<ScalingDecision> => decideScaling(parseInput(alarmEventSchema, event, 'alarm event'), { ...env, now: new Date() });
