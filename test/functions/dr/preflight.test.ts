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
  aws.ssm[DR].on(GetParameterCommand, { Name: '/shop/dr/traffic' }).resolves({ Parameter: { Value: 'primary' } });
  // A warm standby's service uses its replica from the start.
  aws.ssm[DR].on(GetParameterCommand, { Name: '/shop/app/database-instance' }).resolves({ Parameter: { Value: 'shop-dr-db' } });
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

  it('expects the RTO of the critical path plus 5 %: with the primary unreachable, traffic moves during the promotion', async () => {
    // Prepare
    readyToFailOver();

    // Act
    const result = await preflight(runOf('failover'), { inventory, settings, ledger }, clock());

    // Assess: the longest of promote 301, scale 58 and the switch (alarm period 60 + DNS TTL 61), no repoint (the
    // service already uses the replica), then two health intervals 20: 321, plus 5 %
    expect(result.criticalPath.seconds).toBe(321);
    expect(result.expectedRtoSeconds).toBe(337);
    expect(result.checks.at(-1)).toEqual({
      name: 'expected RTO',
      ok: true,
      blocking: false,
      detail: '6 min (target 30 min): promote read replica 301 s → 3 consecutive health checks 20 s',
    });
  });

  it('expects the switch after the promotion when the primary answers, a redeployment for a new writer', async () => {
    // Prepare
    readyToFailOver();
    aws.ecs[PRIMARY].on(DescribeServicesCommand).resolves({ services: [steadyService(4)] });
    aws.ssm[DR].on(GetParameterCommand, { Name: '/shop/app/database-instance' }).resolves({ Parameter: { Value: 'none' } });

    // Act
    const result = await preflight(runOf('failover'), { inventory, settings, ledger }, clock());

    // Assess: promote 301 + deployment 58 + 29 + switch 121 + health 20
    expect(result.primaryReachable).toBe(true);
    expect(result.criticalPath.operations.map((o) => [o.name, o.seconds])).toEqual([
      ['promote read replica', 301],
      ['forced deployment (new tasks start, old drain)', 87],
      ['traffic switch (alarm period, DNS TTL)', 121],
      ['3 consecutive health checks', 20],
    ]);
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
