import type { RegionRole } from '../../contracts/naming';
import { type LedgerRef, newestFirst, put } from './ledger';
import { requiredEnv } from './env';

/**
 * Which region's jobs act: the active region, the one traffic goes to. Both regions deploy every job; each reads
 * this from its own replica of the ledger (a DynamoDB global table: reads and writes stay in the region, and a
 * write made in one region reaches the other's replica once it is reachable), so neither calls the other to know
 * whether it acts. The DR runbooks hand the jobs over once the region traffic moves to is proven healthy
 * (functions/dr/steps/health.ts); with no handover recorded, the primary is active.
 */
export const ACTIVE_REGION_PK = 'region#active';

export interface Handover {
  readonly active: RegionRole;
  /** When the jobs moved (the record's sort key). */
  readonly at?: string;
  /** The runbook execution that moved them. */
  readonly by?: string;
}

/** The newest handover in this region's replica; none means the primary region is active. */
export async function activeRegion(ledger: LedgerRef): Promise<Handover> {
  const [newest] = await newestFirst(ledger, ACTIVE_REGION_PK, { limit: 1 });
  if (newest?.active !== 'dr' && newest?.active !== 'primary') return { active: 'primary' };
  return { active: newest.active, at: String(newest.sk), by: typeof newest.by === 'string' ? newest.by : undefined };
}

/** "the dr region is active since <time>": why a region does nothing. */
export const activeSince = (handover: Handover): string =>
  `the ${handover.active} region is active${handover.at ? ` since ${handover.at}` : ''}`;

/** Hands the jobs to `to`, unless they are there already (a repeated or resumed run writes nothing). Returns whether it wrote. */
export async function handOver(ledger: LedgerRef, to: RegionRole, by: string, at: Date): Promise<boolean> {
  if ((await activeRegion(ledger)).active === to) return false;
  await put(ledger, { pk: ACTIVE_REGION_PK, sk: at.toISOString(), active: to, by });
  return true;
}

/** The role of the region this function is deployed in (REGION_ROLE). */
export function regionRoleFromEnv(): RegionRole {
  const role = requiredEnv('REGION_ROLE');
  if (role !== 'primary' && role !== 'dr') throw new Error(`REGION_ROLE is "${role}", not primary or dr`);
  return role;
}

/** What a job in a passive region answers instead of acting, and records. */
export interface Passive {
  readonly region: string;
  readonly role: RegionRole;
  readonly active: RegionRole;
  readonly since?: string;
  readonly reason: string;
}

/**
 * Whether this region acts; when it does not, the no-op is recorded in the ledger under the run
 * (`run#<execution>`, sort key `<job>`) so a schedule that fired in the passive region leaves a trace.
 */
export async function passiveUnlessActive(
  ledger: LedgerRef,
  job: string,
  run: { executionName: string; startedAt: string; region: string; role: RegionRole },
): Promise<Passive | undefined> {
  const handover = await activeRegion(ledger);
  if (handover.active === run.role) return undefined;
  const passive: Passive = {
    region: run.region,
    role: run.role,
    active: handover.active,
    since: handover.at,
    reason: `${activeSince(handover)}: the ${run.role} region's ${job} does nothing`,
  };
  await put(ledger, { pk: `run#${run.executionName}`, sk: job, job, startedAt: run.startedAt, outcome: 'passive', ...passive });
  return passive;
}
