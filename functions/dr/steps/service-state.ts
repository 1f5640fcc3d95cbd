import type { RegionalWorkload } from '../../../contracts/inventory';
import { LifelineError } from '../../shared/errors';
import { describeService } from '../aws';
import type { ServiceDetail } from './progress';
import type { Outcome } from './step';

/** Whether an ECS service has settled: all desired tasks running, none pending, one deployment and not rolling out. */
export async function serviceSteady(placement: RegionalWorkload): Promise<{ steady: boolean; detail: ServiceDetail }> {
  const described = await describeService(placement);
  if (!described)
    throw new LifelineError('ServiceNotFound', `${placement.service} not found in ${placement.cluster} (${placement.region})`);
  const steady =
    described.runningCount === described.desiredCount &&
    (described.pendingCount ?? 0) === 0 &&
    (described.deployments ?? []).length <= 1 &&
    described.deployments?.[0]?.rolloutState !== 'IN_PROGRESS';
  const failedToPlace = (described.events ?? []).find((e) => /unable to place/.test(e.message ?? ''));
  return {
    steady,
    detail: {
      desired: described.desiredCount,
      running: described.runningCount,
      pending: described.pendingCount,
      ...(failedToPlace && !steady ? { lastProblem: failedToPlace.message } : {}),
    },
  };
}

/** The check of a step that is done once a service has settled. */
export async function untilSteady<D extends ServiceDetail>(placement: RegionalWorkload, detail: D): Promise<Outcome<D>> {
  const { steady, detail: service } = await serviceSteady(placement);
  return { ready: steady, detail: { ...detail, ...service } };
}
