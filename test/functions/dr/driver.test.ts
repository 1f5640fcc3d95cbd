import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logger } from '../../../functions/shared/powertools';
import type { RunbookState } from '../../../functions/dr/state';
import { runStep } from '../../../functions/dr/steps/driver';
import type { ProgressOf } from '../../../functions/dr/steps/progress';
import type { StepEnv } from '../../../functions/dr/steps/step';
import { aws, DR, inventory, ledger, NOW, preflightOf, resetAws, runOf, secondsBefore, sent, settings } from './fixtures';

const env = (overrides: Partial<StepEnv> = {}): StepEnv => ({
  inventory,
  settings,
  ledger,
  clock: () => NOW,
  io: {
    probeHealth: async () => ({ healthy: true, answer: '200 ok' }),
    measureRecoveryPoint: () => Promise.reject(new Error('unexpected')),
  },
  ...overrides,
});

const databaseDone: ProgressOf<'database'> = {
  step: 'database',
  ready: true,
  waitSeconds: 15,
  startedAt: secondsBefore(400).toISOString(),
  plannedSeconds: 301,
  readyAt: secondsBefore(90).toISOString(),
  polls: 2,
  detail: { instanceId: 'shop-dr-db', status: 'available' },
};
const base: RunbookState = { run: runOf('failover'), preflight: preflightOf(), approval: { approvedBy: 'ops' }, database: databaseDone };

const dnsStarted = (startedSecondsAgo: number, plannedSeconds: number): ProgressOf<'dns'> => ({
  step: 'dns',
  ready: false,
  waitSeconds: plannedSeconds,
  startedAt: secondsBefore(startedSecondsAgo).toISOString(),
  plannedSeconds,
  polls: 3,
  detail: { to: 'dr', requested: true },
});
const switchSays = (value: string) => aws.ssm[DR].on(GetParameterCommand).resolves({ Parameter: { Value: value } });
/** The traffic alarm: ALARM (traffic to the DR region) for long enough that no DNS TTL is left, or still OK. */
const changeIs = (status: 'PENDING' | 'INSYNC') =>
  aws.cloudwatch[DR].on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [{ StateValue: status === 'INSYNC' ? 'ALARM' : 'OK', StateUpdatedTimestamp: secondsBefore(3600) }],
  });

describe('step driver', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));
  beforeEach(resetAws);

  it('a start records the progress at the clock reading, plans what the step said it takes, and keeps the rest of the state', async () => {
    // Prepare
    switchSays('primary');
    changeIs('PENDING');

    // Act
    const state = await runStep('dns', 'start', base, env());

    // Assess
    expect(state).toEqual({
      ...base,
      progress: {
        step: 'dns',
        ready: false,
        waitSeconds: settings.timings.alarmPeriod,
        plannedSeconds: settings.timings.alarmPeriod + settings.timings.dnsTtl,
        startedAt: NOW.toISOString(),
        readyAt: undefined,
        polls: 0,
        detail: { to: 'dr', domainName: 'shop.example.com', requested: true },
      },
    });
    expect(state.dns).toBeUndefined();
  });

  it('a step ready at its start is kept under its name, ready at the same instant', async () => {
    // Prepare: a repeated run finds the switch set and followed
    switchSays('dr');
    changeIs('INSYNC');

    // Act
    const state = await runStep('dns', 'start', base, env({ inventory: { ...inventory, dns: undefined } }));

    // Assess
    const progress: ProgressOf<'dns'> = {
      step: 'dns',
      ready: true,
      waitSeconds: 0,
      plannedSeconds: 0,
      startedAt: NOW.toISOString(),
      readyAt: NOW.toISOString(),
      polls: 0,
      detail: { to: 'dr', note: 'traffic already goes to us-west-2', alarm: 'ALARM' },
    };
    expect(state).toEqual({ ...base, progress, dns: progress });
  });

  it('a check counts the poll, keeps the start and the plan, and once ready keeps the progress under the step', async () => {
    // Prepare
    const previous: ProgressOf<'health'> = {
      step: 'health',
      ready: false,
      waitSeconds: 10,
      startedAt: secondsBefore(20).toISOString(),
      plannedSeconds: 0,
      polls: 2,
      detail: { consecutive: 2, endpoint: 'shop-dr.elb.example.com' },
    };

    // Act
    const state = await runStep('health', 'status', { ...base, progress: previous }, env());

    // Assess
    const progress: ProgressOf<'health'> = {
      step: 'health',
      ready: true,
      waitSeconds: settings.healthIntervalSeconds,
      startedAt: previous.startedAt,
      plannedSeconds: 0,
      readyAt: NOW.toISOString(),
      polls: 3,
      detail: {
        consecutive: 3,
        endpoint: 'shop-dr.elb.example.com',
        url: 'http://shop-dr.elb.example.com/health',
        lastAnswer: '200 ok',
        jobsHandedOver: true,
      },
    };
    expect(state).toEqual({ ...base, progress, health: progress });
  });

  it("a check waits the step's poll interval when the step does not say how long", async () => {
    // Prepare
    changeIs('PENDING');

    // Act
    const state = await runStep('dns', 'status', { ...base, progress: dnsStarted(70, 61) }, env());

    // Assess
    expect(state.progress).toMatchObject({ ready: false, waitSeconds: 15, polls: 4 });
  });

  it.each([
    [899, 61, false],
    [901, 61, true],
    [1199, 400, false],
    [1201, 400, true],
  ])(
    'a check %i s after a start planned at %i s times out (three times the plan, at least 15 min): %s',
    async (elapsed, planned, timedOut) => {
      // Prepare
      changeIs('PENDING');

      // Act
      const checked = runStep('dns', 'status', { ...base, progress: dnsStarted(elapsed, planned) }, env());

      // Assess
      if (timedOut)
        await expect(checked).rejects.toMatchObject({ name: 'StepTimedOut', message: expect.stringContaining(`planned ${planned} s`) });
      else await expect(checked).resolves.toMatchObject({ progress: { ready: false } });
    },
  );

  it('a check that finds the step done is never too late', async () => {
    // Prepare
    changeIs('INSYNC');

    // Act
    const state = await runStep('dns', 'status', { ...base, progress: dnsStarted(5000, 61) }, env());

    // Assess
    expect(state.dns).toMatchObject({ ready: true, readyAt: NOW.toISOString() });
  });

  it.each([
    ['no progress at all', undefined],
    ["another step's progress", dnsStarted(10, 61)],
  ])('a status asked with %s is refused before any call', async (_, progress) => {
    // Act
    const checked = runStep('health', 'status', { ...base, progress }, env());

    // Assess
    await expect(checked).rejects.toMatchObject({ name: 'StepStateError', message: 'status of health asked without its start' });
    expect(sent()).toEqual([]);
  });
});
