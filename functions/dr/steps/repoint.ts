import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { databaseParameterName } from '../../../contracts/inventory';
import { ecs } from '../../shared/clients';
import { databaseParameter, setDatabaseParameter } from '../aws';
import { untilSteady } from './service-state';
import type { RecoveryStep } from './step';

/** The application in the region traffic moves to is pointed at its new writer and redeployed to pick it up. */
export const repoint: RecoveryStep<'repoint'> = {
  pollSeconds: 15,
  async start({ to, preflight, inventory, settings }) {
    const instanceId = preflight.database?.instanceId;
    const parameter = databaseParameterName(inventory.appName);
    // A run repeated after a completed one: the application already reads this writer, so nothing is redeployed.
    if (instanceId && (await databaseParameter(to.region, inventory.appName)) === instanceId) {
      return { ready: true, detail: { parameter, instanceId, unchanged: true } };
    }
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
      detail: { parameter, instanceId },
    };
  },
  check: ({ to }, detail) => untilSteady(to, detail),
};
