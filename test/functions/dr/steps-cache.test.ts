import {
  CreateReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  FailoverGlobalReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CachePlan } from '../../../functions/dr/preflight/plan';
import { cache } from '../../../functions/dr/steps/cache';
import { aws, awsError, changes, DR, PRIMARY, resetAws, sent, settings, stepContext, tagsOf } from './fixtures';

const fresh: CachePlan = { mode: 'fresh', groupId: 'shop-dr-cache', nodeType: 'cache.r6g.large', engine: 'valkey', exists: false };
const fromCopy: CachePlan = {
  mode: 'restore-snapshot',
  groupId: 'shop-dr-cache',
  rdbKey: 'cache/shop-0630.rdb',
  nodeType: 'cache.r6g.large',
  engine: 'valkey',
};
const global: CachePlan = { mode: 'global-datastore', groupId: 'shop-dr-cache', globalId: 'ldgnf-shop' };
const datastore = (status: string, primaryRegion: string) => ({
  GlobalReplicationGroups: [
    {
      Status: status,
      Members: [
        { Role: 'PRIMARY', ReplicationGroupRegion: primaryRegion },
        { Role: 'SECONDARY', ReplicationGroupRegion: primaryRegion === DR ? PRIMARY : DR },
      ],
    },
  ],
});

describe('cache step', () => {
  beforeEach(resetAws);

  it.each<[string, CachePlan]>([
    ['a standby cache already there', { ...fresh, exists: true }],
    ['the original cache (failback)', { mode: 'existing', groupId: 'shop-primary-cache' }],
    ['no cache', { mode: 'none' }],
  ])('start is done at once, without a call, for %s', async (_, plan) => {
    // Act
    const outcome = await cache.start(stepContext({ preflight: { cache: plan } }));

    // Assess
    expect(outcome.ready).toBe(true);
    expect(outcome.detail.mode).toBe(plan.mode);
    expect(sent()).toEqual([]);
  });

  it("start creates an empty, encrypted, Multi-AZ cache in the DR placement with the run's tags", async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeReplicationGroupsCommand).rejects(awsError('ReplicationGroupNotFoundFault'));
    aws.elasticache[DR].on(CreateReplicationGroupCommand).resolves({});

    // Act
    const outcome = await cache.start(stepContext({ preflight: { cache: fresh } }));

    // Assess
    expect(changes()).toEqual([
      {
        service: 'elasticache',
        region: DR,
        command: 'CreateReplicationGroup',
        input: {
          ReplicationGroupId: 'shop-dr-cache',
          ReplicationGroupDescription: 'Lifeline failover cache (failover-1)',
          Engine: 'valkey',
          CacheNodeType: 'cache.r6g.large',
          NumNodeGroups: 1,
          ReplicasPerNodeGroup: 1,
          MultiAZEnabled: true,
          AutomaticFailoverEnabled: true,
          AtRestEncryptionEnabled: true,
          TransitEncryptionEnabled: true,
          CacheSubnetGroupName: 'shop-dr-cache-subnets',
          SecurityGroupIds: ['sg-dr-cache'],
          SnapshotArns: undefined,
          Tags: tagsOf('failover'),
        },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.cacheCreate,
      detail: { mode: 'fresh', groupId: 'shop-dr-cache' },
    });
  });

  it('start seeds the cache from the RDB export copied to the DR bucket', async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
    aws.elasticache[DR].on(CreateReplicationGroupCommand).resolves({});

    // Act
    await cache.start(stepContext({ preflight: { cache: fromCopy } }));

    // Assess
    expect(changes()).toMatchObject([
      { command: 'CreateReplicationGroup', input: { SnapshotArns: ['arn:aws:s3:::shop-dr-artifacts/cache/shop-0630.rdb'] } },
    ]);
  });

  it('start creates no second cache when one of that name exists (a re-run), and still waits for it', async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: 'creating' }] });

    // Act
    const outcome = await cache.start(stepContext({ preflight: { cache: fresh } }));

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome.waitSeconds).toBe(settings.timings.cacheCreate);
  });

  it("start fails the global datastore over to the DR region's member", async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeGlobalReplicationGroupsCommand).resolves(datastore('available', PRIMARY));
    aws.elasticache[DR].on(FailoverGlobalReplicationGroupCommand).resolves({});

    // Act
    const outcome = await cache.start(stepContext({ preflight: { cache: global } }));

    // Assess
    expect(changes()).toEqual([
      {
        service: 'elasticache',
        region: DR,
        command: 'FailoverGlobalReplicationGroup',
        input: { GlobalReplicationGroupId: 'ldgnf-shop', PrimaryRegion: DR, PrimaryReplicationGroupId: 'shop-dr-cache' },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.cacheGlobalFailover,
      detail: { mode: 'global-datastore', groupId: 'shop-dr-cache' },
    });
  });

  it('start does not fail over a global datastore whose primary is in the DR region already', async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeGlobalReplicationGroupsCommand).resolves(datastore('modifying', DR));

    // Act
    await cache.start(stepContext({ preflight: { cache: global } }));

    // Assess
    expect(changes()).toEqual([]);
  });

  it.each([
    ['creating', false],
    ['available', true],
  ])('check of a created cache: %s is ready %s', async (status, ready) => {
    // Prepare
    aws.elasticache[DR].on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'shop-dr-cache' }).resolves({
      ReplicationGroups: [{ Status: status }],
    });

    // Act
    const outcome = await cache.check(stepContext({ preflight: { cache: fresh } }), { mode: 'fresh', groupId: 'shop-dr-cache' });

    // Assess
    expect(outcome).toEqual({ ready, detail: { mode: 'fresh', groupId: 'shop-dr-cache', status } });
  });

  it.each([
    ['available with its primary in the DR region', true, datastore('available', DR)],
    ['available with its primary still in the primary region', false, datastore('available', PRIMARY)],
    ['still failing over', false, datastore('modifying', DR)],
  ])('check of a global datastore %s: ready %s', async (_, ready, described) => {
    // Prepare
    aws.elasticache[DR].on(DescribeGlobalReplicationGroupsCommand, { GlobalReplicationGroupId: 'ldgnf-shop' }).resolves(described);

    // Act
    const outcome = await cache.check(stepContext({ preflight: { cache: global } }), {
      mode: 'global-datastore',
      groupId: 'shop-dr-cache',
    });

    // Assess
    expect(outcome.ready).toBe(ready);
  });
});
