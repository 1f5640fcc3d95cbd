import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ecs } from '../../shared/clients';
import { describeService } from '../aws';
import { untilSteady } from './service-state';
import type { RecoveryStep } from './step';

/** The service in the region traffic moves to scales to the count the preflight chose (it never scales down here). */
export const service: RecoveryStep<'service'> = {
  pollSeconds: 15,
  async start({ to, preflight, settings }) {
    const current = await describeService(to);
    if ((current?.desiredCount ?? 0) >= preflight.desiredCount)
      return { ready: false, waitSeconds: 0, detail: { desired: current?.desiredCount } };
    await ecs(to.region).send(new UpdateServiceCommand({ cluster: to.cluster, service: to.service, desiredCount: preflight.desiredCount }));
    return {
      ready: false,
      waitSeconds: settings.timings.taskStart,
      detail: { desired: preflight.desiredCount, source: preflight.desiredCountSource },
    };
  },
  check: ({ to }, detail) => untilSteady(to, detail),
};
