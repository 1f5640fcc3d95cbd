import type { ScalingPolicy } from '../../contracts/config/schema';

/** The facts a scaling decision depends on; the function below is pure. */
export interface DecisionInput {
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly policy: ScalingPolicy | undefined;
  readonly desired: number;
  readonly running: number;
  readonly min: number;
  readonly max: number;
  /** Newest scale-out and scale-in of this service (ISO), from the ledger. */
  readonly lastScaleOutAt?: string;
  readonly lastScaleInAt?: string;
  readonly now: Date;
}

export type Decision =
  | { readonly action: 'scale'; readonly direction: 'out' | 'in'; readonly to: number; readonly reason: string }
  | { readonly action: 'noop'; readonly reason: string };

const secondsSince = (iso: string | undefined, now: Date) => (iso === undefined ? Infinity : (now.getTime() - Date.parse(iso)) / 1000);

/**
 * A target count, or a no-op with its reason. Scale out by the policy's step
 * (percent of the current desired count, at least minStep) after its
 * cooldown; scale in only when no scale-out happened within the stabilization
 * window and no scale-in within the cooldown; always within min and max.
 */
export function decide(input: DecisionInput): Decision {
  const { policy, desired, now } = input;
  if (input.state !== 'ALARM') return { action: 'noop', reason: `alarm went to ${input.state}: only transitions into ALARM act` };
  if (!policy) return { action: 'noop', reason: 'no scaling policy for this alarm' };
  const step = policy.stepType === 'percent' ? Math.max(policy.minStep, Math.ceil((desired * policy.step) / 100)) : policy.step;
  if (policy.direction === 'out') {
    const since = secondsSince(input.lastScaleOutAt, now);
    if (since < policy.cooldownSeconds)
      return { action: 'noop', reason: `cooldown: last scale-out ${Math.round(since)} s ago, cooldown ${policy.cooldownSeconds} s` };
    const to = Math.min(input.max, desired + step);
    if (to <= desired) return { action: 'noop', reason: `already at the maximum of ${input.max}` };
    return {
      action: 'scale',
      direction: 'out',
      to,
      reason:
        `scale out by ${to - desired} ` +
        `(${policy.stepType === 'percent' ? `${policy.step}%, at least ${policy.minStep}` : `${policy.step} tasks`}) to ${to}`,
    };
  }
  const sinceOut = secondsSince(input.lastScaleOutAt, now);
  if (sinceOut < policy.stabilizationSeconds)
    return { action: 'noop', reason: `stabilizing: last scale-out ${Math.round(sinceOut)} s ago, window ${policy.stabilizationSeconds} s` };
  const sinceIn = secondsSince(input.lastScaleInAt, now);
  if (sinceIn < policy.cooldownSeconds)
    return { action: 'noop', reason: `cooldown: last scale-in ${Math.round(sinceIn)} s ago, cooldown ${policy.cooldownSeconds} s` };
  const to = Math.max(input.min, desired - step);
  if (to >= desired) return { action: 'noop', reason: `already at the minimum of ${input.min}` };
  return { action: 'scale', direction: 'in', to, reason: `scale in by ${desired - to} to ${to}` };
}
