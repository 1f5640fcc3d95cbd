import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScalingSettings } from '../../contracts/alarm-scaling';
import { ALARM_STATE_CHANGE } from '../../contracts/alarm-scaling';
import { scalingSettingsFrom } from '../../contracts/environment';
import type { Twin } from '../../local/twin';
import { functionEnvironment } from '../../local/workflows';
import { startTwin } from '../support/twin';

/**
 * ElastiCache refuses DecreaseReplicaCount below one replica while Multi-AZ
 * (automatic failover) is on (SDK DecreaseReplicaCountMessage; the twin
 * answers InvalidParameterValueException). The configuration refuses such a
 * bound; the decision holds the floor even when it is handed one.
 */
describe('alarm scaling of a Multi-AZ cache never asks for fewer than one replica', () => {
  let twin: Twin;
  let decideScaling: typeof import('../../functions/scaling/decide').decideScaling;
  beforeAll(async () => {
    twin = await startTwin(
      {
        appName: 'multiaz',
        scaling: { policies: { 'cache-cpu-high': { direction: 'in', step: 1, linked: { cacheReplicas: { min: 1, max: 2 } } } } },
      },
      { start: new Date('2026-07-03T09:00:00.000Z') },
    );
    // Handlers read their environment when first loaded.
    Object.assign(process.env, functionEnvironment(twin, twin.primaryRegion));
    ({ decideScaling } = await import('../../functions/scaling/decide'));
  });
  afterAll(async () => twin?.stop());

  it('decides nothing for a scale-in at one replica, even with bounds that would allow 0', async () => {
    // Prepare: the seeded cache is Multi-AZ with one replica; bounds of 0 as an unchecked setting would carry them.
    const region = twin.primaryRegion;
    const group = twin.elasticache.group(region, twin.inventory.primary.cacheReplicationGroupId ?? '');
    expect(group.replicas).toBe(1);
    const configured = scalingSettingsFrom(twin.config);
    const cpuHigh = configured.policies['cache-cpu-high'];
    if (!cpuHigh) throw new Error('the test configures cache-cpu-high');
    const settings: ScalingSettings = {
      ...configured,
      policies: { 'cache-cpu-high': { ...cpuHigh, linked: { cacheReplicas: { min: 0, max: 2 } } } },
    };
    const alarm = [...(twin.cloudwatch.alarms.get(region)?.values() ?? [])].find((a) => a.arn.endsWith(':multiaz-primary-cache-cpu-high'));
    const now = twin.clock.date();

    // Act
    // The decision as the deployed Decide function makes it, with its role.
    const decision = await twin.asFunction('ScalingFunctionsDecideFunction', region, () =>
      decideScaling(
        {
          id: 'event-multi-az',
          'detail-type': ALARM_STATE_CHANGE,
          source: 'aws.cloudwatch',
          time: now.toISOString(),
          region,
          resources: [alarm?.arn ?? ''],
          detail: { alarmName: 'multiaz-primary-cache-cpu-high', state: { value: 'ALARM', timestamp: now.toISOString() } },
        },
        {
          inventory: twin.inventory,
          ledger: { client: new DynamoDBClient({ region }), table: twin.controlPlane.ledgerTable },
          settings,
          now,
        },
      ),
    );

    // Assess
    expect(decision).toMatchObject({ action: 'noop', target: 'cache-replicas', from: 1, to: 1 });
    expect(decision.reason).toBe('already at the minimum of 1');
  });
});
