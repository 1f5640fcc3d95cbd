import {
  AddTagsToResourceCommand,
  DBInstanceAlreadyExistsFault,
  type DBInstance,
  DeleteDBInstanceCommand,
  ModifyDBInstanceCommand,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import * as z from 'zod';
import { type PitrPlan, pitrPlanSchema } from '../../contracts/point-in-time-recovery';
import { TEMP_TAGS } from '../../contracts/restore-verification';
import { rds } from '../shared/clients';
import { LifelineError, parseInput } from '../shared/errors';
import { logger } from '../shared/powertools';
import { describeInstance, hasTag, replaceWithReplica, replicateAutomatedBackups, replicatesFrom } from '../dr/aws';
import type { Inventory } from '../../contracts/inventory';
import { pitrDepsFromEnv } from './deps';

export const PITR_STEPS = ['restore', 'cutover', 'reprotect', 'cleanup'] as const;
export type PitrStep = (typeof PITR_STEPS)[number];

/** A step's progress: the state machine waits `waitSeconds` and asks again until `ready`. */
export const progressSchema = z.object({
  step: z.enum(PITR_STEPS),
  ready: z.boolean(),
  waitSeconds: z.number(),
  plannedSeconds: z.number(),
  startedAt: z.string(),
  readyAt: z.string().optional(),
  polls: z.number(),
  detail: z.record(z.string(), z.unknown()),
});
export type Progress = z.infer<typeof progressSchema>;

/** The runbook's state as the state machine carries it; each finished step's progress is kept under its name. */
const stateSchema = z.looseObject({ plan: pitrPlanSchema, progress: progressSchema.optional() });
type State = z.infer<typeof stateSchema>;

type Detail = Record<string, unknown>;
interface Outcome {
  readonly ready: boolean;
  readonly detail: Detail;
  readonly waitSeconds?: number;
}

const POLL_SECONDS = 15;
const status = (instance: DBInstance | undefined) => instance?.DBInstanceStatus ?? 'missing';
const createdByRun = (instance: DBInstance | undefined, plan: PitrPlan) => hasTag(instance?.TagList, 'lifeline:execution', plan.runId);
const waiting = (detail: Detail, waitSeconds = POLL_SECONDS): Outcome => ({ ready: false, detail, waitSeconds });

/** Restores the application's database to the target time into the temporary instance; a re-run finds the one it began. */
async function startRestore(plan: PitrPlan): Promise<Outcome> {
  const id = plan.tempInstanceId ?? '';
  const existing = await describeInstance(plan.region, id);
  if (existing && !createdByRun(existing, plan))
    throw new LifelineError('NameConflict', `${id} exists in ${plan.region} and was not restored by ${plan.runId}: it is left as it is`);
  if (!existing) {
    const placement = plan.placement;
    await rds(plan.region).send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: plan.instanceId,
        TargetDBInstanceIdentifier: id,
        RestoreTime: new Date(plan.targetTime ?? ''),
        DBInstanceClass: placement?.instanceClass,
        DBSubnetGroupName: placement?.subnetGroup,
        VpcSecurityGroupIds: placement ? [placement.securityGroupId] : undefined,
        MultiAZ: placement?.multiAz ?? false,
        PubliclyAccessible: false,
        // Off until a cutover makes it production: a rejected or failed run deletes what it restored.
        DeletionProtection: false,
        Tags: plan.tags,
      }),
    );
  }
  return waiting(
    { instanceId: id, action: existing ? 'restore already begun' : `restore to ${plan.targetTime ?? ''}` },
    plan.timings.restorePointInTime,
  );
}

async function checkRestore(plan: PitrPlan, detail: Detail): Promise<Outcome> {
  const instance = await describeInstance(plan.region, plan.tempInstanceId ?? '');
  const now = status(instance);
  if (['failed', 'incompatible-restore', 'incompatible-parameters', 'deleting'].includes(now))
    throw new LifelineError('RestoreFailed', `${plan.tempInstanceId ?? ''} is ${now}: the restore to ${plan.targetTime ?? ''} failed`);
  if (now !== 'available') return waiting({ ...detail, status: now });
  return { ready: true, detail: { ...detail, status: now, resourceId: instance?.DbiResourceId } };
}

/**
 * One move of the swap: the current holder of the name is renamed aside (kept, deletion-protected), then, once RDS
 * has freed the name (the rename completed: "renaming", then a reboot), the replacement is renamed into it; the
 * application keeps its endpoint, which the name determines. Each call looks at where things stand and makes the
 * next move, so a re-run or a redrive goes on from there. Downtime runs from the first rename to the replacement
 * answering, available, under the name.
 */
async function swapStep(plan: PitrPlan, detail: Detail, now: Date): Promise<Outcome> {
  const swap = plan.swap;
  if (!swap) throw new LifelineError('StepStateError', 'a cutover without a swap plan');
  const { region, instanceId } = plan;
  const resourceId = String(detail.replacementResourceId ?? '');
  const holder = await describeInstance(region, instanceId);
  const rename = async (from: string, to: string) =>
    rds(region).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: from, NewDBInstanceIdentifier: to, ApplyImmediately: true }));
  if (holder && holder.DbiResourceId === resourceId) {
    if (status(holder) !== 'available') return waiting({ ...detail, phase: 'replacement renaming into the name', status: status(holder) });
    await protect(plan, holder, swap.setAsideId);
    return { ready: true, detail: { ...detail, phase: 'done', servedAt: detail.servedAt ?? now.toISOString() } };
  }
  if (holder) {
    if (status(holder) !== 'available') return waiting({ ...detail, phase: 'waiting for the current instance', status: status(holder) });
    await rename(instanceId, swap.setAsideId);
    logger.info('set aside', { instanceId, setAsideId: swap.setAsideId });
    return waiting(
      { ...detail, phase: 'current instance renaming aside', downtimeStartedAt: detail.downtimeStartedAt ?? now.toISOString() },
      plan.timings.renameInstance,
    );
  }
  const aside = await describeInstance(region, swap.setAsideId);
  // The name is freed once the rename completes (the twin's reading; AWS does not document when): wait for it.
  if (aside && status(aside) !== 'available') return waiting({ ...detail, phase: 'name not yet free', status: status(aside) });
  const replacement = await describeInstance(region, swap.replacementId);
  if (!replacement || replacement.DbiResourceId !== resourceId)
    throw new LifelineError(
      'CutoverLost',
      `neither ${instanceId} nor ${swap.replacementId} is the replacement (${resourceId}) in ${region}: the swap stopped; ` +
        `the instance set aside is ${swap.setAsideId}`,
    );
  if (status(replacement) !== 'available') return waiting({ ...detail, phase: 'waiting for the replacement', status: status(replacement) });
  try {
    await rename(swap.replacementId, instanceId);
  } catch (error) {
    if (error instanceof DBInstanceAlreadyExistsFault) return waiting({ ...detail, phase: 'name still held' });
    throw error;
  }
  return waiting({ ...detail, phase: 'replacement renaming into the name' }, plan.timings.renameInstance);
}

/**
 * The new holder is production: deletion-protected, without the temporary instance's expiry; the one set aside
 * stays protected and says which run set it aside (a later undo renames it back).
 */
async function protect(plan: PitrPlan, holder: DBInstance, setAsideId: string): Promise<void> {
  const { region } = plan;
  if (!holder.DeletionProtection)
    await rds(region).send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: plan.instanceId, DeletionProtection: true, ApplyImmediately: true }),
    );
  if (holder.TagList?.some((t) => t.Key === TEMP_TAGS.expiresAt))
    await rds(region).send(new RemoveTagsFromResourceCommand({ ResourceName: holder.DBInstanceArn, TagKeys: [TEMP_TAGS.expiresAt] }));
  const aside = await describeInstance(region, setAsideId);
  if (!aside) return;
  if (!hasTag(aside.TagList, 'lifeline:set-aside-by', plan.runId))
    await rds(region).send(
      new AddTagsToResourceCommand({ ResourceName: aside.DBInstanceArn, Tags: [{ Key: 'lifeline:set-aside-by', Value: plan.runId }] }),
    );
  if (!aside.DeletionProtection && status(aside) === 'available')
    await rds(region).send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: setAsideId, DeletionProtection: true, ApplyImmediately: true }),
    );
}

async function startCutover(plan: PitrPlan, now: Date): Promise<Outcome> {
  const replacement = await describeInstance(plan.region, plan.swap?.replacementId ?? '');
  const holder = await describeInstance(plan.region, plan.instanceId);
  // A redrive after the replacement took the name: it is found by its resource id under the name.
  const resourceId = replacement?.DbiResourceId ?? (createdByRun(holder, plan) ? holder?.DbiResourceId : undefined);
  if (!resourceId)
    throw new LifelineError(
      'ReplacementNotFound',
      `${plan.swap?.replacementId ?? ''} does not exist in ${plan.region}: nothing to cut over to`,
    );
  return swapStep(plan, { replacementResourceId: resourceId }, now);
}

/** The instance holding the application's name: after a swap, the one the DR region must follow. */
async function holderOf(plan: PitrPlan): Promise<DBInstance> {
  const holder = await describeInstance(plan.region, plan.instanceId);
  if (!holder?.DBInstanceArn) throw new LifelineError('DatabaseNotFound', `${plan.instanceId} not found in ${plan.region}`);
  return holder;
}

/** Tags of what re-protection creates: the run's, without a temporary instance's job and expiry. */
const protectionTags = (plan: PitrPlan) => plan.tags.filter((t) => t.Key !== TEMP_TAGS.job && t.Key !== TEMP_TAGS.expiresAt);

/** Asks for the DR replica of the new holder (renaming the replica of the instance set aside out of the way first). */
async function replicaStep(plan: PitrPlan, inventory: Inventory, detail: Detail, now: Date): Promise<Outcome> {
  const replicaId = inventory.dr.databaseInstanceId ?? '';
  const replacement = await replaceWithReplica({
    id: replicaId,
    source: await holderOf(plan),
    placement: inventory.dr,
    multiAz: false,
    tags: protectionTags(plan),
    now,
    staleId: typeof detail.renamed === 'string' ? detail.renamed : undefined,
  });
  const next = { ...detail, replica: replicaId, renamed: replacement.renamed ?? detail.renamed, waitingFor: replacement.waitingFor };
  return replacement.waitingFor === 'rename'
    ? waiting({ ...next, status: replacement.status }, plan.timings.renameInstance)
    : waiting(next, plan.timings.createReplica);
}

/**
 * After the swap the DR region follows the old instance: a warm standby's replica replicates from the instance set
 * aside (RDS keeps a replica on its source through a rename), and a pilot light's replicated automated backups are
 * those of the old instance. This re-points it at the instance that now holds the name: a new DR replica of it (the
 * old one kept under another name), or its automated backups replicated to the DR region.
 */
async function startReprotect(plan: PitrPlan, now: Date, inventory: Inventory): Promise<Outcome> {
  const protection = plan.protection ?? { kind: 'none', note: 'not planned' };
  if (protection.kind === 'none') return { ready: true, detail: { kind: 'none', note: protection.note } };
  if (protection.kind === 'replica') return replicaStep(plan, inventory, { kind: 'replica' }, now);
  const holder = await holderOf(plan);
  const state = await replicateAutomatedBackups(holder, inventory.dr, protection.retentionDays);
  // Just protected (modifying): RDS starts the replication only from an available instance.
  if (state === 'waiting for the instance') return waiting({ kind: 'backup-replication', status: status(holder) });
  return {
    ready: true,
    detail: {
      kind: 'backup-replication',
      region: inventory.dr.region,
      replicating: holder.DbiResourceId,
      note: state === 'started' ? 'started for the instance that now holds the name' : state,
    },
  };
}

async function checkReprotect(plan: PitrPlan, detail: Detail, now: Date, inventory: Inventory): Promise<Outcome> {
  if (detail.kind === 'backup-replication') return startReprotect(plan, now, inventory);
  if (detail.waitingFor === 'rename') return replicaStep(plan, inventory, detail, now);
  const replica = await describeInstance(inventory.dr.region, String(detail.replica ?? ''));
  const holder = await holderOf(plan);
  const following = replicatesFrom(replica, holder.DBInstanceIdentifier) && status(replica) === 'available';
  return following ? { ready: true, detail: { ...detail, status: 'available' } } : waiting({ ...detail, status: status(replica) }, 60);
}

/** Deletes the temporary instance, and only one this run restored; gone (or never created) is done. */
async function startCleanup(plan: PitrPlan): Promise<Outcome> {
  const id = plan.tempInstanceId;
  const instance = id ? await describeInstance(plan.region, id) : undefined;
  if (!id || !instance) return { ready: true, detail: { deleted: id ?? 'nothing', status: 'gone' } };
  if (!createdByRun(instance, plan)) return { ready: true, detail: { left: id, why: `not restored by ${plan.runId}` } };
  if (status(instance) !== 'deleting')
    await rds(plan.region).send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
    );
  return waiting({ deleted: id }, POLL_SECONDS);
}

async function checkCleanup(plan: PitrPlan, detail: Detail): Promise<Outcome> {
  const instance = await describeInstance(plan.region, plan.tempInstanceId ?? '');
  // Busy right after a restore (a first backup): the delete is asked again until it is taken.
  if (instance && status(instance) === 'available') return startCleanup(plan);
  return instance ? waiting({ ...detail, status: status(instance) }) : { ready: true, detail: { ...detail, status: 'gone' } };
}

interface StepFunctions {
  start: (plan: PitrPlan, now: Date, inventory: Inventory) => Promise<Outcome>;
  check: (plan: PitrPlan, detail: Detail, now: Date, inventory: Inventory) => Promise<Outcome>;
}
const STEPS: Record<PitrStep, StepFunctions> = {
  restore: { start: startRestore, check: checkRestore },
  cutover: { start: startCutover, check: swapStep },
  reprotect: { start: startReprotect, check: checkReprotect },
  cleanup: { start: startCleanup, check: checkCleanup },
};

/** A step that takes this long is stuck: three times what its start planned, and never less than 15 minutes. */
const timeLimitSeconds = (plannedSeconds: number): number => Math.max(900, 3 * plannedSeconds);

/** One call of a step: `start` begins it (or finds it begun), `status` checks it; the new progress becomes `$.progress`. */
export async function runPitrStep(
  step: PitrStep,
  action: 'start' | 'status',
  state: State,
  now: Date,
  inventory: Inventory,
): Promise<State> {
  const previous = state.progress;
  if (action === 'status' && previous?.step !== step)
    throw new LifelineError('StepStateError', `status of ${step} asked without its start`);
  const outcome =
    action === 'start' || !previous
      ? await STEPS[step].start(state.plan, now, inventory)
      : await STEPS[step].check(state.plan, previous.detail, now, inventory);
  const startedAt = action === 'start' || !previous ? now.toISOString() : previous.startedAt;
  const plannedSeconds = action === 'start' || !previous ? Math.ceil(outcome.waitSeconds ?? 0) : previous.plannedSeconds;
  const elapsed = (now.getTime() - Date.parse(startedAt)) / 1000;
  if (!outcome.ready && elapsed > timeLimitSeconds(plannedSeconds))
    throw new LifelineError(
      'StepTimedOut',
      `${step} not done after ${Math.round(elapsed)} s (planned ${plannedSeconds} s): ${JSON.stringify(outcome.detail)}`,
    );
  const progress: Progress = {
    step,
    ready: outcome.ready,
    waitSeconds: Math.ceil(outcome.waitSeconds ?? POLL_SECONDS),
    plannedSeconds,
    startedAt,
    readyAt: outcome.ready ? now.toISOString() : undefined,
    polls: action === 'start' || !previous ? 0 : previous.polls + 1,
    detail: outcome.detail,
  };
  return { ...state, progress, ...(progress.ready ? { [step]: progress } : {}) };
}

const eventSchema = z.object({ step: z.enum(PITR_STEPS), action: z.enum(['start', 'status']), state: stateSchema });

const { inventory } = pitrDepsFromEnv();

export const handler = async (event: unknown) => {
  const { step, action, state } = parseInput(eventSchema, event, 'point-in-time recovery step');
  return runPitrStep(step, action, state, new Date(), inventory);
};
