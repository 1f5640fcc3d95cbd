import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { rds } from '../shared/clients';
import { dynamodb } from '../shared/clients';
import { jsonEnv, requiredEnv } from '../shared/env';
import { parseInput, ValidationError } from '../shared/errors';
import { type Inventory, inventorySchema } from '../shared/inventory';
import { type LedgerRef, newestFirst, putOnce } from '../shared/ledger';
import { TEMP_JOB, TEMP_PREFIX, TEMP_TAGS, userCheckSchema, type VerificationPlan, verificationInputSchema } from './contract';

export const verificationSettingsSchema = z.object({
  instanceClass: z.string(),
  rowCountTolerancePercent: z.number(),
  ttlMinutes: z.number(),
  checks: z.array(userCheckSchema),
});
export type VerificationSettings = z.infer<typeof verificationSettingsSchema>;

/** Restores take minutes: check every minute, give up after an hour. */
const POLL_SECONDS = 60;
const MAX_POLLS = 60;

export interface PlanEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startedAt: string;
}

/**
 * Validates the input before anything is created, picks the snapshot (the
 * one given, or the newest managed and available one of the target in the
 * region), and names the temporary instance after the execution so a
 * re-run restores into the same one.
 */
export async function planVerification(event: PlanEvent, inventory: Inventory, ledger: LedgerRef, settings: VerificationSettings, now: Date): Promise<VerificationPlan> {
  const input = parseInput(verificationInputSchema, event.input ?? {}, 'restore verification input');
  const region = input.region ?? inventory.primary.region;
  const regional = [inventory.primary, inventory.dr].find((r) => r.region === region);
  if (!regional) throw new ValidationError(`Invalid restore verification input: region: must be ${inventory.primary.region} or ${inventory.dr.region}`);
  const source = inventory.primary.databaseInstanceId;
  if (!source) throw new ValidationError('Invalid restore verification input: target: there is no database to verify');

  const described = await rds(region).send(new DescribeDBSnapshotsCommand(input.snapshotId ? { DBSnapshotIdentifier: input.snapshotId } : { SnapshotType: 'manual' }));
  const managed = (described.DBSnapshots ?? []).filter((s) => s.TagList?.some((t) => t.Key === TEMP_TAGS.managed && t.Value === 'true') && s.TagList?.some((t) => t.Key === 'lifeline:target' && t.Value === input.target));
  const candidates = (input.snapshotId ? described.DBSnapshots ?? [] : managed).filter((s) => s.Status === 'available').sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0));
  const snapshot = candidates[0];
  if (!snapshot?.DBSnapshotIdentifier) {
    throw new ValidationError(input.snapshotId ? `Invalid restore verification input: snapshotId: ${input.snapshotId} is not available in ${region}` : `No available Lifeline snapshot of ${input.target} in ${region} to verify`);
  }
  const snapshotId = snapshot.DBSnapshotIdentifier;
  const manifests = await newestFirst(ledger, `backup#${input.target}`, { limit: 200 });
  const manifest = manifests.find((m) => typeof m.snapshots === 'object' && m.snapshots !== null && Object.values(m.snapshots).includes(snapshotId));
  const rowCounts = manifest && typeof manifest.rowCounts === 'object' && manifest.rowCounts !== null ? (manifest.rowCounts as Record<string, number>) : {};
  const slug = event.executionName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  const expiresAt = new Date(now.getTime() + (input.keep > 0 ? input.keep : settings.ttlMinutes) * 60_000).toISOString();
  const plan: VerificationPlan = {
    runId: event.executionName,
    target: input.target,
    region,
    snapshotId,
    snapshotCreatedAt: (snapshot.SnapshotCreateTime ?? now).toISOString(),
    tempInstanceId: `${TEMP_PREFIX}${slug}`,
    instanceClass: settings.instanceClass,
    subnetGroup: regional.dbSubnetGroupName,
    securityGroupId: regional.restoreSecurityGroupId,
    keepMinutes: input.keep,
    expiresAt,
    expected: { rowCounts, tolerancePercent: settings.rowCountTolerancePercent },
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
  await putOnce(ledger, { pk: `run#${event.executionName}`, sk: 'restore-verification', job: 'restore-verification', startedAt: event.startedAt, snapshotId, region, reason: input.reason });
  return plan;
}

const inventory = jsonEnv('INVENTORY', inventorySchema);
const settings = jsonEnv('VERIFICATION', verificationSettingsSchema);
const ledger: LedgerRef = { client: dynamodb(process.env.AWS_REGION ?? inventory.primary.region), table: requiredEnv('LEDGER_TABLE') };

export const handler = async (event: PlanEvent) => planVerification(event, inventory, ledger, settings, new Date());
