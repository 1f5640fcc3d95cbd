import { DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { TRAFFIC_VALUES, type TrafficTo, trafficParameterName } from '../../contracts/inventory';
import { TRAFFIC_METRIC, trafficAlarmName } from '../../contracts/metrics';
import { cloudwatch, ssm } from './clients';
import { LifelineError } from './errors';

/**
 * The traffic switch, all of it in the DR region and on regional APIs (SSM, CloudWatch): which region serves is a
 * parameter there; the DR heartbeat publishes it every minute as the traffic metric; an alarm watches the metric;
 * Route 53's health check of the primary record reads that alarm's data stream, so DNS answers follow without any
 * call to Route 53's control plane (us-east-1).
 */
export async function readTraffic(region: string, appName: string): Promise<TrafficTo> {
  const value = (await ssm(region).send(new GetParameterCommand({ Name: trafficParameterName(appName) }))).Parameter?.Value;
  const known = TRAFFIC_VALUES.find((v) => v === value);
  if (!known)
    throw new LifelineError('TrafficSwitchInvalid', `${trafficParameterName(appName)} in ${region} is "${value}", not primary or dr`);
  return known;
}

/** Puts the switch's datapoint (1: the DR region serves). */
export async function publishTraffic(region: string, appName: string, to: TrafficTo): Promise<void> {
  await cloudwatch(region).send(
    new PutMetricDataCommand({
      Namespace: TRAFFIC_METRIC.namespace,
      MetricData: [
        {
          MetricName: TRAFFIC_METRIC.name,
          Dimensions: [{ Name: TRAFFIC_METRIC.dimension, Value: appName }],
          Value: to === 'dr' ? 1 : 0,
          Unit: 'Count',
        },
      ],
    }),
  );
}

/** Moves the switch: the parameter (what the heartbeat keeps publishing), then a datapoint at once. */
export async function setTraffic(region: string, appName: string, to: TrafficTo): Promise<void> {
  await ssm(region).send(new PutParameterCommand({ Name: trafficParameterName(appName), Value: to, Type: 'String', Overwrite: true }));
  await publishTraffic(region, appName, to);
}

/** The traffic alarm's state and since when: ALARM once the switch's datapoint for the DR region has counted. */
export async function trafficAlarm(region: string, appName: string): Promise<{ state: string; since?: Date }> {
  const described = await cloudwatch(region).send(new DescribeAlarmsCommand({ AlarmNames: [trafficAlarmName(appName)] }));
  const alarm = described.MetricAlarms?.[0];
  if (!alarm) throw new LifelineError('TrafficSwitchMissing', `no alarm ${trafficAlarmName(appName)} in ${region}`);
  return { state: alarm.StateValue ?? 'INSUFFICIENT_DATA', since: alarm.StateUpdatedTimestamp };
}

/** The alarm state that says traffic goes to `to`. */
export const alarmStateFor = (to: TrafficTo): string => (to === 'dr' ? 'ALARM' : 'OK');
