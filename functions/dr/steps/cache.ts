import {
  CreateReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  FailoverGlobalReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { elasticache } from '../../shared/clients';
import { findReplicationGroup, runTags } from '../aws';
import type { CachePlan } from '../preflight/plan';
import type { StepDetails } from './progress';
import type { Outcome, RecoveryStep, StepContext } from './step';

type Detail = StepDetails['cache'];

/** A global datastore's status and the region of its primary member. */
async function describeGlobal(region: string, globalId: string): Promise<{ status?: string; primaryRegion?: string }> {
  const described = await elasticache(region).send(
    new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: globalId, ShowMemberInfo: true }),
  );
  const global = described.GlobalReplicationGroups?.[0];
  return { status: global?.Status, primaryRegion: global?.Members?.find((m) => m.Role === 'PRIMARY')?.ReplicationGroupRegion };
}

/** Makes the member in the region traffic moves to the global datastore's primary, unless it is already. */
async function failOverGlobal(
  { to, settings }: StepContext,
  plan: Extract<CachePlan, { mode: 'global-datastore' }>,
): Promise<Outcome<Detail>> {
  const { primaryRegion } = await describeGlobal(to.region, plan.globalId);
  if (primaryRegion !== to.region)
    await elasticache(to.region).send(
      new FailoverGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: plan.globalId,
        PrimaryRegion: to.region,
        PrimaryReplicationGroupId: plan.groupId,
      }),
    );
  return { ready: false, waitSeconds: settings.timings.cacheGlobalFailover, detail: { mode: plan.mode, groupId: plan.groupId } };
}

/** Creates the cache, empty or from the copied RDB export; a standby cache already there is used as is. */
async function create(
  { run, to, settings, inventory }: StepContext,
  plan: Extract<CachePlan, { mode: 'fresh' | 'restore-snapshot' }>,
): Promise<Outcome<Detail>> {
  if (plan.mode === 'fresh' && plan.exists)
    return { ready: true, detail: { mode: 'fresh', groupId: plan.groupId, note: 'the standby cache is used as is' } };
  const existing = await findReplicationGroup(to.region, plan.groupId);
  if (!existing) {
    await elasticache(to.region).send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: plan.groupId,
        ReplicationGroupDescription: `Lifeline ${run.direction} cache (${run.executionName})`,
        Engine: plan.engine,
        CacheNodeType: plan.nodeType,
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: 1,
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
        AtRestEncryptionEnabled: true,
        TransitEncryptionEnabled: true,
        CacheSubnetGroupName: to.cacheSubnetGroupName,
        SecurityGroupIds: to.cacheRestoreSecurityGroupId ? [to.cacheRestoreSecurityGroupId] : undefined,
        SnapshotArns: plan.mode === 'restore-snapshot' ? [`arn:aws:s3:::${to.bucket}/${plan.rdbKey}`] : undefined,
        Tags: runTags(run, inventory.appName),
      }),
    );
  }
  return { ready: false, waitSeconds: settings.timings.cacheCreate, detail: { mode: plan.mode, groupId: plan.groupId } };
}

/** The cache in the region traffic moves to, as the preflight planned it. */
export const cache: RecoveryStep<'cache'> = {
  pollSeconds: 15,
  async start(ctx) {
    const plan = ctx.preflight.cache;
    switch (plan.mode) {
      case 'none':
      case 'existing':
        return { ready: true, detail: { mode: plan.mode, groupId: plan.groupId } };
      case 'global-datastore':
        return failOverGlobal(ctx, plan);
      case 'fresh':
      case 'restore-snapshot':
        return create(ctx, plan);
    }
  },
  async check({ to, preflight }, detail) {
    const plan = preflight.cache;
    if (plan.mode === 'global-datastore') {
      const { status, primaryRegion } = await describeGlobal(to.region, plan.globalId);
      return { ready: status === 'available' && primaryRegion === to.region, detail: { ...detail, status } };
    }
    const described = await elasticache(to.region).send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: String(detail.groupId) }),
    );
    const group = described.ReplicationGroups?.[0];
    return { ready: group?.Status === 'available', detail: { ...detail, status: group?.Status } };
  },
};
