import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { beforeEach, describe, expect, it } from 'vitest';
import { preflight } from '../../../functions/dr/preflight/compose';
import { aws, awsError, DR, instance, inventory, ledger, NOW, PRIMARY, resetAws, runOf, settings, steadyService } from './fixtures';

/** Two readings: the start, then the end. */
const clock = () => {
  const readings = [NOW, new Date(NOW.getTime() + 2500)];
  return () => readings.shift() ?? NOW;
};

/** A warm standby deployment ready to fail over: the primary region is down. */
function readyToFailOver(): void {
  aws.ecs[PRIMARY].on(DescribeServicesCommand).rejects(awsError('ServerException', 'region unavailable'));
  aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(1)] });
  aws.servicequotas[DR].on(GetServiceQuotaCommand).resolves({ Quota: { Value: 6 } });
  aws.rds[DR].on(DescribeDBInstancesCommand).resolves({
    DBInstances: [instance('shop-dr-db', { ReadReplicaSourceDBInstanceIdentifier: instance('shop-primary-db').DBInstanceArn })],
  });
  aws.cloudwatch[DR].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Values: [5] }] });
  aws.elasticache[DR].on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: 'available' }] });
  aws.ssm[DR].on(GetParameterCommand).resolves({ Parameter: { Value: 'primary' } });
  aws.cloudwatch[DR].on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'shop-traffic-to-dr', StateValue: 'OK' }] });
}

describe('preflight', () => {
  beforeEach(resetAws);

  it("composes service, capacity, database, cache, DNS and expected RTO in that order, ending at the clock's last reading", async () => {
    // Prepare
    readyToFailOver();

    // Act
    const result = await preflight(runOf('failover'), { inventory, settings, ledger }, clock());

    // Assess
    expect(result.checks.map((c) => c.name)).toEqual([
      `${PRIMARY} service (best effort)`,
      `${DR} service`,
      'Fargate vCPU quota',
      `${DR} database`,
      'replica lag',
      `${DR} cache`,
      'traffic switch',
      'expected RTO',
    ]);
    expect(result).toMatchObject({
      ok: true,
      primaryReachable: false,
      desiredCount: 4,
      database: { action: 'promote', instanceId: 'shop-dr-db', replicaLagSeconds: 5 },
      cache: { mode: 'fresh', exists: true },
      estimatedRpoSeconds: 5,
      rtoTargetSeconds: 1800,
      rpoTargetSeconds: 900,
      finishedAt: '2026-07-01T12:00:02.500Z',
    });
    expect(aws.cloudwatch[DR].commandCalls(GetMetricDataCommand)[0].args[0].input.EndTime).toEqual(NOW);
  });

  it('expects the RTO of the critical path plus 5 %: promotion, forced deployment, traffic switch and the health checks', async () => {
    // Prepare
    readyToFailOver();

    // Act
    const result = await preflight(runOf('failover'), { inventory, settings, ledger }, clock());

    // Assess: promote 301 (longer than scaling 58) + deployment 58 + 29 + alarm period 60 + DNS TTL 61 + two health intervals 20
    expect(result.criticalPath.seconds).toBe(529);
    expect(result.expectedRtoSeconds).toBe(555);
    expect(result.checks.at(-1)).toEqual({
      name: 'expected RTO',
      ok: true,
      blocking: false,
      detail:
        '9 min (target 30 min): promote read replica 301 s → forced deployment (new tasks start, old drain) 87 s → ' +
        'traffic switch (alarm period, DNS TTL) 121 s → 3 consecutive health checks 20 s',
    });
  });

  it('an expected RTO above the target is reported, and does not block', async () => {
    // Prepare
    readyToFailOver();

    // Act
    const result = await preflight(runOf('failover'), { inventory: { ...inventory, rtoSeconds: 300 }, settings, ledger }, clock());

    // Assess
    expect(result.checks.at(-1)).toMatchObject({ name: 'expected RTO', ok: false, blocking: false });
    expect(result.ok).toBe(true);
  });

  it('is not ok once one blocking check fails', async () => {
    // Prepare
    readyToFailOver();
    aws.servicequotas[DR].on(GetServiceQuotaCommand).resolves({ Quota: { Value: 1 } });

    // Act
    const result = await preflight(runOf('failover'), { inventory, settings, ledger }, clock());

    // Assess
    expect(result.checks.filter((c) => !c.ok && c.blocking).map((c) => c.name)).toEqual(['Fargate vCPU quota']);
    expect(result.ok).toBe(false);
  });
});
