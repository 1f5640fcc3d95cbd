import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { approveWhenAsked } from '../../local/operator';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

const MINUTE = 60_000;
const JOB = 'point-in-time-recovery';

describe('point-in-time recovery on the twin (real PostgreSQL, WAL replay)', () => {
  let twin: Twin;
  let region: string;
  let instanceId: string;
  /** The orders as they were at the target time, read from the live database then. */
  let before: string[];
  let target: string;
  /** What the bad release did, by the rows each statement changed. */
  const release = { deleted: 0, updated: 0, inserted: 3 };

  const orders = async (physical: string) =>
    (
      await twin.core.dataPlane.query<{ row: string }>(
        physical,
        'SELECT (id, customer, total_cents, written_at)::text AS row FROM orders ORDER BY id',
      )
    ).rows.map((r) => r.row);
  const instance = (id: string) => twin.rds.instances.get(region)?.get(id);
  const live = (id: string) => {
    const found = instance(id);
    return found && !['deleted', 'deleting'].includes(found.status.at(twin.clock.now())) ? found : undefined;
  };
  const run = (name: string, input: Record<string, unknown>) =>
    runJob(twin, JOB, { reason: 'test: a bad release', ...input }, { executionName: name });
  /** The RDS changes since `from` (a virtual time, ISO), as the twin's mutation log has them. */
  const rdsChanges = (from: string) => twin.core.mutations.filter((m) => m.service === 'rds' && m.at >= from);

  beforeAll(async () => {
    twin = await startTwin({ appName: 'pitr' }, { start: new Date('2026-09-01T08:00:00.000Z') });
    region = twin.primaryRegion;
    instanceId = twin.inventory.primary.databaseInstanceId ?? '';
    twin.clock.advance(60 * MINUTE);
    await twin.writeSampleRows(40, 'before-release');
    twin.clock.advance(10 * MINUTE);
    target = new Date(twin.clock.now()).toISOString();
    before = await orders(twin.appDatabase(region)?.physical ?? '');
    twin.clock.advance(5 * MINUTE);
    // The bad release: deletes some rows, rewrites others, adds a few.
    release.deleted = await twin.applicationWrite('DELETE FROM orders WHERE id % 5 = 0');
    release.updated = await twin.applicationWrite('UPDATE orders SET total_cents = -1 WHERE id % 5 = 1');
    await twin.writeSampleRows(release.inserted, 'after-release');
    twin.clock.advance(15 * MINUTE);
  });
  afterAll(async () => twin?.stop());

  it('a dry run reports the window and counts, from the data, the writes a cutover would give up; it changes nothing', async () => {
    const from = twin.clock.iso();
    const result = await run('pitr-dry-run', { targetTime: target });
    expect(result.status).toBe('SUCCEEDED');
    const report = result.output as { outcome: string; writesGivenUp: number; window: { earliest: string; latest: string } };
    expect(report.outcome).toBe('dry-run');
    expect(Date.parse(report.window.latest)).toBeGreaterThanOrEqual(Date.parse(target));
    // The updated rows and the inserted ones (deleted rows leave no row version to count).
    expect(release.deleted).toBeGreaterThan(0);
    expect(report.writesGivenUp).toBe(release.updated + release.inserted);
    expect(rdsChanges(from)).toEqual([]);
  });

  it('restores the data exactly as it was at the target, row by row: deleted rows back, updates undone, later inserts absent', async () => {
    const result = await run('pitr-restore', { mode: 'restore', targetTime: target });
    expect(result.status).toBe('SUCCEEDED');
    const copy = live('lifeline-pitr-pitr-restore');
    expect(copy?.physical).toBeDefined();
    expect(await orders(copy?.physical ?? '')).toEqual(before);
    const report = result.output as { writes: { table: string; inserted: number; updated: number; deleted: number }[] };
    expect(report.writes).toEqual([expect.objectContaining({ table: 'orders', ...release })]);
    // Kept for the operator, isolated, with an expiry the sweeper honours.
    expect(copy?.vpcSecurityGroupIds).toEqual([twin.inventory.primary.restoreSecurityGroupId]);
    expect(copy?.tags.find((t) => t.Key === 'lifeline:expires-at')?.Value).toBeDefined();
  });

  it.each([
    ['a target outside the window', { mode: 'restore', targetTime: '2026-08-01T00:00:00Z' }, /outside the restorable window/],
    ['a target in the future', { mode: 'restore', targetTime: '2027-01-01T00:00:00Z' }, /in the future/],
    ['a wrong confirm phrase', { mode: 'cutover', minutesAgo: 20, confirm: 'cutover please' }, /confirm: must be exactly "cutover /],
    ['both a time and minutes ago', { mode: 'restore', minutesAgo: 20, targetTime: '2026-09-01T09:00:00Z' }, /exactly one of/],
    ['an undo of a cutover never made', { mode: 'undo', undo: 'no-such-run', confirm: 'undo no-such-run' }, /no completed cutover named/],
  ])('%s fails with a clear error and changes nothing', async (_, input, message) => {
    const from = twin.clock.iso();
    const result = await run(`pitr-bad-${Math.random().toString(36).slice(2, 8)}`, input);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toMatch(message);
    expect(rdsChanges(from)).toEqual([]);
  });

  it('a target after the latest restorable time (the logs of the last minutes are not uploaded yet) changes nothing', async () => {
    const dryRun = await run('pitr-window', { minutesAgo: 30 });
    const latest = Date.parse((dryRun.output as { window: { latest: string } }).window.latest);
    expect(twin.clock.now() - latest).toBeLessThanOrEqual(5 * MINUTE);
    const from = twin.clock.iso();
    const result = await run('pitr-too-recent', { mode: 'restore', targetTime: new Date(latest + 1000).toISOString() });
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toMatch(/outside the restorable window .* trails the present by about five minutes/);
    expect(rdsChanges(from)).toEqual([]);
  });

  it('a rejected cutover leaves production as it was and deletes the copy it restored', async () => {
    const from = twin.clock.iso();
    const production = instance(instanceId);
    const stop = approveWhenAsked(twin, { decision: 'reject', afterSeconds: 60 }, 600);
    const result = await run('pitr-rejected', { mode: 'cutover', targetTime: target, confirm: `cutover ${instanceId}` }).finally(stop);
    expect(result.cause ?? '').toBe('');
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { outcome: string }).outcome).toBe('rejected');
    // Created, then deleted: the copy; nothing else.
    expect(rdsChanges(from).map((m) => `${m.action} ${m.resource.split(':').at(-1)}`)).toEqual([
      'RestoreDBInstanceToPointInTime lifeline-pitr-pitr-rejected',
      'DeleteDBInstance lifeline-pitr-pitr-rejected',
    ]);
    expect(instance(instanceId)).toBe(production);
  });

  it('a cutover moves the name to the restored copy and keeps the old instance; undo, by the same runbook, moves it back', async () => {
    const old = instance(instanceId);
    const after = await orders(old?.physical ?? '');
    const stop = approveWhenAsked(twin, { decision: 'approve', afterSeconds: 60 }, 600);
    try {
      const from = twin.clock.iso();
      const cutover = await run('pitr-cutover', { mode: 'cutover', targetTime: target, confirm: `cutover ${instanceId}` });
      expect(cutover.status).toBe('SUCCEEDED');
      const report = cutover.output as { outcome: string; downtimeSeconds: number; writesGivenUp: number; swap: { setAsideId: string } };
      expect(report.outcome).toBe('cut-over');
      expect(report.writesGivenUp).toBe(release.deleted + release.updated + release.inserted);
      expect(report.downtimeSeconds).toBeGreaterThan(0);
      // The application's name now holds the data of the target time; the old instance is kept, protected, as it was.
      expect(await orders(twin.appDatabase(region)?.physical ?? '')).toEqual(before);
      const kept = live(report.swap.setAsideId);
      expect(kept?.resourceId).toBe(old?.resourceId);
      expect(kept?.deletionProtection).toBe(true);
      expect(await orders(kept?.physical ?? '')).toEqual(after);
      expect(instance(instanceId)?.deletionProtection).toBe(true);
      expect(rdsChanges(from).filter((m) => m.action === 'DeleteDBInstance')).toEqual([]);
      // The DR region follows the restored instance: a new replica of it under the replica's name, the old one kept.
      const drReplicaId = twin.inventory.dr.databaseInstanceId ?? '';
      const replica = twin.rds.instances.get(twin.drRegion)?.get(drReplicaId);
      expect(replica?.replicaOf).toEqual({ region, id: instanceId });
      const restoredId = instance(instanceId)?.resourceId;
      expect(twin.rds.instances.get(region)?.get(replica?.replicaOf?.id ?? '')?.resourceId).toBe(restoredId);
      expect(
        rdsChanges(from)
          .filter((m) => m.action === 'CreateDBInstanceReadReplica')
          .map((m) => m.resource),
      ).toEqual([expect.stringMatching(new RegExp(`:db:${drReplicaId}$`))]);

      twin.clock.advance(10 * MINUTE);
      const undo = await run('pitr-undo', { mode: 'undo', undo: 'pitr-cutover', confirm: 'undo pitr-cutover' });
      expect(undo.status).toBe('SUCCEEDED');
      expect((undo.output as { outcome: string }).outcome).toBe('undone');
      expect(instance(instanceId)?.resourceId).toBe(old?.resourceId);
      expect(await orders(twin.appDatabase(region)?.physical ?? '')).toEqual(after);
      expect(rdsChanges(from).filter((m) => m.action === 'DeleteDBInstance')).toEqual([]);
    } finally {
      stop();
    }
  });
});
