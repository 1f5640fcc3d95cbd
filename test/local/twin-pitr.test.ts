import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { DataPlane } from '../../local/twin/data-plane';
import { startTwin } from '../support/twin';

/**
 * The twin's point-in-time recovery is PostgreSQL's own (WAL archive, base backup, named restore points at virtual
 * times): data at T comes back exactly, rows later updated or deleted included, which no filter on a timestamp
 * column could give.
 */
describe("the twin's point-in-time recovery", () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'pitr' });
  });
  afterAll(async () => twin?.stop());

  const orders = (physical: string) =>
    twin.core.dataPlane
      .query<{ id: string; customer: string; total_cents: number }>(physical, 'SELECT id, customer, total_cents FROM orders ORDER BY id')
      .then((r) => r.rows);

  it('recovers a database as it was at a virtual time, undoing later updates and deletes row for row', async () => {
    // Prepare: the data at T, then a bad change ten minutes later
    const db = twin.rds.instance(twin.primaryRegion, twin.inventory.primary.databaseInstanceId ?? '');
    const physical = db.physical ?? '';
    twin.clock.advance(10 * 60_000);
    await twin.writeSampleRows(25, 'before');
    const t = twin.clock.now();
    const atT = await orders(physical);
    twin.clock.advance(10 * 60_000);
    await twin.core.dataPlane.query(physical, "DELETE FROM orders WHERE customer LIKE 'before-1%'");
    await twin.core.dataPlane.query(physical, 'UPDATE orders SET total_cents = -1 WHERE id % 3 = 0');
    await twin.writeSampleRows(5, 'after');
    const now = await orders(physical);

    // Act: recover to a minute after T (before the change)
    const { serverId, markAt } = await twin.core.dataPlane.recoverTo(t + 60_000);
    const recovered = await orders(DataPlane.inRecovered(serverId, physical.split(':').pop() ?? physical));

    // Assess
    expect(now).not.toEqual(atT);
    expect(markAt).toBeGreaterThanOrEqual(t);
    expect(markAt).toBeLessThanOrEqual(t + 60_000);
    expect(recovered).toEqual(atT);
    expect(recovered.filter((r) => r.total_cents < 0)).toEqual([]);
  });
});
