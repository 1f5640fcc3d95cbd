import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { repoint } from '../../../functions/dr/steps/repoint';
import { aws, changes, DR, resetAws, settings, steadyService, stepContext } from './fixtures';

describe('repoint step', () => {
  beforeEach(resetAws);

  it('start points the DR application at its new writer, then forces a new deployment to pick it up', async () => {
    // Prepare: the DR application has no writer yet.
    aws.ssm[DR].on(GetParameterCommand).resolves({ Parameter: { Value: 'none' } });
    aws.ssm[DR].on(PutParameterCommand).resolves({});
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});

    // Act
    const outcome = await repoint.start(stepContext({ preflight: { desiredCount: 6 } }));

    // Assess
    expect(changes()).toEqual([
      {
        service: 'ssm',
        region: DR,
        command: 'PutParameter',
        input: { Name: '/shop/app/database-instance', Value: 'shop-dr-db', Type: 'String', Overwrite: true },
      },
      {
        service: 'ecs',
        region: DR,
        command: 'UpdateService',
        input: { cluster: 'shop-dr-cluster', service: 'shop-dr-service', desiredCount: 6, forceNewDeployment: true },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.taskStart + settings.timings.taskStop,
      detail: { parameter: '/shop/app/database-instance', instanceId: 'shop-dr-db' },
    });
  });

  it('start changes nothing when the application already reads the new writer (a repeated run)', async () => {
    // Prepare
    aws.ssm[DR].on(GetParameterCommand).resolves({ Parameter: { Value: 'shop-dr-db' } });

    // Act
    const outcome = await repoint.start(stepContext({ preflight: { desiredCount: 6 } }));

    // Assess: no PutParameter and no forced deployment.
    expect(changes()).toEqual([]);
    expect(outcome).toEqual({
      ready: true,
      detail: { parameter: '/shop/app/database-instance', instanceId: 'shop-dr-db', unchanged: true },
    });
  });

  it('start without a database only redeploys', async () => {
    // Prepare
    aws.ecs[DR].on(UpdateServiceCommand).resolves({});

    // Act
    await repoint.start(stepContext({ preflight: { database: undefined } }));

    // Assess
    expect(changes().map((c) => c.command)).toEqual(['UpdateService']);
  });

  it('check is ready once the forced deployment has replaced the old tasks', async () => {
    // Prepare
    const rolling = steadyService(4, { deployments: [{ rolloutState: 'IN_PROGRESS' }, { rolloutState: 'COMPLETED' }] });
    aws.ecs[DR].on(DescribeServicesCommand)
      .resolvesOnce({ services: [rolling] })
      .resolves({ services: [steadyService(4)] });
    const detail = { parameter: '/shop/app/database-instance', instanceId: 'shop-dr-db' };

    // Act
    const first = await repoint.check(stepContext(), detail);
    const second = await repoint.check(stepContext(), first.detail);

    // Assess
    expect([first.ready, second.ready]).toEqual([false, true]);
    expect(second.detail).toEqual({ ...detail, desired: 4, running: 4, pending: 0 });
  });
});
