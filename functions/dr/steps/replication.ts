import { describeInstance, replaceWithReplica, replicaLagSeconds, replicationSource } from '../aws';
import type { RecoveryStep } from './step';

/** Failback: the original region's database is rebuilt as a replica of the DR writer, and catches up. */
export const replication: RecoveryStep<'replication'> = {
  pollSeconds: 30,
  async start({ run, from, to, preflight, settings, now }) {
    const plan = preflight.database;
    if (plan?.action !== 'rebuild') return { ready: true, detail: { skipped: 'no database to rebuild' } };
    const source = await replicationSource(from.region, plan.sourceInstanceId);
    // The instance left by the failover holds the data of before it: kept under another name, never deleted here.
    const renamed = await replaceWithReplica({
      id: plan.instanceId,
      source,
      placement: to,
      multiAz: true,
      run,
      now,
      staleId: plan.staleInstanceId,
    });
    return {
      ready: false,
      waitSeconds: settings.timings.createReplica,
      detail: { instanceId: plan.instanceId, source: plan.sourceInstanceId, renamed },
    };
  },
  async check({ to, preflight, settings, now }, detail) {
    const plan = preflight.database;
    if (plan?.action !== 'rebuild') return { ready: true, detail };
    const instance = await describeInstance(to.region, plan.instanceId);
    if (instance?.DBInstanceStatus !== 'available')
      return { ready: false, detail: { ...detail, status: instance?.DBInstanceStatus ?? 'missing' } };
    const lag = await replicaLagSeconds(to.region, plan.instanceId, now, 5);
    return {
      ready: lag !== undefined && lag <= Math.max(settings.maxCatchUpLagSeconds, settings.timings.replicaLag),
      detail: { ...detail, status: 'available', replicaLagSeconds: lag },
    };
  },
};
