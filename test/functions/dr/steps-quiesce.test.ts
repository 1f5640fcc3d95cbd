import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { quiesce } from '../../../functions/dr/steps/quiesce';
import { aws, changes, DR, NOW, PRIMARY, resetAws, secondsBefore, sent, settings, steadyService, stepContext } from './fixtures';

const failback = () =>
  stepContext({
    direction: 'failback',
    preflight: { database: { action: 'rebuild', instanceId: 'shop-primary-db', sourceInstanceId: 'shop-dr-db' } },
  });
const started = { service: 'shop-dr-service', region: DR };

describe('quiesce step (failback)', () => {
  beforeEach(resetAws);

  it('start stops the writers in the DR region', async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});

    // Act
    const outcome = await quiesce.start(failback());

    // Assess
    expect(changes()).toEqual([
      {
        service: 'ecs',
        region: DR,
        command: 'UpdateService',
        input: { cluster: 'shop-dr-cluster', service: 'shop-dr-service', desiredCount: 0 },
      },
    ]);
    expect(outcome).toEqual({ ready: false, waitSeconds: settings.timings.taskStop, detail: started });
  });

  it('check waits, at the poll interval, while writers still run', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0, { runningCount: 1 })] });

    // Act
    const outcome = await quiesce.check(failback(), started);

    // Assess
    expect(outcome).toEqual({ ready: false, detail: { ...started, desired: 0, running: 1, pending: 0 } });
    expect(sent().map((c) => c.command)).toEqual(['DescribeServices']);
  });

  it('check records when the writers stopped and the replica lag then, and waits that lag out', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });
    aws.cloudwatch[PRIMARY].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Values: [30] }] });

    // Act
    const outcome = await quiesce.check(failback(), started);

    // Assess
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: 30,
      detail: { ...started, desired: 0, running: 0, pending: 0, writersStoppedAt: NOW.toISOString(), replicaLagSeconds: 30 },
    });
  });

  it('check is ready once the lag recorded at the stop has passed, without measuring again', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });
    const stopped = { ...started, writersStoppedAt: secondsBefore(30).toISOString(), replicaLagSeconds: 30 };

    // Act
    const outcome = await quiesce.check(failback(), stopped);

    // Assess
    expect(outcome).toMatchObject({ ready: true, detail: stopped });
    expect(aws.cloudwatch[PRIMARY].calls()).toEqual([]);
  });

  it('check assumes the planned lag when CloudWatch has no datapoint, and at least the catch-up bound', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });
    aws.cloudwatch[PRIMARY].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Values: [] }] });

    // Act
    const outcome = await quiesce.check(failback(), started);

    // Assess
    expect(outcome).toMatchObject({ ready: false, waitSeconds: settings.timings.replicaLag, detail: { replicaLagSeconds: 5 } });
  });

  it('check without a replica to catch up waits only the catch-up bound', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });

    // Act
    const outcome = await quiesce.check(stepContext({ direction: 'failback', preflight: { database: undefined } }), started);

    // Assess
    expect(outcome).toMatchObject({ ready: false, waitSeconds: settings.maxCatchUpLagSeconds, detail: { replicaLagSeconds: 0 } });
    expect(aws.cloudwatch[PRIMARY].calls()).toEqual([]);
  });
});
