import { DescribeGlobalReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import * as z from 'zod';
import { elasticache } from '../../shared/clients';
import { type LedgerRef, newestFirst } from '../../shared/ledger';
import { findReplicationGroup } from '../aws';
import { cacheIdOf } from '../deps';
import { Findings, type PreflightContext } from './findings';
import type { CachePlan, Part } from './plan';

export type CachePart = Part<{ readonly plan: CachePlan }>;

/** A backup manifest names its snapshot (or RDB export) per region, and the region it backed up. */
const manifestSchema = z.object({ snapshots: z.record(z.string(), z.unknown()), sourceRegion: z.string().optional() });

/**
 * The newest RDB export of the cache copied into `region`'s bucket, from the backup manifests. Both regions back up
 * (the active one), so the newest manifest may be one of `region` itself (its entry there names a cache snapshot, not
 * a copy) or one whose copy is still pending: the newest with a copy into `region` is the one to seed from.
 */
async function newestCacheCopy(ledger: LedgerRef, region: string): Promise<string | undefined> {
  for (const manifest of await newestFirst(ledger, 'backup#cache', { limit: 50 })) {
    const parsed = manifestSchema.safeParse(manifest);
    if (!parsed.success || parsed.data.sourceRegion === region) continue;
    const key = parsed.data.snapshots[region];
    if (typeof key === 'string') return key;
  }
  return undefined;
}

/** A global datastore: the member in the region traffic moves to becomes its primary. */
async function globalDatastore({ to, toRole, inventory, settings }: PreflightContext): Promise<CachePart> {
  const findings = new Findings();
  const globalId = settings.cacheGlobalDatastoreId ?? '';
  const groupId = cacheIdOf(inventory, toRole);
  const globals = await findings.probe('cache global datastore', true, () =>
    elasticache(to.region).send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: globalId })),
  );
  if (globals?.GlobalReplicationGroups?.[0])
    findings.pass('cache global datastore', `${globalId}: ${to.region} member ${groupId} becomes primary`);
  return { checks: findings.checks, plan: { mode: 'global-datastore', groupId, globalId } };
}

/**
 * A cache created in the region traffic moves to: from the newest RDB copy
 * (restore-snapshot), or empty (fresh). A cache already there is used as is.
 */
async function createdCache(ctx: PreflightContext, mode: 'fresh' | 'restore-snapshot'): Promise<CachePart> {
  const { to, toRole, inventory, settings, ledger } = ctx;
  const findings = new Findings();
  const groupId = cacheIdOf(inventory, toRole);
  const [nodeType, engine] = [settings.cacheNodeType, settings.cacheEngine];
  const group = await findReplicationGroup(to.region, groupId);
  if (!to.cacheSubnetGroupName && !group)
    findings.fail(`${to.region} cache`, `no cache placement (subnet group) in ${to.region} to create the cache in`);
  if (mode === 'restore-snapshot' && !group) {
    const rdbKey = await findings.probe('cache copy', true, () => newestCacheCopy(ledger, to.region));
    if (!rdbKey) {
      findings.fail('cache copy', `no cache backup copied to ${to.region} (run a backup first, or use cacheRecovery fresh)`);
      return { checks: findings.checks, plan: { mode: 'none' } };
    }
    findings.pass('cache copy', `restore from s3://${to.bucket}/${rdbKey}`);
    return { checks: findings.checks, plan: { mode, groupId, rdbKey, nodeType, engine } };
  }
  findings.pass(`${to.region} cache`, group ? `${groupId} is ${group.Status}: used as is` : `an empty ${groupId} will be created`);
  return { checks: findings.checks, plan: { mode: 'fresh', groupId, nodeType, engine, exists: Boolean(group) } };
}

/** The cache plan: a failover recovers the cache as configured; a failback uses the original region's cache as it is. */
export async function cacheChecks(ctx: PreflightContext): Promise<CachePart> {
  const { run, inventory, settings, toRole } = ctx;
  if (run.direction === 'failback') return { checks: [], plan: { mode: 'existing', groupId: inventory[toRole].cacheReplicationGroupId } };
  if (!inventory.primary.cacheReplicationGroupId) return { checks: [], plan: { mode: 'none' } };
  return settings.cacheRecovery === 'global-datastore' ? globalDatastore(ctx) : createdCache(ctx, settings.cacheRecovery);
}
