import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeGlobalReplicationGroupsCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { cacheChecks } from '../../../functions/dr/preflight/cache';
import { aws, awsError, DR, inventory, PRIMARY, preflightContext, resetAws, sent } from './fixtures';

const withoutCache = { ...inventory, primary: { ...inventory.primary, cacheReplicationGroupId: undefined } };
const noGroup = () => aws.elasticache[DR].on(DescribeReplicationGroupsCommand).rejects(awsError('ReplicationGroupNotFoundFault'));
const manifests = (...items: Record<string, unknown>[]) =>
  aws.ledger[DR].on(QueryCommand).resolves({ Items: items.map((item) => marshall(item)) });

describe('preflight: cache', () => {
  beforeEach(resetAws);

  it('a failover of an application without a cache plans none, and reads nothing', async () => {
    // Act
    const part = await cacheChecks(preflightContext({ inventory: withoutCache }));

    // Assess
    expect(part).toEqual({ checks: [], plan: { mode: 'none' } });
    expect(sent()).toEqual([]);
  });

  it("a failback uses the original region's cache as it is (with or without one)", async () => {
    // Act
    const withCache = await cacheChecks(preflightContext({ direction: 'failback' }));
    const without = await cacheChecks(preflightContext({ direction: 'failback', inventory: withoutCache }));

    // Assess
    expect(withCache).toEqual({ checks: [], plan: { mode: 'existing', groupId: 'shop-primary-cache' } });
    expect(without).toEqual({ checks: [], plan: { mode: 'existing', groupId: undefined } });
    expect(sent()).toEqual([]);
  });

  it.each([
    ['creates an empty cache when none is there', undefined, `an empty shop-dr-cache will be created`, false],
    ['uses a standby cache already there as is', 'available', 'shop-dr-cache is available: used as is', true],
  ])('fresh: %s', async (_, status, detail, exists) => {
    // Prepare
    if (status)
      aws.elasticache[DR].on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'shop-dr-cache' }).resolves({
        ReplicationGroups: [{ Status: status }],
      });
    else noGroup();

    // Act
    const part = await cacheChecks(preflightContext());

    // Assess
    expect(part).toEqual({
      checks: [{ name: `${DR} cache`, ok: true, blocking: true, detail }],
      plan: { mode: 'fresh', groupId: 'shop-dr-cache', nodeType: 'cache.r6g.large', engine: 'valkey', exists },
    });
  });

  it('fresh: blocks when the DR region has no cache subnet group to create it in', async () => {
    // Prepare
    noGroup();
    const noPlacement = { ...inventory, dr: { ...inventory.dr, cacheSubnetGroupName: undefined } };

    // Act
    const part = await cacheChecks(preflightContext({ inventory: noPlacement }));

    // Assess
    expect(part.checks[0]).toEqual({
      name: `${DR} cache`,
      ok: false,
      blocking: true,
      detail: `no cache placement (subnet group) in ${DR} to create the cache in`,
    });
  });

  it("restore-snapshot: plans the newest backup's RDB copy in the DR region", async () => {
    // Prepare
    noGroup();
    manifests({ pk: 'backup#cache', sk: '2026-07-01T11:00:00Z', snapshots: { [PRIMARY]: 'shop-cache-0701', [DR]: 'cache/shop-0701.rdb' } });

    // Act
    const part = await cacheChecks(preflightContext({ settings: { cacheRecovery: 'restore-snapshot' } }));

    // Assess
    expect(part).toEqual({
      checks: [{ name: 'cache copy', ok: true, blocking: true, detail: 'restore from s3://shop-dr-artifacts/cache/shop-0701.rdb' }],
      plan: {
        mode: 'restore-snapshot',
        groupId: 'shop-dr-cache',
        rdbKey: 'cache/shop-0701.rdb',
        nodeType: 'cache.r6g.large',
        engine: 'valkey',
      },
    });
    expect(aws.ledger[DR].commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      TableName: 'shop-ledger',
      ExpressionAttributeValues: { ':pk': { S: 'backup#cache' } },
      ScanIndexForward: false,
    });
  });

  it("restore-snapshot: skips the DR region's own backups and pending copies for the newest copy made into it", async () => {
    // Prepare: newest first, a backup the DR region made itself (after a failover), one whose copy is pending, then a copy
    noGroup();
    manifests(
      { pk: 'backup#cache', sk: '3', sourceRegion: DR, snapshots: { [DR]: 'lifeline-cache-dr-0703', [PRIMARY]: 'cache/x.rdb' } },
      { pk: 'backup#cache', sk: '2', sourceRegion: PRIMARY, snapshots: { [PRIMARY]: 'lifeline-cache-0702' } },
      { pk: 'backup#cache', sk: '1', sourceRegion: PRIMARY, snapshots: { [PRIMARY]: 'lifeline-cache-0701', [DR]: 'cache/0701.rdb' } },
    );

    // Act
    const part = await cacheChecks(preflightContext({ settings: { cacheRecovery: 'restore-snapshot' } }));

    // Assess
    expect(part.plan).toMatchObject({ mode: 'restore-snapshot', rdbKey: 'cache/0701.rdb' });
  });

  it.each([
    ['no backup yet', []],
    ['a backup whose copy did not reach the DR region', [{ pk: 'backup#cache', sk: 'x', snapshots: { [PRIMARY]: 'shop-cache-0701' } }]],
  ])('restore-snapshot: blocks with %s, and plans no cache', async (_, items) => {
    // Prepare
    noGroup();
    manifests(...items);

    // Act
    const part = await cacheChecks(preflightContext({ settings: { cacheRecovery: 'restore-snapshot' } }));

    // Assess
    expect(part).toEqual({
      checks: [
        {
          name: 'cache copy',
          ok: false,
          blocking: true,
          detail: `no cache backup copied to ${DR} (run a backup first, or use cacheRecovery fresh)`,
        },
      ],
      plan: { mode: 'none' },
    });
  });

  it("global datastore: plans the DR region's member as the new primary", async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeGlobalReplicationGroupsCommand, { GlobalReplicationGroupId: 'ldgnf-shop' }).resolves({
      GlobalReplicationGroups: [{}],
    });

    // Act
    const part = await cacheChecks(
      preflightContext({ settings: { cacheRecovery: 'global-datastore', cacheGlobalDatastoreId: 'ldgnf-shop' } }),
    );

    // Assess
    expect(part).toEqual({
      checks: [
        { name: 'cache global datastore', ok: true, blocking: true, detail: `ldgnf-shop: ${DR} member shop-dr-cache becomes primary` },
      ],
      plan: { mode: 'global-datastore', groupId: 'shop-dr-cache', globalId: 'ldgnf-shop' },
    });
  });

  it('global datastore: blocks when it cannot be read', async () => {
    // Prepare
    aws.elasticache[DR].on(DescribeGlobalReplicationGroupsCommand).rejects(awsError('GlobalReplicationGroupNotFoundFault', 'none'));

    // Act
    const part = await cacheChecks(
      preflightContext({ settings: { cacheRecovery: 'global-datastore', cacheGlobalDatastoreId: 'ldgnf-shop' } }),
    );

    // Assess
    expect(part.checks).toEqual([
      { name: 'cache global datastore', ok: false, blocking: true, detail: 'GlobalReplicationGroupNotFoundFault: none' },
    ]);
  });
});
