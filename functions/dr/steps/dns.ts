import { alarmStateFor, readTraffic, setTraffic, trafficAlarm } from '../../shared/traffic';
import type { RecoveryStep, StepContext } from './step';

/** The DR region holds the switch: the failover runs there, and so does the failback. */
const switchRegion = ({ inventory }: StepContext) => inventory.dr.region;

/**
 * Traffic moves on the data plane: the step sets the switch in the DR region (an SSM parameter and a datapoint of
 * the traffic metric), then waits for the traffic alarm to follow (the metric's period ending) and, with DNS, for
 * the alias records' TTL. Route 53's health check of the PRIMARY record reads that alarm's data stream, so DNS
 * answers follow with no Route 53 control-plane call; the records stay as CloudFormation made them.
 */
export const dns: RecoveryStep<'dns'> = {
  pollSeconds: 15,
  async start(ctx) {
    const { toRole, inventory, settings } = ctx;
    const region = switchRegion(ctx);
    const domainName = inventory.dns?.domainName;
    // A repeated or resumed run finds the switch set and its alarm followed: nothing is written again.
    if ((await readTraffic(region, inventory.appName)) === toRole) {
      const alarm = await trafficAlarm(region, inventory.appName);
      if (alarm.state === alarmStateFor(toRole))
        return { ready: true, detail: { to: toRole, note: `traffic already goes to ${ctx.to.region}`, alarm: alarm.state, domainName } };
    }
    await setTraffic(region, inventory.appName, toRole);
    const waitSeconds = settings.timings.alarmPeriod;
    return {
      ready: false,
      waitSeconds,
      plannedSeconds: waitSeconds + (domainName ? settings.timings.dnsTtl : 0),
      detail: { to: toRole, domainName },
    };
  },
  async check(ctx, detail) {
    const { inventory, settings, now } = ctx;
    const alarm = await trafficAlarm(switchRegion(ctx), inventory.appName);
    const seen = { ...detail, alarm: alarm.state, alarmSince: alarm.since?.toISOString() };
    if (alarm.state !== alarmStateFor(detail.to)) return { ready: false, detail: seen };
    // Resolvers hold the previous answer for up to the TTL after Route 53's check turned.
    const ttlLeft = detail.domainName && alarm.since ? settings.timings.dnsTtl - (now.getTime() - alarm.since.getTime()) / 1000 : 0;
    return ttlLeft > 0 ? { ready: false, waitSeconds: Math.ceil(ttlLeft), detail: seen } : { ready: true, detail: seen };
  },
};
