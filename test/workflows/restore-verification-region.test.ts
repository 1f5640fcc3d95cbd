import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

// A file of its own: handlers read their environment when first loaded, one twin per test process.
const HOUR = 3600_000;

/**
 * The restore-verification state machine runs in the primary region, and a
 * Step Functions AWS SDK integration calls only its own state machine's
 * region (Step Functions Developer Guide, "Accessing resources in other AWS
 * accounts": "cross-Region AWS SDK integration ... [isn't] available").
 */
describe('restore verification stays in the region its state machine runs in', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'verify-region' }, { start: new Date('2026-07-01T04:00:00.000Z') });
  });
  afterAll(async () => twin?.stop());

  it('refuses region: <DR region> in its first state, saying why and what checks the DR copies, before anything is created', async () => {
    // Prepare: a backup, so the DR region holds a copy under the same name as the primary's snapshot.
    twin.clock.advance(HOUR);
    expect((await runJob(twin, 'backup', { targets: ['database'] }, { executionName: 'region-backup' })).status).toBe('SUCCEEDED');
    const mutationsBefore = twin.core.mutations.length;

    // Act
    const result = await runJob(twin, 'restore-verification', { region: twin.drRegion }, { executionName: 'verify-dr' });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toContain(`region: ${twin.drRegion} is not this workflow's region (${twin.primaryRegion})`);
    expect(result.cause).toContain('dr-failover dry run');
    expect(result.timeline.map((t) => t.state)).toEqual(['Plan', 'ReadValidationError', 'InvalidInput']);
    expect(twin.core.mutations.length).toBe(mutationsBefore);
  });

  it('still accepts its own region named explicitly, and restores there', async () => {
    const result = await runJob(twin, 'restore-verification', { region: twin.primaryRegion }, { executionName: 'verify-primary' });

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const restores = twin.core.calls.filter((c) => c.action === 'RestoreDBInstanceFromDBSnapshot' && !c.error);
    expect(restores.map((c) => c.region)).toEqual([twin.primaryRegion]);
    expect(result.output).toMatchObject({ region: twin.primaryRegion });
  });
});
