import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmId } from '../../contracts/alarm-catalog';
import { alarmEventPattern } from '../../contracts/alarm-scaling';
import { LocalEventBus } from '../../local/eventbridge';
import type { Twin } from '../../local/twin';
import { startTwin } from '../support/twin';

describe('alarm scaling on the twin', () => {
  let twin: Twin;
  let bus: LocalEventBus;
  let region: string;
  let cluster: string;
  let service: string;

  const alarmName = (id: AlarmId) => `lifeline-demo-primary-${id}`.replace('lifeline-demo', twin.config.appName);
  const setAlarm = (name: string, state: 'OK' | 'ALARM') =>
    twin.core.call('cloudwatch', 'SetAlarmState', region, { AlarmName: name, StateValue: state, StateReason: `test: ${state}` });
  /** Puts the alarm into ALARM (via OK, so the change emits an event) and runs what the rule starts. */
  const fire = async (id: AlarmId) => {
    await setAlarm(alarmName(id), 'OK');
    await bus.drain();
    await setAlarm(alarmName(id), 'ALARM');
    return bus.drain();
  };
  const desired = () => twin.ecs.service(region, cluster, service).desiredCount;
  /** Why the workflow last decided to leave the service as it was (its newest no-op record in the ledger). */
  const lastNoopReason = () =>
    twin.dynamodb
      .scan(twin.controlPlane.ledgerTable)
      .filter((r) => r.pk === `scaling-noop#${cluster}/${service}`)
      .at(-1)?.reason;
  const updates = () => twin.core.mutations.filter((m) => m.action === 'UpdateService').length;
  const setDesired = async (count: number) => {
    await twin.core.call('ecs', 'UpdateService', region, { cluster, service, desiredCount: count });
    twin.clock.advance(twin.core.seconds('ecsTaskStart') * 1000 + 1000);
  };

  beforeAll(async () => {
    twin = await startTwin({ appName: 'scaling' }, { start: new Date('2026-07-01T09:00:00.000Z') });
    region = twin.primaryRegion;
    ({ cluster, service } = twin.inventory.primary);
    bus = new LocalEventBus(twin);
    const arns = [...(twin.cloudwatch.alarms.get(region)?.values() ?? [])].map((a) => a.arn);
    bus.addRule(alarmEventPattern(arns), 'alarm-scaling', region);
  });
  afterAll(async () => twin?.stop());
  beforeEach(() => {
    // Far from any previous action: every test starts outside cooldowns and windows.
    twin.clock.advance(3600_000);
  });

  it('scales out fast: double, at least +4, waits for steady state, records the decision', async () => {
    const before = updates();
    const [result] = await fire('service-cpu-high');
    expect(result.status).toBe('SUCCEEDED');
    expect(desired()).toBe(6);
    expect(twin.ecs.runningCount(region, cluster, service)).toBe(6);
    expect(updates() - before).toBe(1);
    const record = twin.dynamodb
      .scan(twin.controlPlane.ledgerTable)
      .find((r) => r.pk === `scaling#${cluster}/${service}` && r.eventId === twin.core.events.at(-1)?.id);
    expect(record).toMatchObject({
      alarmId: 'service-cpu-high',
      direction: 'out',
      from: 2,
      to: 6,
      result: 'steady',
      timeToSteadySeconds: expect.any(Number),
    });
    // Alarm event → UpdateService on the virtual clock: the decision (3 calls) and the update's own latency.
    const update = result.timeline.find((t) => t.state === 'UpdateService');
    expect((Date.parse(update?.enteredAt ?? '') - Date.parse(result.startedAt)) / 1000).toBeLessThan(1);
  });

  it('honours the scale-out cooldown on the virtual clock', async () => {
    const [first] = await fire('service-cpu-high');
    expect(first.status).toBe('SUCCEEDED');
    const afterFirst = desired();
    const [second] = await fire('service-cpu-high');
    expect(second.output).toBeDefined();
    expect(desired()).toBe(afterFirst);
    expect(lastNoopReason()).toMatch(/^cooldown: last scale-out \d+ s ago, cooldown 60 s$/);
    twin.clock.advance(61_000);
    await fire('service-cpu-high');
    expect(desired()).toBeGreaterThan(afterFirst);
  });

  it('scales in slowly, only after 300 s without a scale-out, and stops at the minimum and maximum', async () => {
    await setDesired(10);
    await fire('service-cpu-high'); // 10 → 20 (the maximum)
    expect(desired()).toBe(20);
    twin.clock.advance(120_000);
    await fire('service-cpu-high');
    expect(lastNoopReason()).toBe('already at the maximum of 20');
    await fire('service-cpu-low');
    expect(desired()).toBe(20);
    expect(lastNoopReason()).toMatch(/^stabilizing: last scale-out \d+ s ago, window 300 s$/);
    twin.clock.advance(300_000);
    await fire('service-cpu-low');
    expect(desired()).toBe(18);
    await setDesired(2);
    twin.clock.advance(600_000);
    await fire('service-cpu-low');
    expect(desired()).toBe(2);
    expect(lastNoopReason()).toBe('already at the minimum of 2');
  });

  it('records a transition to OK as a no-op with its reason', async () => {
    await setAlarm(alarmName('service-cpu-high'), 'ALARM');
    await bus.drain();
    const before = updates();
    await setAlarm(alarmName('service-cpu-high'), 'OK');
    const [result] = await bus.drain();
    expect(result.status).toBe('SUCCEEDED');
    expect(updates()).toBe(before);
    expect(lastNoopReason()).toBe('alarm went to OK: only transitions into ALARM act');
  });

  it('acts once when the same event is delivered twice', async () => {
    await setDesired(2);
    await setAlarm(alarmName('service-cpu-high'), 'OK');
    await bus.drain();
    await setAlarm(alarmName('service-cpu-high'), 'ALARM');
    const event = twin.core.events.at(-1);
    if (event) bus.redeliver(event);
    const before = updates();
    const results = await bus.drain();
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(updates() - before).toBe(1);
    expect(desired()).toBe(6);
  });

  it('acts once when ten deliveries of its scale-out alarms arrive at once', async () => {
    // Prepare: the deployed scale-out alarms all go to ALARM, and EventBridge (at least once) delivers each more than once.
    await setDesired(2);
    twin.clock.advance(3600_000);
    const ids: AlarmId[] = ['service-cpu-high', 'service-memory-high', 'alb-target-response-time-high'];
    for (const id of ids) await setAlarm(alarmName(id), 'OK');
    await bus.drain();
    const before = updates();
    const eventsBefore = twin.core.events.length;
    for (const id of ids) await setAlarm(alarmName(id), 'ALARM');
    const fired = twin.core.events.slice(eventsBefore);
    for (let i = 0; bus.pending < 10; i += 1) bus.redeliver(fired[i % fired.length]);

    // Act
    const results = await bus.drain();

    // Assess
    expect(fired).toHaveLength(3);
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(updates() - before).toBe(1);
    expect(desired()).toBe(6);
  });

  it('keeps Application Auto Scaling bounds consistent with the decision', async () => {
    await setDesired(2);
    await twin.core.call('applicationautoscaling', 'RegisterScalableTarget', region, {
      ServiceNamespace: 'ecs',
      ResourceId: `service/${cluster}/${service}`,
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
      MaxCapacity: 4,
    });
    await fire('service-cpu-high');
    expect(desired()).toBe(6);
    expect(twin.autoscaling.target(region, `service/${cluster}/${service}`)).toMatchObject({ minCapacity: 6, maxCapacity: 6 });
  });

  it('fails naming the reason when tasks cannot start, and notifies', async () => {
    await setDesired(2);
    twin.core.faults.add({ kind: 'capacity-shortfall', region, maxTasks: 3 }, twin.clock.now());
    const [result] = await fire('service-cpu-high');
    twin.core.faults.clear('capacity-shortfall');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('SteadyStateTimeout');
    expect(result.cause).toMatch(/did not reach a steady state: 3 of 6 tasks running.*Capacity is unavailable at this time/);
    expect(twin.sns.messages.at(-1)).toMatchObject({ subject: 'Lifeline scaling failed' });
  });

  it('fails clearly, changing nothing, when the service does not exist', async () => {
    const services = twin.ecs.services.get(region);
    const saved = services?.get(service);
    services?.delete(service);
    const before = twin.core.mutations.filter((m) => m.service === 'ecs').length;
    const [result] = await fire('service-cpu-high');
    if (saved) services?.set(service, saved);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UnknownService');
    expect(result.cause).toContain(`Service ${service} in cluster ${cluster} (${region}) does not exist`);
    expect(twin.core.mutations.filter((m) => m.service === 'ecs').length).toBe(before);
  });
});
