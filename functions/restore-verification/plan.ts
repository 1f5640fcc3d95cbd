import { DescribeSnapshotsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import * as z from 'zod';
import { MAX_LENGTH, resourceName } from '../../contracts/identifiers';
import { elasticache, rds } from '../shared/clients';
import { jsonEnv } from '../shared/env';
import { parseInput, ValidationError } from '../shared/errors';
import { type Inventory, inventorySchema } from '../../contracts/inventory';
import type { RegionRole } from '../../contracts/naming';
import { METRICS } from '../../contracts/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Passive, passiveUnlessActive, regionRoleFromEnv } from '../shared/active-region';
import { metrics } from '../shared/powertools';
import { type LedgerRef, ledgerFromEnv, newestFirst, putOnce } from '../shared/ledger';
import {
  TEMP_JOB,
  TEMP_PREFIX,
  TEMP_TAGS,
  type VerificationPlan,
  verificationInputSchema,
  type VerificationSettings,
  verificationSettingsSchema,
} from '../../contracts/restore-verification';

/** Restores take minutes: check every minute, give up after an hour. */
const POLL_SECONDS = 60;
const MAX_POLLS = 60;

interface FoundSnapshot {
  readonly id: string;
  readonly createdAt: Date;
  readonly engine?: string;
  readonly nodeType?: string;
}

/** What a backup manifest recorded about its data (rows per table for databases, keys for caches). */
const manifestCountsSchema = z.object({ rowCounts: z.record(z.string(), z.number()).default({}), keyCount: z.number().optional() });

const isManagedFor = (tags: { Key?: string; Value?: string }[] | undefined, target: string) =>
  (tags ?? []).some((t) => t.Key === TEMP_TAGS.managed && t.Value === 'true') &&
  (tags ?? []).some((t) => t.Key === 'lifeline:target' && t.Value === target);

async function newestDatabaseSnapshot(region: string, target: string, snapshotId?: string): Promise<FoundSnapshot | undefined> {
  const described = await rds(region).send(
    new DescribeDBSnapshotsCommand(snapshotId ? { DBSnapshotIdentifier: snapshotId } : { SnapshotType: 'manual' }),
  );
  const candidates = (described.DBSnapshots ?? []).filter(
    (s) => (snapshotId || isManagedFor(s.TagList, target)) && s.Status === 'available',
  );
  const newest = candidates.sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))[0];
  return newest?.DBSnapshotIdentifier
    ? { id: newest.DBSnapshotIdentifier, createdAt: newest.SnapshotCreateTime ?? new Date(0) }
    : undefined;
}

async function newestCacheSnapshot(region: string, target: string, snapshotId?: string): Promise<FoundSnapshot | undefined> {
  const described = await elasticache(region).send(new DescribeSnapshotsCommand(snapshotId ? { SnapshotName: snapshotId } : {}));
  const candidates: FoundSnapshot[] = [];
  for (const s of described.Snapshots ?? []) {
    if (s.SnapshotStatus !== 'available' || !s.SnapshotName) continue;
    const tags = snapshotId ? undefined : (await elasticache(region).send(new ListTagsForResourceCommand({ ResourceName: s.ARN }))).TagList;
    if (!snapshotId && !isManagedFor(tags, target)) continue;
    candidates.push({
      id: s.SnapshotName,
      createdAt: s.NodeSnapshots?.[0]?.SnapshotCreateTime ?? new Date(0),
      engine: s.Engine,
      nodeType: s.CacheNodeType,
    });
  }
  return candidates.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

export interface PlanEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startedAt: string;
}

/**
 * Validates the input before anything is created, picks the snapshot (the
 * one given, or the newest managed and available one of the target in the
 * workflow's own region), and names the temporary instance after the execution so a
 * re-run restores into the same one. In the passive region it plans nothing (a recorded no-op).
 */
export async function planVerification(
  event: PlanEvent,
  inventory: Inventory,
  ledger: LedgerRef,
  settings: VerificationSettings,
  now: Date,
  role: RegionRole = 'primary',
): Promise<VerificationPlan | { readonly passive: Passive }> {
  const input = parseInput(verificationInputSchema, event.input ?? {}, 'restore verification input');
  const regional = inventory[role];
  const region = regional.region;
  if (input.region !== undefined && input.region !== region) {
    // The restore, its polling and the cleanup are AWS SDK integrations of a state machine in its own region,
    // and those call only their own state machine's region (Step Functions Developer Guide, "Accessing resources
    // in other AWS accounts"): another region's snapshot would be looked up in this one.
    throw new ValidationError(
      `Invalid restore verification input: region: ${input.region} is not this workflow's region (${region}); ` +
        'it verifies the backups in its own region. Each region deploys its own, which acts while its region is active; ' +
        'the DR copies are ' +
        'checked by a dr-failover dry run (its preflight finds the newest copy and reports its age) and restored by a failover drill.',
    );
  }
  const passive = await passiveUnlessActive(ledger, 'restore-verification', {
    executionName: event.executionName,
    startedAt: event.startedAt,
    region,
    role,
  });
  if (passive) {
    metrics.addDimension(METRICS['restore-verification'].dimension, input.target);
    metrics.addMetric(METRICS['restore-verification'].names.passive, MetricUnit.Count, 1);
    metrics.addMetric(METRICS['restore-verification'].names.covered, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return { passive };
  }
  const kind = input.target === 'cache' ? 'elasticache' : 'rds';
  // The DR region has a database whenever it is active (its promoted replica, or the one a pilot-light failover restored).
  if (kind === 'rds' && role === 'primary' && !inventory.primary.databaseInstanceId)
    throw new ValidationError('Invalid restore verification input: target: there is no database to verify');
  if (kind === 'elasticache' && (!regional.cacheSubnetGroupName || !regional.cacheRestoreSecurityGroupId)) {
    throw new ValidationError(`Invalid restore verification input: region: ${region} has no cache placement to restore a cache into`);
  }
  const found =
    kind === 'rds'
      ? await newestDatabaseSnapshot(region, input.target, input.snapshotId)
      : await newestCacheSnapshot(region, input.target, input.snapshotId);
  if (!found) {
    throw new ValidationError(
      input.snapshotId
        ? `Invalid restore verification input: snapshotId: ${input.snapshotId} is not available in ${region}`
        : `No available Lifeline snapshot of ${input.target} in ${region} to verify`,
    );
  }
  const snapshotId = found.id;
  const manifests = await newestFirst(ledger, `backup#${input.target}`, { limit: 200 });
  const manifest = manifests.find(
    (m) => typeof m.snapshots === 'object' && m.snapshots !== null && Object.values(m.snapshots).includes(snapshotId),
  );
  const { rowCounts, keyCount } = manifestCountsSchema.parse(manifest ?? {});
  const expiresAt = new Date(now.getTime() + (input.keep > 0 ? input.keep : settings.ttlMinutes) * 60_000).toISOString();
  const plan: VerificationPlan = {
    runId: event.executionName,
    target: input.target,
    kind,
    region,
    snapshotId,
    snapshotCreatedAt: found.createdAt.toISOString(),
    // TEMP_PREFIX ends with the hyphen resourceName joins with; the sweeper finds these names by it.
    tempInstanceId: resourceName(
      [TEMP_PREFIX.slice(0, -1), event.executionName],
      kind === 'rds' ? MAX_LENGTH.rdsInstance : MAX_LENGTH.cacheGroup,
    ),
    instanceClass: kind === 'rds' ? settings.instanceClass : (found.nodeType ?? 'cache.t4g.micro'),
    subnetGroup: kind === 'rds' ? regional.dbSubnetGroupName : (regional.cacheSubnetGroupName ?? ''),
    securityGroupId: kind === 'rds' ? regional.restoreSecurityGroupId : (regional.cacheRestoreSecurityGroupId ?? ''),
    cache: kind === 'elasticache' ? { engine: found.engine ?? 'valkey', nodeType: found.nodeType ?? 'cache.t4g.micro' } : undefined,
    keepMinutes: input.keep,
    expiresAt,
    expected: { rowCounts, keyCount, tolerancePercent: settings.rowCountTolerancePercent },
    checks: settings.checks,
    pollSeconds: POLL_SECONDS,
    maxPolls: MAX_POLLS,
    startedAt: event.startedAt,
    tags: [
      { Key: TEMP_TAGS.managed, Value: 'true' },
      { Key: TEMP_TAGS.job, Value: TEMP_JOB },
      { Key: TEMP_TAGS.expiresAt, Value: expiresAt },
      { Key: 'lifeline:execution', Value: event.executionName.slice(0, 256) },
    ],
  };
  await putOnce(ledger, {
    pk: `run#${event.executionName}`,
    sk: 'restore-verification',
    job: 'restore-verification',
    startedAt: event.startedAt,
    snapshotId,
    region,
    reason: input.reason,
  });
  return plan;
}

const inventory = jsonEnv('INVENTORY', inventorySchema);
const settings = jsonEnv('VERIFICATION', verificationSettingsSchema);
const role = regionRoleFromEnv();
const ledger = ledgerFromEnv(inventory[role].region);

export const handler = async (event: PlanEvent) => planVerification(event, inventory, ledger, settings, new Date(), role);
