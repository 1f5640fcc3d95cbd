import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { functionEnvironment } from '../../local/workflows';
import { startTwin } from '../support/twin';

/** The heartbeat writer as each region's control plane deploys it, with its own role. */
const WRITER = 'HeartbeatWriterFunction';

describe('heartbeat writer on the twin', () => {
  let twin: Twin;
  let writeHeartbeat: typeof import('../../functions/heartbeat/write').writeHeartbeat;
  beforeAll(async () => {
    twin = await startTwin({}, { start: new Date('2026-06-01T00:00:00.000Z') });
    // Handlers read their environment when loaded, as in Lambda.
    Object.assign(process.env, functionEnvironment(twin, twin.primaryRegion), { REGION_ROLE: 'primary' });
    ({ writeHeartbeat } = await import('../../functions/heartbeat/write'));
  });
  afterAll(async () => twin?.stop());

  it('writes a timestamped row into the primary database', async () => {
    const now = new Date('2026-06-01T00:00:30.000Z');
    await expect(
      twin.clock.drive(() => twin.asFunction(WRITER, twin.primaryRegion, () => writeHeartbeat(twin.inventory, 'primary', now))),
    ).resolves.toMatchObject({
      written: true,
      instanceId: twin.inventory.primary.databaseInstanceId,
    });
    const physical = twin.rds.instance(twin.primaryRegion, twin.inventory.primary.databaseInstanceId ?? '').physical ?? '';
    const rows = await twin.core.dataPlane.query<{ n: string }>(
      physical,
      "SELECT count(*) AS n FROM lifeline_heartbeat WHERE source = 'heartbeat-primary' AND written_at = $1",
      [now],
    );
    expect(rows.rows[0].n).toBe('1');
  });

  it('skips the DR read replica, and writes there once it is promoted', async () => {
    await expect(
      twin.clock.drive(() => twin.asFunction(WRITER, twin.drRegion, () => writeHeartbeat(twin.inventory, 'dr', new Date()))),
    ).resolves.toEqual({
      written: false,
      instanceId: twin.inventory.dr.databaseInstanceId,
      reason: 'read replica (not writable)',
    });
    await twin.core.call('rds', 'PromoteReadReplica', twin.drRegion, { DBInstanceIdentifier: twin.inventory.dr.databaseInstanceId });
    twin.clock.advance(twin.core.seconds('rdsPromoteReplica') * 1000);
    await expect(
      twin.clock.drive(() => twin.asFunction(WRITER, twin.drRegion, () => writeHeartbeat(twin.inventory, 'dr', twin.clock.date()))),
    ).resolves.toMatchObject({ written: true });
  });
});
