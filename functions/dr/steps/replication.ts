import { describeInstance, replaceWithReplica, replicaLagSeconds, replicationSource, runTags } from '../aws';
import type { StepDetails } from './progress';
import type { Outcome, RecoveryStep, StepContext } from './step';

type Detail = StepDetails['replication'];

/**
 * Asks for the replica, or for the rename that frees its name first: the
 * instance the failover left is kept under another name, never deleted, and
 * RDS frees its old name only when that rename completes.
 */
async function rebuild(ctx: StepContext, detail: Detail): Promise<Outcome<Detail>> {
  const { run, from, to, preflight, settings, inventory, now } = ctx;
  const plan = preflight.database;
  if (plan?.action !== 'rebuild') return { ready: true, detail };
  const source = await replicationSource(from.region, plan.sourceInstanceId);
  const replacement = await replaceWithReplica({
    id: plan.instanceId,
    source,
    placement: to,
    multiAz: true,
    tags: runTags(run, inventory.appName),
    now,
    staleId: detail.renamed ?? plan.staleInstanceId,
  });
  const next: Detail = { ...detail, renamed: replacement.renamed ?? detail.renamed, waitingFor: replacement.waitingFor };
  if (replacement.waitingFor === 'rename') return { ready: false, detail: { ...next, status: replacement.status } };
  return { ready: false, waitSeconds: settings.timings.createReplica, detail: { ...next, status: undefined } };
}

/** Failback: the original region's database is rebuilt as a replica of the DR writer, and catches up. */
export const replication: RecoveryStep<'replication'> = {
  pollSeconds: 30,
  async start(ctx) {
    const plan = ctx.preflight.database;
    if (plan?.action !== 'rebuild') return { ready: true, detail: { skipped: 'no database to rebuild' } };
    const { timings } = ctx.settings;
    const outcome = await rebuild(ctx, { instanceId: plan.instanceId, source: plan.sourceInstanceId });
    return outcome.detail.waitingFor === 'rename'
      ? { ...outcome, waitSeconds: timings.renameInstance, plannedSeconds: timings.renameInstance + timings.createReplica }
      : outcome;
  },
  async check(ctx, detail) {
    const { to, preflight, settings, now } = ctx;
    const plan = preflight.database;
    if (plan?.action !== 'rebuild') return { ready: true, detail };
    if (detail.waitingFor === 'rename') return rebuild(ctx, detail);
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
