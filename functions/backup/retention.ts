/**
 * Grandfather-father-son retention as a pure function: which snapshots to
 * keep and why, which to delete and why. Never deletes an unmanaged
 * snapshot, one still in progress, the newest verified one, or below the
 * configured minimum.
 */
export interface RetentionPolicy {
  readonly keepLast: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
  readonly minimum: number;
}

export interface SnapshotFacts {
  readonly id: string;
  readonly createdAt: string;
  readonly managed: boolean;
  readonly available: boolean;
}

export interface RetentionDecision {
  readonly id: string;
  readonly createdAt: string;
  readonly action: 'keep' | 'delete';
  readonly reasons: string[];
}

const DAY_MS = 86_400_000;

function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return `${d.getUTCFullYear()}-W${String(Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7)).padStart(2, '0')}`;
}

export function decideRetention(
  snapshots: readonly SnapshotFacts[],
  policy: RetentionPolicy,
  now: Date,
  newestVerifiedId?: string,
): RetentionDecision[] {
  const reasons = new Map<string, string[]>(snapshots.map((s) => [s.id, []]));
  const add = (id: string, reason: string) => reasons.get(id)?.push(reason);
  for (const s of snapshots) {
    if (!s.managed) add(s.id, 'not managed by Lifeline (never touched)');
    else if (!s.available) add(s.id, 'still in progress');
  }
  const managed = snapshots.filter((s) => s.managed && s.available).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  managed.slice(0, policy.keepLast).forEach((s, i) => add(s.id, `newest ${i + 1} of ${policy.keepLast}`));

  const bucketed = (count: number, label: string, bucketOf: (d: Date) => string, periodStart: (n: number) => string) => {
    if (count === 0) return;
    const oldestBucket = periodStart(count - 1);
    const seen = new Set<string>();
    for (const s of managed) {
      const bucket = bucketOf(new Date(s.createdAt));
      if (bucket < oldestBucket || seen.has(bucket)) continue;
      seen.add(bucket);
      add(s.id, `newest of ${label} ${bucket}`);
    }
  };
  bucketed(
    policy.daily,
    'day',
    (d) => d.toISOString().slice(0, 10),
    (n) => new Date(now.getTime() - n * DAY_MS).toISOString().slice(0, 10),
  );
  bucketed(policy.weekly, 'week', isoWeek, (n) => isoWeek(new Date(now.getTime() - n * 7 * DAY_MS)));
  bucketed(
    policy.monthly,
    'month',
    (d) => d.toISOString().slice(0, 7),
    (n) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1)).toISOString().slice(0, 7),
  );
  if (newestVerifiedId && reasons.has(newestVerifiedId)) add(newestVerifiedId, 'newest verified backup');

  let kept = managed.filter((s) => (reasons.get(s.id) ?? []).length > 0).length;
  for (const s of managed) {
    if (kept >= policy.minimum) break;
    if ((reasons.get(s.id) ?? []).length === 0) {
      add(s.id, `keeps the minimum of ${policy.minimum}`);
      kept += 1;
    }
  }
  return snapshots.map((s) => {
    const why = reasons.get(s.id) ?? [];
    return why.length
      ? { id: s.id, createdAt: s.createdAt, action: 'keep', reasons: why }
      : { id: s.id, createdAt: s.createdAt, action: 'delete', reasons: ['outside every retention rule'] };
  });
}
