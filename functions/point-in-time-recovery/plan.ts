import { DescribeDBInstanceAutomatedBackupsCommand } from '@aws-sdk/client-rds';
import { MAX_LENGTH, resourceName } from '../../contracts/identifiers';
import { databaseIdOf, type Inventory } from '../../contracts/inventory';
import type { RegionRole } from '../../contracts/naming';
import {
  CUTOVERS_PK,
  cutoverPhrase,
  PITR_JOB,
  PITR_PREFIX,
  type PitrPlan,
  pitrInputSchema,
  type PitrSettings,
  undoPhrase,
} from '../../contracts/point-in-time-recovery';
import { TEMP_TAGS } from '../../contracts/restore-verification';
import { type Passive, passiveUnlessActive } from '../shared/active-region';
import { rds } from '../shared/clients';
import { parseInput, ValidationError } from '../shared/errors';
import { type LedgerRef, newestFirst, putOnce } from '../shared/ledger';
import { describeInstance } from '../dr/aws';
import { pitrDepsFromEnv } from './deps';

export interface PlanEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startedAt: string;
}

const WHAT = 'point-in-time recovery input';
const invalid = (message: string) => new ValidationError(`Invalid ${WHAT}: ${message}`);
/** A name's timestamp part: minutes are enough to tell two runs apart, and the execution tag says which. */
const stamp = (at: Date) => at.toISOString().slice(0, 16).replace(/[-:T]/g, '');

/** The instance's restorable window: from its oldest automated backup to its latest restorable time. */
async function restorableWindow(region: string, instanceId: string): Promise<{ earliest: Date; latest: Date } | undefined> {
  const instance = await describeInstance(region, instanceId);
  if (!instance) throw new ValidationError(`The application's database ${instanceId} does not exist in ${region}`);
  const latest = instance.LatestRestorableTime;
  const backups = await rds(region).send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: instanceId }));
  // The instance's own backups (not those replicated here from another region), of this very instance (its resource id).
  const own = (backups.DBInstanceAutomatedBackups ?? []).find(
    (b) => b.Region === region && b.DbiResourceId === instance.DbiResourceId && b.RestoreWindow?.EarliestTime,
  );
  return latest && own?.RestoreWindow?.EarliestTime ? { earliest: own.RestoreWindow.EarliestTime, latest } : undefined;
}

/** What re-points the DR region at the instance that will hold the name, once it does. */
function protectionOf(inventory: Inventory, settings: PitrSettings, role: RegionRole): PitrPlan['protection'] {
  if (role === 'dr')
    return { kind: 'none', note: 'the DR region is active: a failback re-protects the primary region from the instance holding the name' };
  if (inventory.strategy === 'warm-standby' && inventory.dr.databaseInstanceId) return { kind: 'replica' };
  if (inventory.strategy === 'pilot-light' && settings.backupReplication.on)
    return { kind: 'backup-replication', retentionDays: settings.backupReplication.retentionDays };
  return { kind: 'none', note: 'nothing in the DR region follows the instance (its snapshot copies come from the scheduled backups)' };
}

/** A cutover recorded by the report: what undo needs to move the name back. */
async function recordedCutover(ledger: LedgerRef, execution: string, instanceId: string) {
  const found = (await newestFirst(ledger, CUTOVERS_PK, { limit: 100 })).find((r) => r.sk === execution);
  if (!found) throw invalid(`undo: no completed cutover named ${execution} is recorded in the ledger (pk ${CUTOVERS_PK})`);
  if (found.instanceId !== instanceId)
    throw invalid(`undo: ${execution} cut over ${String(found.instanceId)}, not this region's database ${instanceId}`);
  if (typeof found.setAsideId !== 'string' || typeof found.at !== 'string') throw invalid(`undo: the record of ${execution} is incomplete`);
  return { setAsideId: found.setAsideId, at: found.at, targetTime: typeof found.targetTime === 'string' ? found.targetTime : undefined };
}

/**
 * Validates the run before anything is read or changed, then plans it: the target time (given, or minutes before the
 * start) inside the instance's restorable window, the temporary instance named after the execution (a re-run or a
 * redrive finds the one it restored), and for a cutover or an undo the names of the swap. In the passive region it
 * plans nothing (a recorded no-op).
 */
export async function planRecovery(
  event: PlanEvent,
  deps: { inventory: Inventory; settings: PitrSettings; ledger: LedgerRef; role: RegionRole },
): Promise<PitrPlan | { readonly passive: Passive }> {
  const { inventory, settings, ledger, role } = deps;
  const input = parseInput(pitrInputSchema, event.input ?? {}, WHAT);
  const region = inventory[role].region;
  const instanceId = databaseIdOf(inventory, role);
  const startedAt = new Date(event.startedAt);
  if (input.mode === 'cutover' && input.confirm !== cutoverPhrase(instanceId))
    throw invalid(`confirm: must be exactly "${cutoverPhrase(instanceId)}" to cut over (got ${JSON.stringify(input.confirm ?? null)})`);
  if (input.mode === 'undo' && input.confirm !== undoPhrase(input.undo ?? ''))
    throw invalid(`confirm: must be exactly "${undoPhrase(input.undo ?? '')}" to undo (got ${JSON.stringify(input.confirm ?? null)})`);
  const target =
    input.targetTime !== undefined
      ? new Date(input.targetTime)
      : input.minutesAgo !== undefined
        ? new Date(startedAt.getTime() - input.minutesAgo * 60_000)
        : undefined;
  if (target && target.getTime() > startedAt.getTime())
    throw invalid(`targetTime: ${target.toISOString()} is in the future (the run started ${startedAt.toISOString()})`);

  const passive = await passiveUnlessActive(ledger, PITR_JOB, {
    executionName: event.executionName,
    startedAt: event.startedAt,
    region,
    role,
  });
  if (passive) return { passive };

  const common = {
    runId: event.executionName,
    startedAt: event.startedAt,
    mode: input.mode,
    reason: input.reason,
    region,
    appName: inventory.appName,
    instanceId,
    approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
    checks: settings.checks,
    compareRowLimit: settings.compareRowLimit,
    timings: settings.timings,
    tags: [
      { Key: 'lifeline:app', Value: inventory.appName },
      { Key: TEMP_TAGS.managed, Value: 'true' },
      { Key: TEMP_TAGS.job, Value: PITR_JOB },
      { Key: 'lifeline:execution', Value: event.executionName.slice(0, 256) },
    ],
  };
  let plan: PitrPlan;
  if (input.mode === 'undo') {
    const cutover = await recordedCutover(ledger, input.undo ?? '', instanceId);
    if (!(await describeInstance(region, cutover.setAsideId)))
      throw invalid(`undo: the instance ${input.undo ?? ''} set aside, ${cutover.setAsideId}, no longer exists in ${region}`);
    plan = {
      ...common,
      swap: {
        replacementId: cutover.setAsideId,
        setAsideId: resourceName([instanceId, 'undone', stamp(startedAt)], MAX_LENGTH.rdsInstance),
      },
      undoes: { execution: input.undo ?? '', targetTime: cutover.targetTime, cutoverAt: cutover.at },
      protection: protectionOf(inventory, settings, role),
    };
  } else {
    const window = await restorableWindow(region, instanceId);
    const at = target ?? startedAt;
    const inWindow = window !== undefined && at >= window.earliest && at <= window.latest;
    if (input.mode !== 'dry-run' && !inWindow)
      throw invalid(
        window
          ? `targetTime: ${at.toISOString()} is outside the restorable window of ${instanceId}, ` +
              `${window.earliest.toISOString()} – ${window.latest.toISOString()} (the latest restorable time trails the present ` +
              'by about five minutes: RDS uploads the transaction logs every five minutes)'
          : `${instanceId} has no automated backups to restore from (backup retention 0?)`,
      );
    const tempInstanceId = resourceName([PITR_PREFIX.slice(0, -1), event.executionName], MAX_LENGTH.rdsInstance);
    const regional = inventory[role];
    const expiresAt = new Date(startedAt.getTime() + settings.keepHours * 3600_000).toISOString();
    const cutover = input.mode === 'cutover';
    plan = {
      ...common,
      targetTime: at.toISOString(),
      window: window && { earliest: window.earliest.toISOString(), latest: window.latest.toISOString() },
      ...(input.mode === 'dry-run'
        ? {}
        : {
            tempInstanceId,
            // A restore is isolated (only the verifier reaches it); a cutover's becomes production: the application's placement.
            placement: {
              subnetGroup: regional.dbSubnetGroupName,
              securityGroupId: cutover
                ? (regional.databaseSecurityGroupId ?? regional.restoreSecurityGroupId)
                : regional.restoreSecurityGroupId,
              instanceClass: settings.instanceClass,
              multiAz: cutover && settings.multiAz,
            },
            expiresAt,
            tags: [...common.tags, { Key: TEMP_TAGS.expiresAt, Value: expiresAt }],
            ...(cutover
              ? {
                  swap: {
                    replacementId: tempInstanceId,
                    setAsideId: resourceName([instanceId, 'pre-pitr', stamp(startedAt)], MAX_LENGTH.rdsInstance),
                  },
                  protection: protectionOf(inventory, settings, role),
                }
              : {}),
          }),
    };
  }
  await putOnce(ledger, {
    pk: `run#${event.executionName}`,
    sk: PITR_JOB,
    job: PITR_JOB,
    startedAt: event.startedAt,
    mode: plan.mode,
    region,
    instanceId,
    ...(plan.targetTime ? { targetTime: plan.targetTime } : {}),
    reason: input.reason,
  });
  return plan;
}

const deps = pitrDepsFromEnv();

export const handler = async (event: PlanEvent) => planRecovery(event, deps);
