import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

/**
 * Step Functions accepts execution names RDS would not take as identifiers
 * ("_.-", "Nightly_Backup"): the resources named after them must still get
 * names the API reference allows, which the twin checks (letters, digits,
 * hyphens, a letter first, no hyphen last, no two in a row).
 */
describe('resources named after executions whose names are no identifiers', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'names' }, { start: new Date('2026-06-02T10:00:00.000Z') });
    twin.clock.advance(3600_000);
  });
  afterAll(async () => twin?.stop());

  const created = (action: string) =>
    twin.core.mutations.filter((m) => m.action === action && m.kind === 'create').map((m) => m.resource.split(':').at(-1) ?? '');

  it('backs up under a valid snapshot identifier when the execution name has nothing alphanumeric', async () => {
    // Act
    const result = await runJob(twin, 'backup', { targets: ['database'] }, { executionName: '_.-' });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const [snapshot] = created('CreateDBSnapshot');
    expect(snapshot).toMatch(/^lifeline-database-[0-9a-f]{8}$/);
  });

  it('restores into a valid temporary identifier the sweeper recognises, and deletes it', async () => {
    // Act
    const result = await runJob(twin, 'restore-verification', { target: 'database' }, { executionName: '_.-' });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const [temporary] = created('RestoreDBInstanceFromDBSnapshot');
    expect(temporary).toMatch(/^lifeline-verify-[0-9a-f]{8}$/);
    expect(twin.core.mutations.filter((m) => m.action === 'DeleteDBInstance').map((m) => m.resource.split(':').at(-1))).toEqual([
      temporary,
    ]);
  });
});
