import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../contracts/config/load';
import { decide, type DecisionInput } from '../../../functions/scaling/decision';

const policies = parseConfig({}).scaling.policies;
const now = new Date('2026-07-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const base: DecisionInput = { state: 'ALARM', policy: policies['service-cpu-high'], desired: 2, running: 2, min: 2, max: 20, now };

describe('scaling decision', () => {
  it.each([
    [2, 6], // double is +2, at least +4
    [6, 12], // double
    [15, 20], // clipped at the maximum
  ])('scales out from %i to %i', (desired, to) => {
    expect(decide({ ...base, desired })).toMatchObject({ action: 'scale', direction: 'out', to });
  });

  it('scales in by 2, not below the minimum', () => {
    expect(decide({ ...base, policy: policies['service-cpu-low'], desired: 8 })).toMatchObject({ action: 'scale', direction: 'in', to: 6 });
    expect(decide({ ...base, policy: policies['service-cpu-low'], desired: 3 })).toMatchObject({ action: 'scale', to: 2 });
    expect(decide({ ...base, policy: policies['service-cpu-low'], desired: 2 })).toEqual({
      action: 'noop',
      reason: 'already at the minimum of 2',
    });
  });

  it('waits out the cooldown after a scale-out and the stabilization window before a scale-in', () => {
    expect(decide({ ...base, lastScaleOutAt: ago(30) })).toEqual({
      action: 'noop',
      reason: 'cooldown: last scale-out 30 s ago, cooldown 60 s',
    });
    expect(decide({ ...base, lastScaleOutAt: ago(61) })).toMatchObject({ action: 'scale' });
    const scaleIn = { ...base, policy: policies['service-cpu-low'], desired: 8 };
    expect(decide({ ...scaleIn, lastScaleOutAt: ago(299) })).toEqual({
      action: 'noop',
      reason: 'stabilizing: last scale-out 299 s ago, window 300 s',
    });
    expect(decide({ ...scaleIn, lastScaleOutAt: ago(301) })).toMatchObject({ action: 'scale', to: 6 });
    expect(decide({ ...scaleIn, lastScaleInAt: ago(10) })).toEqual({
      action: 'noop',
      reason: 'cooldown: last scale-in 10 s ago, cooldown 60 s',
    });
  });

  it('does nothing but record on OK and INSUFFICIENT_DATA, or without a policy', () => {
    expect(decide({ ...base, state: 'OK' })).toEqual({ action: 'noop', reason: 'alarm went to OK: only transitions into ALARM act' });
    expect(decide({ ...base, state: 'INSUFFICIENT_DATA' }).action).toBe('noop');
    expect(decide({ ...base, policy: undefined })).toEqual({ action: 'noop', reason: 'no scaling policy for this alarm' });
  });
});
