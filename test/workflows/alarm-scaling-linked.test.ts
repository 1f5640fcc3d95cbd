import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmId } from '../../contracts/alarm-catalog';
import { alarmEventPattern } from '../../contracts/alarm-scaling';
import { LocalEventBus } from '../../local/eventbridge';
import type { Twin } from '../../local/twin';
import { startTwin } from '../support/twin';

// A file of its own: handlers read their environment when first loaded, one twin per test process.
describe('alarm scaling of linked targets on the twin', () => {
  let twin: Twin;
  let bus: LocalEventBus;
  beforeAll(async () => {
    twin = await startTwin(
      {
        appName: 'linked',
        scaling: {
          policies: {
            'cache-memory-high': { direction: 'out', step: 1, linked: { cacheReplicas: { min: 1, max: 2 } } },
            'database-cpu-high': { direction: 'out', step: 1, linked: { databaseReadReplicas: { min: 0, max: 1 } } },
          },
        },
      },
      { start: new Date('2026-07-02T09:00:00.000Z') },
    );
    bus = new LocalEventBus(twin);
    bus.addRule(
      alarmEventPattern([...(twin.cloudwatch.alarms.get(twin.primaryRegion)?.values() ?? [])].map((a) => a.arn)),
      'alarm-scaling',
      twin.primaryRegion,
    );
  });
  afterAll(async () => twin?.stop());

  const fire = async (id: AlarmId) => {
    await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
      AlarmName: `linked-primary-${id}`,
      StateValue: 'ALARM',
      StateReason: 'test',
    });
    return bus.drain();
  };

  it('adds a cache replica on a cache alarm, within its bounds', async () => {
    const [result] = await fire('cache-memory-high');
    expect(result.status).toBe('SUCCEEDED');
    expect(twin.elasticache.group(twin.primaryRegion, twin.inventory.primary.cacheReplicationGroupId ?? '').replicas).toBe(2);
    expect(twin.core.mutations.filter((m) => m.action === 'IncreaseReplicaCount')).toHaveLength(1);
    expect(twin.core.mutations.filter((m) => m.action === 'UpdateService')).toHaveLength(0);
  });

  it('adds a tagged read replica on a database alarm, waits until it is available, and not beyond the maximum', async () => {
    const [result] = await fire('database-cpu-high');
    expect(result.status).toBe('SUCCEEDED');
    const source = twin.rds.instance(twin.primaryRegion, twin.inventory.primary.databaseInstanceId ?? '');
    const managed = source.replicas.filter((r) => r.region === twin.primaryRegion);
    expect(managed).toHaveLength(1);
    const replica = twin.rds.instance(twin.primaryRegion, managed[0].id);
    expect(replica.tags).toEqual(expect.arrayContaining([{ Key: 'lifeline:managed', Value: 'true' }]));
    expect(replica.status.at(twin.clock.now())).toBe('available');
    twin.clock.advance(3600_000);
    await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
      AlarmName: 'linked-primary-database-cpu-high',
      StateValue: 'OK',
      StateReason: 'test',
    });
    await bus.drain();
    await fire('database-cpu-high');
    expect(source.replicas.filter((r) => r.region === twin.primaryRegion)).toHaveLength(1);
  });
});
