import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { serviceChecks } from '../../../functions/dr/preflight/service';
import { aws, awsError, DR, PRIMARY, preflightContext, resetAws, steadyService } from './fixtures';

const inPrimary = { cluster: 'shop-primary-cluster', services: ['shop-primary-service'] };
const inDr = { cluster: 'shop-dr-cluster', services: ['shop-dr-service'] };

describe('preflight: service', () => {
  beforeEach(resetAws);

  it('plans the live desired count of the region traffic leaves, when it is above the configured one', async () => {
    // Prepare
    aws.ecs[PRIMARY].on(DescribeServicesCommand, inPrimary).resolves({ services: [steadyService(6)] });
    aws.ecs[DR].on(DescribeServicesCommand, inDr).resolves({ services: [steadyService(1)] });

    // Act
    const part = await serviceChecks(preflightContext());

    // Assess
    expect(part).toEqual({
      checks: [
        { name: `${PRIMARY} reachable`, ok: true, blocking: false, detail: 'shop-primary-service desired 6, running 6' },
        { name: `${DR} service`, ok: true, blocking: true, detail: 'shop-dr-service desired 1, running 1; will run 6' },
      ],
      primaryReachable: true,
      desiredCount: 6,
      desiredCountSource: `${PRIMARY} service (live), at least the configured 4`,
      serviceScales: true,
    });
  });

  it('plans at least the configured count, and no scaling when the arriving service already runs it', async () => {
    // Prepare
    aws.ecs[PRIMARY].on(DescribeServicesCommand).resolves({ services: [steadyService(2)] });
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(4)] });

    // Act
    const part = await serviceChecks(preflightContext());

    // Assess
    expect(part).toMatchObject({ desiredCount: 4, serviceScales: false });
  });

  it('plans the configured count when the region traffic leaves does not answer: a finding that does not block a failover', async () => {
    // Prepare
    aws.ecs[PRIMARY].on(DescribeServicesCommand).rejects(awsError('ServerException', 'region unavailable'));
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [steadyService(1)] });

    // Act
    const part = await serviceChecks(preflightContext());

    // Assess
    expect(part.checks[0]).toEqual({
      name: `${PRIMARY} service (best effort)`,
      ok: false,
      blocking: false,
      detail: 'ServerException: region unavailable',
    });
    expect(part).toMatchObject({ primaryReachable: false, desiredCount: 4, desiredCountSource: 'configuration (service.desiredCount)' });
    expect(part.checks.every((c) => c.ok || !c.blocking)).toBe(true);
  });

  it('blocks a failback when the region traffic leaves (DR) does not answer, under the name of the region it returns to', async () => {
    // Prepare
    aws.ecs[DR].on(DescribeServicesCommand).rejects(awsError('ServerException', 'timeout'));
    aws.ecs[PRIMARY].on(DescribeServicesCommand).resolves({ services: [steadyService(0)] });

    // Act
    const part = await serviceChecks(preflightContext({ direction: 'failback' }));

    // Assess
    expect(part.checks).toContainEqual({
      name: `${PRIMARY} reachable`,
      ok: false,
      blocking: true,
      detail: `failback needs ${PRIMARY} back; its ECS API did not answer`,
    });
  });

  it('blocks when the arriving region has no such service', async () => {
    // Prepare
    aws.ecs[PRIMARY].on(DescribeServicesCommand).resolves({ services: [steadyService(4)] });
    aws.ecs[DR].on(DescribeServicesCommand).resolves({ services: [] });

    // Act
    const part = await serviceChecks(preflightContext());

    // Assess
    expect(part.checks).toContainEqual({
      name: `${DR} service`,
      ok: false,
      blocking: true,
      detail: 'shop-dr-service not found in shop-dr-cluster',
    });
  });

  it("blocks when the arriving region's ECS refuses the runbook's role, and says so", async () => {
    // Prepare
    aws.ecs[PRIMARY].on(DescribeServicesCommand).resolves({ services: [steadyService(4)] });
    aws.ecs[DR].on(DescribeServicesCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform ecs:DescribeServices'));

    // Act
    const part = await serviceChecks(preflightContext());

    // Assess
    expect(part.checks).toContainEqual({
      name: `${DR} service`,
      ok: false,
      blocking: true,
      detail: "the runbook's role may not do this: AccessDeniedException: not authorized to perform ecs:DescribeServices",
    });
  });
});
