import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ecs } from '../../shared/clients';
import { Findings, type PreflightContext } from './findings';
import type { Part } from './plan';

export interface ServicePlan {
  readonly primaryReachable: boolean;
  readonly desiredCount: number;
  readonly desiredCountSource: string;
  /** Whether the arriving service must scale up (a branch of the critical path). */
  readonly serviceScales: boolean;
}

/**
 * The service on both sides. The region traffic leaves is read best effort
 * (it may be down): when it answers, its desired count (at least the
 * configured one) is what the arriving region will run. A failback needs it
 * to answer. The region traffic moves to must have the service.
 */
export async function serviceChecks({ run, from, to, settings }: PreflightContext): Promise<Part<ServicePlan>> {
  const findings = new Findings();
  const leaving = await findings.probe(`${from.region} service (best effort)`, false, () =>
    ecs(from.region).send(new DescribeServicesCommand({ cluster: from.cluster, services: [from.service] })),
  );
  const leavingService = leaving?.services?.[0];
  const desiredCount = leavingService ? Math.max(leavingService.desiredCount ?? 0, settings.desiredCount) : settings.desiredCount;
  if (leavingService)
    findings.pass(
      `${from.region} reachable`,
      `${from.service} desired ${leavingService.desiredCount}, running ${leavingService.runningCount}`,
      false,
    );
  if (run.direction === 'failback' && !leavingService)
    findings.fail(`${to.region} reachable`, `failback needs ${to.region} back; its ECS API did not answer`);

  const arriving = await findings.probe(`${to.region} service`, true, () =>
    ecs(to.region).send(new DescribeServicesCommand({ cluster: to.cluster, services: [to.service] })),
  );
  const arrivingService = arriving?.services?.[0];
  if (arriving && !arrivingService) findings.fail(`${to.region} service`, `${to.service} not found in ${to.cluster}`);
  if (arrivingService)
    findings.pass(
      `${to.region} service`,
      `${to.service} desired ${arrivingService.desiredCount}, running ${arrivingService.runningCount}; will run ${desiredCount}`,
    );
  return {
    checks: findings.checks,
    primaryReachable: leavingService !== undefined,
    desiredCount,
    desiredCountSource: leavingService
      ? `${from.region} service (live), at least the configured ${settings.desiredCount}`
      : 'configuration (service.desiredCount)',
    serviceScales: (arrivingService?.desiredCount ?? 0) < desiredCount,
  };
}
