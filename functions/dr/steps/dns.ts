import { alarmStateFor, readTraffic, setTraffic, trafficAlarm } from '../../shared/traffic';
import { trafficMovesDuringRecovery } from '../critical-path';
import type { StepDetails } from './progress';
import type { Outcome, RecoveryStep, StepContext } from './step';

type Detail = StepDetails['dns'];

/** The DR region holds the switch: the failover runs there, and so does the failback. */
const switchRegion = ({ inventory }: StepContext) => inventory.dr.region;

const duringRecovery = ({ run, preflight }: StepContext): boolean => trafficMovesDuringRecovery(run.direction, preflight.primaryReachable);

/**
 * Whether traffic moves without waiting for the arriving side to answer healthy: when nothing is served from the
 * side it leaves (a failover whose primary is unreachable; a failback, whose quiesce step has stopped the DR
 * writers). Route 53 answers the PRIMARY record only once the primary's load balancer check passes anyway.
 */
const movesAtOnce = (ctx: StepContext): boolean => ctx.run.direction === 'failback' || duringRecovery(ctx);

/** Sets the switch and plans the wait for the alarm to follow (and, with DNS, the alias TTL). */
async function request(ctx: StepContext, detail: Detail): Promise<Outcome<Detail>> {
  const { inventory, settings, toRole } = ctx;
  await setTraffic(switchRegion(ctx), inventory.appName, toRole);
  const waitSeconds = settings.timings.alarmPeriod;
  return {
    ready: false,
    waitSeconds,
    plannedSeconds: waitSeconds + (inventory.dns ? settings.timings.dnsTtl : 0),
    detail: { ...detail, requested: true },
  };
}

/**
 * Traffic moves on the data plane: the step sets the switch in the DR region (an SSM parameter and a datapoint of
 * the traffic metric), then waits for the traffic alarm to follow (the metric's period ending) and, with DNS, for
 * the alias records' TTL. Route 53's health check of the PRIMARY record reads that alarm's data stream, so DNS
 * answers follow with no Route 53 control-plane call; the records stay as CloudFormation made them. Unless the
 * primary is unreachable, traffic moves only once the arriving side answers healthy.
 */
export const dns: RecoveryStep<'dns'> = {
  pollSeconds: 15,
  async start(ctx) {
    const { toRole, inventory } = ctx;
    const region = switchRegion(ctx);
    const domainName = inventory.dns?.domainName;
    // A repeated or resumed run (or the early switch) finds the switch set and its alarm followed: nothing is written.
    if ((await readTraffic(region, inventory.appName)) === toRole) {
      const alarm = await trafficAlarm(region, inventory.appName);
      if (alarm.state === alarmStateFor(toRole))
        return { ready: true, detail: { to: toRole, note: `traffic already goes to ${ctx.to.region}`, alarm: alarm.state, domainName } };
    }
    const detail: Detail = { to: toRole, domainName, requested: false };
    return movesAtOnce(ctx) ? request(ctx, detail) : { ready: false, waitSeconds: 0, detail };
  },
  async check(ctx, detail) {
    const { inventory, settings, now, to, io } = ctx;
    if (!detail.requested) {
      const { healthy, answer } = await io.probeHealth(`http://${to.endpoint}${settings.healthCheckPath}`);
      if (!healthy) return { ready: false, waitSeconds: settings.healthIntervalSeconds, detail: { ...detail, lastAnswer: answer } };
      return request(ctx, { ...detail, lastAnswer: answer });
    }
    const alarm = await trafficAlarm(switchRegion(ctx), inventory.appName);
    const seen = { ...detail, alarm: alarm.state, alarmSince: alarm.since?.toISOString() };
    if (alarm.state !== alarmStateFor(detail.to)) return { ready: false, detail: seen };
    // Resolvers hold the previous answer for up to the TTL after Route 53's check turned.
    const ttlLeft = detail.domainName && alarm.since ? settings.timings.dnsTtl - (now.getTime() - alarm.since.getTime()) / 1000 : 0;
    return ttlLeft > 0 ? { ready: false, waitSeconds: Math.ceil(ttlLeft), detail: seen } : { ready: true, detail: seen };
  },
};

/**
 * The same switch as a branch of the failover's recovery, when the primary is unreachable: it moves at once, in
 * parallel with the promotion. Otherwise it leaves the switch to the `dns` step after the DR side is up.
 */
export const traffic: RecoveryStep<'traffic'> = {
  pollSeconds: dns.pollSeconds,
  async start(ctx) {
    if (!duringRecovery(ctx)) return { ready: true, detail: { to: ctx.toRole, note: 'moves once the DR side answers healthy' } };
    return dns.start(ctx);
  },
  check: (ctx, detail) => dns.check(ctx, detail),
};
