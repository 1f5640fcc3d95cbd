import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookReport } from '../../functions/dr/report';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { approveWith } from '../support/dr';
import { failCalls } from '../support/faults';
import { startTwin } from '../support/twin';

describe('a DR failover that failed midway, started again', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'resume', dns: { domainName: 'app.example.com', hostedZoneId: 'Z0000000RESUME' } });
  });
  afterAll(async () => twin?.stop());

  const failover = async (executionName: string) => {
    const stop = approveWith(twin, { decision: 'approve', afterSeconds: 60 });
    try {
      const dr = twin.drRegion;
      return await runJob(
        twin,
        'dr-failover',
        { mode: 'failover', reason: 'outage', confirm: `failover to ${dr}` },
        {
          region: dr,
          executionName,
        },
      );
    } finally {
      stop();
    }
  };

  it('continues from what is done: the promotion and the traffic switch happen once, and the second run completes', async () => {
    // Prepare: the primary region is down; scaling the DR service fails for good during the first run.
    twin.core.faults.add({ kind: 'region-outage', region: twin.primaryRegion }, twin.clock.now());
    twin.clock.advance(5 * 60_000);
    failCalls(twin, {
      service: 'ecs',
      action: 'UpdateService',
      region: twin.drRegion,
      error: 'ServerException',
      message: 'injected',
      count: 1000,
    });
    const from = twin.core.mutations.length;

    // Act
    const first = await failover('midway');
    twin.core.faults.clear('fail');
    const second = await failover('resumed');

    // Assess
    expect(first.status).toBe('FAILED');
    expect(first.cause).toContain('injected');
    expect(second.status, second.cause).toBe('SUCCEEDED');
    expect((second.output as RunbookReport).outcome).toBe('completed');
    const changes = twin.core.mutations.slice(from).map((m) => `${m.service}:${m.action} ${m.resource}`);
    expect(changes.filter((c) => c.startsWith('rds:PromoteReadReplica'))).toHaveLength(1);
    expect(changes.filter((c) => c.startsWith('ssm:PutParameter /resume/dr/traffic'))).toHaveLength(1);
    expect(changes.filter((c) => c.startsWith('ecs:UpdateService'))).toHaveLength(1);
    expect(twin.healthOf(twin.drRegion).healthy).toBe(true);
    expect(twin.route53.resolve('Z0000000RESUME', 'app.example.com')?.Failover).toBe('SECONDARY');
  });
});
