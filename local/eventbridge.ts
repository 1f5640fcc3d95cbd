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
  /** The target's InputTransformer, when it receives that instead of the event. */
  readonly inputTransformer?: unknown;
}

/** The value at a simple JSONPath (`$.detail.alarmName`) of an event. */
function valueAt(event: unknown, path: string): unknown {
  let value: unknown = event;
  for (const key of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/**
 * What a target with an InputTransformer receives (EventBridge User Guide, "Amazon EventBridge input
 * transformation"): each `<name>` of the InputTemplate replaced by the value its InputPathsMap path selects from
 * the event; inside a JSON string, a string value goes in as text (escaped so the result stays JSON).
 */
export function transformInput(transformer: unknown, event: unknown): unknown {
  const { InputPathsMap: paths = {}, InputTemplate: template } = transformer as {
    InputPathsMap?: Record<string, string>;
    InputTemplate?: string;
  };
  if (typeof template !== 'string') throw new Error('twin: an InputTransformer without an InputTemplate');
  let text = '';
  let inString = false;
  for (let i = 0; i < template.length; i += 1) {
    const char = template[i];
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    const path = placeholder ? paths[placeholder[1]] : undefined;
    if (placeholder && path !== undefined) {
      const value = valueAt(event, path);
      // Inside a JSON string a string goes in as its text; elsewhere as a JSON value (a string with its quotes).
      const json = JSON.stringify(value ?? null);
      text += inString && typeof value === 'string' ? json.slice(1, -1) : json;
      i += placeholder[0].length - 1;
      continue;
    }
    if (char === '"' && template[i - 1] !== '\\') inString = !inString;
    text += char;
  }
  return JSON.parse(text) as unknown;
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

  addRule(pattern: unknown, job: Job, region: string, inputTransformer?: unknown): void {
    this.rules.push({ pattern, job, region, inputTransformer });
  }

  /** The rules the app deploys in `region` that start `job`, with their patterns and input transformers. */
  addDeployedRules(job: Job, region: string): void {
    const machine = this.twin.iam?.view.stateMachines[`${region}/${job}`];
    if (!machine) throw new Error(`twin: no deployed ${job} state machine in ${region} (IAM is off?)`);
    for (const invoker of this.twin.iam?.view.invokers ?? [])
      if (invoker.kind === 'rule' && invoker.region === region && invoker.target === machine.arn)
        this.addRule(invoker.pattern, job, region, invoker.inputTransformer);
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
        const input = rule.inputTransformer === undefined ? event : transformInput(rule.inputTransformer, event);
        return runJob(this.twin, rule.job, input, {
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
