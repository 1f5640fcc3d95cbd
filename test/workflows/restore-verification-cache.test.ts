import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

// A file of its own: handlers read their environment when first loaded, one twin per test process.
const HOUR = 3600_000;
describe('restore verification of a cache on the twin', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'verify-cache' }, { start: new Date('2026-08-04T06:00:00.000Z'), cacheKeys: 4321 });
  });
  afterAll(async () => twin?.stop());

  it('restores the newest cache snapshot into a temporary group, checks it answers and holds the keys, and deletes it', async () => {
    twin.clock.advance(HOUR);
    expect((await runJob(twin, 'backup', { targets: ['cache'] }, { executionName: 'cache-backup' })).status).toBe('SUCCEEDED');
    const manifest = twin.dynamodb.scan(twin.controlPlane.ledgerTable).find((r) => r.pk === 'backup#cache');
    expect(manifest?.keyCount).toBe(4321);

    const result = await runJob(twin, 'restore-verification', { target: 'cache' }, { executionName: 'cache-verify' });

    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { checks: unknown[] }).checks).toEqual([
      { name: 'answers', passed: true, detail: 'PING → PONG' },
      { name: 'keys', passed: true, detail: '4321 restored, 4321 at snapshot time (±43)' },
    ]);
    const temporary = twin.core.mutations.filter((m) => m.resource.includes('lifeline-verify-')).map((m) => `${m.action}:${m.kind}`);
    expect(temporary).toEqual(['CreateReplicationGroup:create', 'DeleteReplicationGroup:delete']);
  });
});
