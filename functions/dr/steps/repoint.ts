import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { databaseParameterName } from '../../../contracts/inventory';
import { ecs } from '../../shared/clients';
import { setDatabaseParameter } from '../aws';
import { untilSteady } from './service-state';
import type { RecoveryStep } from './step';

/** The application in the region traffic moves to is pointed at its new writer and redeployed to pick it up. */
export const repoint: RecoveryStep<'repoint'> = {
  pollSeconds: 15,
  async start({ to, preflight, inventory, settings }) {
    const instanceId = preflight.database?.instanceId;
    if (instanceId) await setDatabaseParameter(to.region, inventory.appName, instanceId);
    await ecs(to.region).send(
      new UpdateServiceCommand({
        cluster: to.cluster,
        service: to.service,
        desiredCount: preflight.desiredCount,
        forceNewDeployment: true,
      }),
    );
    return {
      ready: false,
      waitSeconds: settings.timings.taskStart + settings.timings.taskStop,
      detail: { parameter: databaseParameterName(inventory.appName), instanceId },
    };
  },
  check: ({ to }, detail) => untilSteady(to, detail),
};
