import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { health, httpProbe } from '../../../functions/dr/steps/health';
import type { HealthAnswer } from '../../../functions/dr/steps/step';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { aws, changes, DR, NOW, resetAws, sent, settings, stepContext } from './fixtures';

/** A probe that answers as told and remembers the URLs it was asked. */
function probeAnswering(answer: HealthAnswer) {
  const urls: string[] = [];
  const probeHealth = async (url: string) => {
    urls.push(url);
    return answer;
  };
  return { urls, probeHealth };
}

describe('health step', () => {
  beforeEach(() => resetAws());
  afterEach(() => vi.unstubAllGlobals());

  it('start counts from zero and asks for the first check at once, without probing', async () => {
    // Prepare
    const probe = probeAnswering({ healthy: true, answer: '200 ok' });

    // Act
    const outcome = await health.start(stepContext({ io: probe }));

    // Assess
    expect(outcome).toEqual({ ready: false, waitSeconds: 0, detail: { consecutive: 0, endpoint: 'shop-dr.elb.example.com' } });
    expect(probe.urls).toEqual([]);
    expect(sent()).toEqual([]);
  });

  it.each([
    [0, false],
    [2, true],
  ])('check after %i healthy answers counts one more, ready at the configured three: %s', async (before, ready) => {
    // Prepare
    const probe = probeAnswering({ healthy: true, answer: '200 ok' });

    // Act
    const outcome = await health.check(stepContext({ io: probe }), { consecutive: before, endpoint: 'shop-dr.elb.example.com' });

    // Assess
    expect(probe.urls).toEqual(['http://shop-dr.elb.example.com/health']);
    expect(outcome).toEqual({
      ready,
      waitSeconds: settings.healthIntervalSeconds,
      detail: {
        consecutive: before + 1,
        endpoint: 'shop-dr.elb.example.com',
        url: 'http://shop-dr.elb.example.com/health',
        lastAnswer: '200 ok',
        ...(ready ? { jobsHandedOver: true } : {}),
      },
    });
  });

  it('hands the jobs to the arriving region once it is proven healthy, and only then', async () => {
    // Prepare
    const probe = probeAnswering({ healthy: true, answer: '200 ok' });
    const ctx = stepContext({ io: probe });

    // Act
    const notYet = await health.check(ctx, { consecutive: 0, endpoint: 'shop-dr.elb.example.com' });
    const writtenBefore = changes().length;
    const proven = await health.check(ctx, { consecutive: 2, endpoint: 'shop-dr.elb.example.com' });

    // Assess
    expect(notYet.detail.jobsHandedOver).toBeUndefined();
    expect(writtenBefore).toBe(0);
    expect(proven).toMatchObject({ ready: true, detail: { jobsHandedOver: true } });
    expect(changes()).toEqual([
      {
        service: 'ledger',
        region: DR,
        command: 'PutItem',
        input: {
          TableName: 'shop-ledger',
          Item: { pk: { S: 'region#active' }, sk: { S: NOW.toISOString() }, active: { S: 'dr' }, by: { S: 'failover-1' } },
        },
      },
    ]);
  });

  it('writes no second handover when the jobs are there already (a repeated or resumed run)', async () => {
    // Prepare
    aws.ledger[DR].on(QueryCommand).resolves({
      Items: [{ pk: { S: 'region#active' }, sk: { S: '2026-07-01T11:00:00.000Z' }, active: { S: 'dr' }, by: { S: 'failover-0' } }],
    });

    // Act
    const proven = await health.check(stepContext({ io: probeAnswering({ healthy: true, answer: '200 ok' }) }), {
      consecutive: 2,
      endpoint: 'shop-dr.elb.example.com',
    });

    // Assess
    expect(proven).toMatchObject({ ready: true, detail: { jobsHandedOver: false } });
    expect(changes()).toEqual([]);
  });

  it('check starts counting again after an unhealthy answer', async () => {
    // Prepare
    const probe = probeAnswering({ healthy: false, answer: '503 draining' });

    // Act
    const outcome = await health.check(stepContext({ io: probe }), { consecutive: 2, endpoint: 'shop-dr.elb.example.com' });

    // Assess
    expect(outcome).toMatchObject({ ready: false, detail: { consecutive: 0, lastAnswer: '503 draining' } });
  });

  it('httpProbe reports the status and the start of the body', async () => {
    // Prepare
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(url);
      return new Response('x'.repeat(300), { status: 200 });
    });

    // Act
    const answer = await httpProbe('http://shop-dr.elb.example.com/health');

    // Assess
    expect(fetched).toEqual(['http://shop-dr.elb.example.com/health']);
    expect(answer).toEqual({ healthy: true, answer: `200 ${'x'.repeat(200)}` });
  });

  it.each([
    ['an error status', async () => new Response('draining', { status: 503 }), '503 draining'],
    [
      'no answer',
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
      'connect ECONNREFUSED',
    ],
  ])('httpProbe reports %s as unhealthy', async (_, fetch, answer) => {
    // Prepare
    vi.stubGlobal('fetch', fetch);

    // Act
    const probed = await httpProbe('http://shop-dr.elb.example.com/health');

    // Assess
    expect(probed).toEqual({ healthy: false, answer });
  });
});
