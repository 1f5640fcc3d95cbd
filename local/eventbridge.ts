import type { Job } from '../contracts/jobs';
import type { ExecutionResult, RunnerBindings } from './runner';
import type { Twin } from './twin';
import type { TwinEvent } from './twin/aws-core';
import { runJob } from './workflows';

/**
 * EventBridge content filtering for the patterns Lifeline uses: every key of
 * the pattern must be present in the event; an array matches when the
 * event's value (or any of its values, for arrays) is one of its entries; an
 * object recurses. (docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html)
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(event) ? event : [event];
    return values.some((v) => pattern.some((p) => p === v));
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof event !== 'object' || event === null) return false;
    return Object.entries(pattern).every(([key, inner]) => key in event && matchesPattern(inner, (event as Record<string, unknown>)[key]));
  }
  return pattern === event;
}

interface Rule {
  readonly pattern: unknown;
  readonly job: Job;
  readonly region: string;
}

/**
 * The twin's event bus: rules route the events the twin emits (alarm state
 * changes) to workflows, as EventBridge rules with a Step Functions target
 * do. Executions start when `drain()` is awaited, all at once.
 */
export class LocalEventBus {
  private readonly rules: Rule[] = [];
  private readonly queue: { rule: Rule; event: TwinEvent }[] = [];

  constructor(private readonly twin: Twin) {
    twin.core.onEvent((event) => {
      for (const rule of this.rules)
        if (rule.region === event.region && matchesPattern(rule.pattern, event)) this.queue.push({ rule, event });
    });
  }

  addRule(pattern: unknown, job: Job, region: string): void {
    this.rules.push({ pattern, job, region });
  }

  /** Delivers `event` again (EventBridge delivers at least once). */
  redeliver(event: TwinEvent): void {
    for (const rule of this.rules)
      if (rule.region === event.region && matchesPattern(rule.pattern, event)) this.queue.push({ rule, event });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Starts an execution per queued delivery, concurrently, and waits for all of them. */
  async drain(options: { executionPrefix?: string } & Pick<RunnerBindings, 'onEvent' | 'onInvoke'> = {}): Promise<ExecutionResult[]> {
    const deliveries = this.queue.splice(0);
    return Promise.all(
      deliveries.map(async ({ rule, event }, i) => {
        await this.authorizeTarget(rule, event);
        return runJob(this.twin, rule.job, event, {
          region: rule.region,
          executionName: `${options.executionPrefix ?? rule.job}-${event.id}-${i}`,
          onEvent: options.onEvent,
          onInvoke: options.onInvoke,
        });
      }),
    );
  }

  /**
   * Only what the deployment routes is delivered: a rule the app deploys must
   * match the event and target the machine, and its role must be allowed to
   * start it. Otherwise nothing starts (in AWS a failed invocation is counted),
   * and the drain fails naming why: a twin run that relies on it is wrong.
   */
  private async authorizeTarget(rule: Rule, event: TwinEvent): Promise<void> {
    await this.twin.iam?.authorizeStart('rule', rule.region, rule.job, (pattern) => matchesPattern(pattern, event));
  }
}
