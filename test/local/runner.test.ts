import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitLoop } from '../../local/proof-machines';
import { substitute } from '../../contracts/asl';
import { runDefinition } from '../../local/runner';
import type { Twin } from '../../local/twin';
import { startTwin } from '../support/twin';

const proof: StateMachineDefinition = JSON.parse(readFileSync(join(__dirname, '../workflows/fixtures/snapshot-proof.asl.json'), 'utf8'));

describe('runner on the twin (test-only proof machine)', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin({}, { start: new Date('2026-03-02T08:00:00.000Z') });
  });
  afterAll(async () => twin?.stop());

  const bindings = () => ({ twin: twin.core, region: twin.primaryRegion, substitutions: {}, functions: {} });

  it('polls a snapshot to available with Wait + Describe, retrying throttles, on an exact virtual timeline', async () => {
    // Prepare: the first two CreateDBSnapshot calls are throttled.
    twin.core.faults.add({ kind: 'throttle', service: 'rds', action: 'CreateDBSnapshot', count: 2 }, twin.clock.now());
    const startedAt = twin.clock.now();

    // Act
    const result = await runDefinition(proof, { instance: twin.inventory.primary.databaseInstanceId }, bindings(), {
      executionName: 'timeline',
    });

    // Assess: profile apiCall 0.1 s, snapshot 480 s, Retry 5 s then 10 s, Wait 240 s.
    expect(result.status).toBe('SUCCEEDED');
    const at = (iso: string) => (Date.parse(iso) - startedAt) / 1000;
    expect(result.timeline.map((t) => [t.state, at(t.enteredAt), t.seconds, t.retries])).toEqual([
      ['CreateSnapshot', 0, 15.3, 2],
      ['WaitForSnapshot', 15.3, 240, 0],
      ['DescribeSnapshot', 255.3, 0.1, 0],
      ['IsAvailable', 255.4, 0, 0],
      ['WaitForSnapshot', 255.4, 240, 0],
      ['DescribeSnapshot', 495.4, 0.1, 0],
      ['IsAvailable', 495.5, 0, 0],
      ['Done', 495.5, 0, 0],
    ]);
    expect(result.durationSeconds).toBe(495.5);
    expect(result.transitions).toBe(10);
    expect(twin.core.calls.filter((c) => c.action === 'CreateDBSnapshot').map((c) => c.error)).toEqual([
      'Throttling',
      'Throttling',
      undefined,
    ]);
    expect(twin.core.mutations.filter((m) => m.resource.endsWith('snapshot:proof-timeline'))).toEqual([
      {
        at: new Date(startedAt + 15_300).toISOString(),
        region: twin.primaryRegion,
        service: 'rds',
        action: 'CreateDBSnapshot',
        kind: 'create',
        resource: expect.stringContaining('snapshot:proof-timeline'),
      },
    ]);
  });

  it('catches a named SDK fault as Step Functions names it', async () => {
    const result = await runDefinition(proof, { instance: 'no-such-db' }, bindings(), { executionName: 'missing' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InstanceMissing');
    expect(result.cause).toMatch(/DBInstance no-such-db not found.*Error Code: DBInstanceNotFoundFault/);
    expect(result.timeline.find((t) => t.state === 'CreateSnapshot')?.error).toBe('Rds.DbInstanceNotFoundException');
  });

  it('fails the execution when retries are exhausted, with the service error name', async () => {
    twin.core.faults.add({ kind: 'throttle', service: 'rds', action: 'CreateDBSnapshot', count: 4 }, twin.clock.now());
    const result = await runDefinition(proof, { instance: twin.inventory.primary.databaseInstanceId }, bindings(), {
      executionName: 'exhausted',
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Rds.RdsException');
    expect(result.timeline[0]).toMatchObject({ state: 'CreateSnapshot', retries: 3, seconds: 5 + 10 + 20 + 0.4 });
  });

  it('runs 1,000 state transitions of Waits on the virtual clock', async () => {
    const result = await runDefinition(waitLoop(333), {}, bindings());
    expect(result.status).toBe('SUCCEEDED');
    expect(result.transitions).toBe(1 + 333 * 3 + 1);
    expect(result.durationSeconds).toBe(333 * 60);
  });

  it('substitutes every placeholder and refuses a missing one', () => {
    expect(substitute('{"A":"${One}","B":"${Two}"}', { One: '1', Two: 'x"y' })).toBe('{"A":"1","B":"x\\"y"}');
    expect(() => substitute('{"A":"${One}","B":"${Two}"}', { One: '1' })).toThrow('No substitution for ${Two}');
  });
});
