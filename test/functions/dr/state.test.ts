import { describe, expect, it } from 'vitest';
import { type RunbookState, runbookStateSchema } from '../../../functions/dr/state';
import type { ProgressOf } from '../../../functions/dr/steps/progress';
import { NOW, preflightOf, runOf } from './fixtures';

const health: ProgressOf<'health'> = {
  step: 'health',
  ready: true,
  waitSeconds: 10,
  startedAt: NOW.toISOString(),
  plannedSeconds: 0,
  readyAt: NOW.toISOString(),
  polls: 3,
  detail: { consecutive: 3, endpoint: 'shop-dr.elb.example.com', url: 'http://shop-dr.elb.example.com/health', lastAnswer: '200 ok' },
};
const state: RunbookState = { run: runOf('failback'), preflight: preflightOf(), approval: 'approved by ops', progress: health, health };
/** As Step Functions carries it between calls. */
const carried = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('runbook state schema', () => {
  it('takes back, unchanged, the state a step returned', () => {
    // Act
    const parsed = runbookStateSchema.parse(carried(state));

    // Assess
    expect(parsed).toEqual(carried(state));
  });

  it.each([
    ['a detail that does not fit its step', { ...state, progress: { ...health, detail: { changeId: '/change/C1' } } }, 'progress'],
    ["a step's progress under another step's name", { ...state, dns: health }, 'dns'],
    ['a preflight without its plan', { ...state, preflight: { ...preflightOf(), cache: undefined } }, 'preflight'],
  ])('refuses %s', (_, value, path) => {
    // Act
    const result = runbookStateSchema.safeParse(carried(value));

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(path);
  });
});
