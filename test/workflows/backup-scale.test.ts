import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

/** Step Functions' hard limit on the events of one execution's history. */
const HISTORY_LIMIT = 25_000;

describe('backup at scale', () => {
  let twin: Twin;
  beforeAll(async () => {
    // 200 databases and 200 caches: the application's own plus 199 more of each, configured as further targets.
    const further = (kind: 'rds' | 'elasticache', prefix: string) =>
      Array.from({ length: 199 }, (_, i) => ({ id: `${prefix}-${i + 1}`, kind, identifier: `lifeline-primary-${prefix}-${i + 1}` }));
    twin = await startTwin(
      { backup: { additionalTargets: [...further('rds', 'database'), ...further('elasticache', 'cache')] } },
      { sampleRows: 10 },
    );
  }, 120_000);
  afterAll(async () => twin?.stop());

  it('backs up 200 databases and 200 caches in one execution, every history under the 25,000-event limit', async () => {
    twin.clock.advance(3600_000);
    const result = await runJob(twin, 'backup', { reason: 'scale' }, { executionName: 'scale' });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.children).toHaveLength(400);
    expect(result.historyEvents).toBeLessThan(HISTORY_LIMIT);
    expect(Math.max(...result.children.map((c) => c.historyEvents))).toBeLessThan(HISTORY_LIMIT);
    expect(result.output).toMatchObject({ failed: [] });
    expect((result.output as { succeeded: string[] }).succeeded).toHaveLength(400);
  }, 180_000);
});
