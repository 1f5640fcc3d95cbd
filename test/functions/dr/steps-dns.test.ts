import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { dns, traffic } from '../../../functions/dr/steps/dns';
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

  it('start, the primary unreachable, sets the switch in the DR region and puts its datapoint, with no Route 53 call', async () => {
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
      detail: { to: 'dr', domainName: 'shop.example.com', requested: true },
    });
  });

  it('moves traffic only once the arriving side answers healthy when the side it leaves still answers', async () => {
    // Prepare: a failover whose primary still answers; the DR side not healthy yet, then healthy
    switchSays('primary');
    alarmIs('OK');
    const answers = [
      { healthy: false, answer: '503 starting' },
      { healthy: true, answer: '200 ok' },
    ];
    const ctx = stepContext({
      preflight: { primaryReachable: true },
      io: { probeHealth: async () => answers.shift() ?? { healthy: true, answer: '200' } },
    });

    // Act
    const started = await dns.start(ctx);
    const waiting = await dns.check(ctx, started.detail);
    const changedWhileWaiting = changes().length;
    const requested = await dns.check(ctx, waiting.detail);

    // Assess
    expect(started).toEqual({ ready: false, waitSeconds: 0, detail: { to: 'dr', domainName: 'shop.example.com', requested: false } });
    expect(waiting).toMatchObject({ ready: false, waitSeconds: settings.healthIntervalSeconds, detail: { lastAnswer: '503 starting' } });
    expect(changedWhileWaiting).toBe(0);
    expect(requested).toMatchObject({ ready: false, waitSeconds: settings.timings.alarmPeriod, detail: { requested: true } });
    expect(changes().map((c) => [c.region, c.command])).toEqual([
      [DR, 'PutParameter'],
      [DR, 'PutMetricData'],
    ]);
  });

  it('a failback moves traffic back at once (its DR writers are stopped), still in the DR region: datapoint 0', async () => {
    // Prepare
    switchSays('dr');
    alarmIs('ALARM');

    // Act
    const outcome = await dns.start(stepContext({ direction: 'failback' }));

    // Assess
    expect(outcome).toMatchObject({ ready: false, detail: { to: 'primary', requested: true } });
    expect(changes().map((c) => [c.region, c.command, JSON.stringify(c.input)])).toEqual([
      [DR, 'PutParameter', JSON.stringify({ Name: PARAMETER, Value: 'primary', Type: 'String', Overwrite: true })],
      [DR, 'PutMetricData', expect.stringContaining('"Value":0')],
    ]);
  });

  it('the recovery branch moves traffic at once only when the primary is unreachable', async () => {
    // Prepare
    switchSays('primary');
    alarmIs('OK');

    // Act
    const reachable = await traffic.start(stepContext({ preflight: { primaryReachable: true } }));
    const changedWhenReachable = changes().length;
    const unreachable = await traffic.start(stepContext({ preflight: { primaryReachable: false } }));

    // Assess
    expect(reachable).toEqual({ ready: true, detail: { to: 'dr', note: 'moves once the DR side answers healthy' } });
    expect(changedWhenReachable).toBe(0);
    expect(unreachable).toMatchObject({ ready: false, detail: { to: 'dr', requested: true } });
    expect(changes().map((c) => c.command)).toEqual(['PutParameter', 'PutMetricData']);
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
    const outcome = await dns.check(stepContext(), { to: 'dr', domainName: 'shop.example.com', requested: true });

    // Assess
    expect(outcome).toMatchObject({ ready: false, detail: { alarm: 'OK' } });
    expect(changes()).toEqual([]);
  });

  it('check waits out the rest of the DNS TTL after the alarm followed, then is ready', async () => {
    // Prepare
    alarmIs('ALARM', new Date(NOW.getTime() - 20_000));

    // Act
    const waiting = await dns.check(stepContext(), { to: 'dr', domainName: 'shop.example.com', requested: true });
    alarmIs('ALARM', new Date(NOW.getTime() - (settings.timings.dnsTtl + 1) * 1000));
    const ready = await dns.check(stepContext(), { to: 'dr', domainName: 'shop.example.com', requested: true });

    // Assess
    expect(waiting).toMatchObject({ ready: false, waitSeconds: settings.timings.dnsTtl - 20 });
    expect(ready).toMatchObject({ ready: true, detail: { alarm: 'ALARM' } });
  });

  it('check is ready as soon as the alarm follows when no DNS is configured', async () => {
    // Prepare
    alarmIs('ALARM');

    // Act
    const outcome = await dns.check(stepContext(), { to: 'dr', requested: true });

    // Assess
    expect(outcome).toMatchObject({ ready: true });
  });
});
