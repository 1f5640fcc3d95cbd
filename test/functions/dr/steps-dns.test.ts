import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { dns } from '../../../functions/dr/steps/dns';
import { aws, changes, DR, NOW, resetAws, sent, settings, stepContext } from './fixtures';

const PARAMETER = '/shop/dr/traffic';
const ALARM = 'shop-traffic-to-dr';
const switchSays = (value: string) => aws.ssm[DR].on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Value: value } });
const alarmIs = (state: string, since = NOW) =>
  aws.cloudwatch[DR].on(DescribeAlarmsCommand, { AlarmNames: [ALARM] }).resolves({
    MetricAlarms: [{ AlarmName: ALARM, StateValue: state as never, StateUpdatedTimestamp: since }],
  });

describe('dns step (the traffic switch in the DR region)', () => {
  beforeEach(resetAws);

  it('start sets the switch in the DR region and puts its datapoint, with no Route 53 call', async () => {
    // Prepare
    switchSays('primary');
    alarmIs('OK');

    // Act
    const outcome = await dns.start(stepContext());

    // Assess
    expect(changes()).toEqual([
      {
        service: 'ssm',
        region: DR,
        command: 'PutParameter',
        input: { Name: PARAMETER, Value: 'dr', Type: 'String', Overwrite: true },
      },
      {
        service: 'cloudwatch',
        region: DR,
        command: 'PutMetricData',
        input: {
          Namespace: 'Lifeline',
          MetricData: [{ MetricName: 'TrafficToDr', Dimensions: [{ Name: 'App', Value: 'shop' }], Value: 1, Unit: 'Count' }],
        },
      },
    ]);
    expect(sent().every((c) => c.region === DR)).toBe(true);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.alarmPeriod,
      plannedSeconds: settings.timings.alarmPeriod + settings.timings.dnsTtl,
      detail: { to: 'dr', domainName: 'shop.example.com' },
    });
  });

  it('start on a failback sets the switch back to the primary (datapoint 0), still in the DR region', async () => {
    // Prepare
    switchSays('dr');
    alarmIs('ALARM');

    // Act
    await dns.start(stepContext({ direction: 'failback' }));

    // Assess
    expect(changes().map((c) => [c.region, c.command, JSON.stringify(c.input)])).toEqual([
      [DR, 'PutParameter', JSON.stringify({ Name: PARAMETER, Value: 'primary', Type: 'String', Overwrite: true })],
      [DR, 'PutMetricData', expect.stringContaining('"Value":0')],
    ]);
  });

  it('start changes nothing when the switch is set and its alarm has followed (a repeated run)', async () => {
    // Prepare
    switchSays('dr');
    alarmIs('ALARM');

    // Act
    const outcome = await dns.start(stepContext());

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome).toMatchObject({ ready: true, detail: { to: 'dr', alarm: 'ALARM' } });
  });

  it('start sets the switch again when the parameter says so but the alarm has not followed (a resumed run)', async () => {
    // Prepare
    switchSays('dr');
    alarmIs('OK');

    // Act
    await dns.start(stepContext());

    // Assess
    expect(changes().map((c) => c.command)).toEqual(['PutParameter', 'PutMetricData']);
  });

  it('check waits while the alarm has not followed the switch', async () => {
    // Prepare
    alarmIs('OK');

    // Act
    const outcome = await dns.check(stepContext(), { to: 'dr', domainName: 'shop.example.com' });

    // Assess
    expect(outcome).toMatchObject({ ready: false, detail: { alarm: 'OK' } });
    expect(changes()).toEqual([]);
  });

  it('check waits out the rest of the DNS TTL after the alarm followed, then is ready', async () => {
    // Prepare
    alarmIs('ALARM', new Date(NOW.getTime() - 20_000));

    // Act
    const waiting = await dns.check(stepContext(), { to: 'dr', domainName: 'shop.example.com' });
    alarmIs('ALARM', new Date(NOW.getTime() - (settings.timings.dnsTtl + 1) * 1000));
    const ready = await dns.check(stepContext(), { to: 'dr', domainName: 'shop.example.com' });

    // Assess
    expect(waiting).toMatchObject({ ready: false, waitSeconds: settings.timings.dnsTtl - 20 });
    expect(ready).toMatchObject({ ready: true, detail: { alarm: 'ALARM' } });
  });

  it('check is ready as soon as the alarm follows when no DNS is configured', async () => {
    // Prepare
    alarmIs('ALARM');

    // Act
    const outcome = await dns.check(stepContext(), { to: 'dr' });

    // Assess
    expect(outcome).toMatchObject({ ready: true });
  });
});
