import { DescribeServicesCommand, type Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { service } from '../../../functions/dr/steps/service';
import { aws, changes, DR, resetAws, settings, steadyService, stepContext } from './fixtures';

const inDr = { cluster: 'shop-dr-cluster', services: ['shop-dr-service'] };

describe('service step', () => {
  beforeEach(resetAws);

  it('start scales the DR service to the count the preflight chose', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [steadyService(1)] });
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});

    // Act
    const outcome = await service.start(stepContext({ preflight: { desiredCount: 6, desiredCountSource: 'live' } }));

    // Assess
    expect(changes()).toEqual([
      {
        service: 'ecs',
        region: DR,
        command: 'UpdateService',
        input: { cluster: 'shop-dr-cluster', service: 'shop-dr-service', desiredCount: 6 },
      },
    ]);
    expect(outcome).toEqual({ ready: false, waitSeconds: settings.timings.taskStart, detail: { desired: 6, source: 'live' } });
  });

  it.each([6, 8])('start scales nothing when the service already runs %i of the 6 planned', async (running) => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [steadyService(running)] });

    // Act
    const outcome = await service.start(stepContext({ preflight: { desiredCount: 6 } }));

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome).toEqual({ ready: false, waitSeconds: 0, detail: { desired: running } });
  });

  it('check is ready once the service has settled', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [steadyService(6)] });

    // Act
    const outcome = await service.check(stepContext(), { desired: 6, source: 'live' });

    // Assess
    expect(outcome).toEqual({ ready: true, detail: { desired: 6, source: 'live', running: 6, pending: 0 } });
  });

  it.each<[string, Partial<Service>]>([
    ['tasks are still pending', { runningCount: 4, pendingCount: 2 }],
    ['a second deployment is running', { deployments: [{ rolloutState: 'COMPLETED' }, { rolloutState: 'IN_PROGRESS' }] }],
    ['the deployment is still rolling out', { deployments: [{ rolloutState: 'IN_PROGRESS' }] }],
  ])('check is not ready while %s', async (_, fields) => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [steadyService(6, fields)] });

    // Act
    const outcome = await service.check(stepContext(), { desired: 6 });

    // Assess
    expect(outcome.ready).toBe(false);
  });

  it('check reports why tasks cannot be placed while the service is not steady', async () => {
    // Prepare
    const events = [{ message: 'service shop-dr-service was unable to place a task: no capacity' }];
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [steadyService(6, { runningCount: 2, events })] });

    // Act
    const outcome = await service.check(stepContext(), { desired: 6 });

    // Assess
    expect(outcome.detail.lastProblem).toBe('service shop-dr-service was unable to place a task: no capacity');
  });

  it('check fails when the service is gone', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [] });

    // Act
    const checked = service.check(stepContext(), { desired: 6 });

    // Assess
    await expect(checked).rejects.toMatchObject({
      name: 'ServiceNotFound',
      message: `shop-dr-service not found in shop-dr-cluster (${DR})`,
    });
  });
});
