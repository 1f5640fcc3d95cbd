import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRetention, type SnapshotFacts } from '../../../functions/backup/retention';

const policy = { keepLast: 2, daily: 3, weekly: 2, monthly: 2, minimum: 2 };
const now = new Date('2026-03-20T12:00:00Z');
const at = (iso: string, extra: Partial<SnapshotFacts> = {}): SnapshotFacts => ({
  id: iso,
  createdAt: iso,
  managed: true,
  available: true,
  ...extra,
});

describe('grandfather-father-son retention', () => {
  it('keeps the newest N, then the newest of each recent day, week and month, and deletes the rest with a reason', () => {
    // Prepare: four snapshots a day for ten days, and two from earlier months.
    const snapshots: SnapshotFacts[] = [];
    for (let day = 0; day < 10; day += 1)
      for (const hour of ['00', '06', '12']) snapshots.push(at(new Date(Date.UTC(2026, 2, 20 - day, Number(hour))).toISOString()));
    snapshots.push(at('2026-02-10T00:00:00.000Z'), at('2026-01-10T00:00:00.000Z'));

    // Act
    const decisions = decideRetention(snapshots, policy, now);

    // Assess
    const kept = decisions.filter((d) => d.action === 'keep').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    expect(kept.map((d) => d.id)).toEqual([
      '2026-03-20T12:00:00.000Z', // newest 1, day, week, month
      '2026-03-20T06:00:00.000Z', // newest 2
      '2026-03-19T12:00:00.000Z', // day
      '2026-03-18T12:00:00.000Z', // day
      '2026-03-15T12:00:00.000Z', // newest of the previous ISO week
      '2026-02-10T00:00:00.000Z', // newest of February
    ]);
    expect(kept[0].reasons).toEqual(['newest 1 of 2', 'newest of day 2026-03-20', 'newest of week 2026-W12', 'newest of month 2026-03']);
    expect(decisions.find((d) => d.id === '2026-01-10T00:00:00.000Z')).toMatchObject({
      action: 'delete',
      reasons: ['outside every retention rule'],
    });
  });

  it('never deletes an unmanaged snapshot, one in progress, or the newest verified one', () => {
    const decisions = decideRetention(
      [
        at('2026-03-20T00:00:00.000Z'),
        at('2026-03-19T00:00:00.000Z'),
        at('2025-01-01T00:00:00.000Z', { managed: false }),
        at('2025-01-02T00:00:00.000Z', { available: false }),
        at('2025-01-03T00:00:00.000Z'),
      ],
      { keepLast: 1, daily: 0, weekly: 0, monthly: 0, minimum: 1 },
      now,
      '2025-01-03T00:00:00.000Z',
    );
    expect(Object.fromEntries(decisions.map((d) => [d.id, [d.action, d.reasons[0]]]))).toEqual({
      '2026-03-20T00:00:00.000Z': ['keep', 'newest 1 of 1'],
      '2026-03-19T00:00:00.000Z': ['delete', 'outside every retention rule'],
      '2025-01-01T00:00:00.000Z': ['keep', 'not managed by Lifeline (never touched)'],
      '2025-01-02T00:00:00.000Z': ['keep', 'still in progress'],
      '2025-01-03T00:00:00.000Z': ['keep', 'newest verified backup'],
    });
  });

  it('never goes below the minimum count', () => {
    const decisions = decideRetention(
      [at('2024-01-01T00:00:00.000Z'), at('2024-01-02T00:00:00.000Z'), at('2024-01-03T00:00:00.000Z')],
      { keepLast: 1, daily: 0, weekly: 0, monthly: 0, minimum: 3 },
      now,
    );
    expect(decisions.every((d) => d.action === 'keep')).toBe(true);
    expect(decisions.filter((d) => d.reasons[0] === 'keeps the minimum of 3')).toHaveLength(2);
  });
});

describe('retention properties over random snapshot sets', () => {
  const snapshotArb = fc.record({
    hoursAgo: fc.integer({ min: 0, max: 24 * 400 }),
    managed: fc.boolean(),
    available: fc.boolean(),
  });
  const policyArb = fc.record({
    keepLast: fc.integer({ min: 1, max: 6 }),
    daily: fc.integer({ min: 0, max: 10 }),
    weekly: fc.integer({ min: 0, max: 6 }),
    monthly: fc.integer({ min: 0, max: 6 }),
    minimum: fc.integer({ min: 1, max: 8 }),
  });

  it('never deletes an unmanaged, unfinished, newest-verified or newest-N snapshot, nor goes below the minimum', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(snapshotArb, { maxLength: 60, selector: (s) => s.hoursAgo }),
        policyArb,
        fc.nat(),
        (raw, policy, verifiedPick) => {
          const snapshots: SnapshotFacts[] = raw.map((s) => ({
            id: `s${s.hoursAgo}`,
            createdAt: new Date(now.getTime() - s.hoursAgo * 3600_000).toISOString(),
            managed: s.managed,
            available: s.available,
          }));
          const verified = snapshots.length ? snapshots[verifiedPick % snapshots.length].id : undefined;
          const decisions = decideRetention(snapshots, policy, now, verified);
          const deleted = new Set(decisions.filter((d) => d.action === 'delete').map((d) => d.id));
          const candidates = snapshots.filter((s) => s.managed && s.available).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
          for (const s of snapshots) {
            if (!s.managed || !s.available) expect(deleted.has(s.id)).toBe(false);
          }
          if (verified) expect(deleted.has(verified)).toBe(false);
          for (const s of candidates.slice(0, policy.keepLast)) expect(deleted.has(s.id)).toBe(false);
          const keptCandidates = candidates.filter((s) => !deleted.has(s.id)).length;
          expect(keptCandidates).toBeGreaterThanOrEqual(Math.min(policy.minimum, candidates.length));
          // Every decision explains itself.
          for (const d of decisions) expect(d.reasons.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
