import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ecs } from '../../shared/clients';
import { replicaLagSeconds } from '../aws';
import { serviceSteady } from './service-state';
import type { RecoveryStep, StepContext } from './step';

/** The rebuilt replica's lag when the writers stopped (as planned when CloudWatch has none); none without a replica. */
async function lagAtStop({ preflight, to, settings, now }: StepContext): Promise<number> {
  const plan = preflight.database;
  if (plan?.action !== 'rebuild') return 0;
  return (await replicaLagSeconds(to.region, plan.instanceId, now, 5)) ?? settings.timings.replicaLag;
}

/** A planned switch: stop the writers first so the replica can take every write before it is promoted. */
export const quiesce: RecoveryStep<'quiesce'> = {
  pollSeconds: 10,
  async start({ from, settings }) {
    await ecs(from.region).send(new UpdateServiceCommand({ cluster: from.cluster, service: from.service, desiredCount: 0 }));
    return { ready: false, waitSeconds: settings.timings.taskStop, detail: { service: from.service, region: from.region } };
  },
  async check(ctx, detail) {
    const { from, settings, now } = ctx;
    const { steady, detail: service } = await serviceSteady(from);
    if (!steady) return { ready: false, detail: { ...detail, ...service } };
    // The writers are gone: every write they made reaches the replica within the lag measured now.
    const stoppedAt = detail.writersStoppedAt ?? now.toISOString();
    const lag = detail.replicaLagSeconds ?? (await lagAtStop(ctx));
    const caughtUpAt = Date.parse(stoppedAt) + Math.max(lag, settings.maxCatchUpLagSeconds) * 1000;
    return {
      ready: now.getTime() >= caughtUpAt,
      waitSeconds: Math.max(1, Math.ceil((caughtUpAt - now.getTime()) / 1000)),
      detail: { ...detail, ...service, writersStoppedAt: stoppedAt, replicaLagSeconds: lag },
    };
  },
};
