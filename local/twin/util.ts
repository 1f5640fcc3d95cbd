import { TwinServiceError } from './errors';
import type { ServiceName } from './sdk-models';

/** An API input as the twin receives it: SDK casing, unvalidated. */
export type Input = Record<string, unknown>;

/** A required string field, failing the way AWS validation does. */
export function requireString(service: ServiceName, input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new TwinServiceError(
      service,
      service === 'ecs' ? 'InvalidParameterException' : 'ValidationError',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
      false,
    );
  }
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function optionalNumber(input: Input, field: string): number | undefined {
  const value = input[field];
  return typeof value === 'number' ? value : undefined;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  return typeof value === 'boolean' ? value : undefined;
}

export function records(value: unknown): Input[] {
  return Array.isArray(value) ? value.filter((v): v is Input => typeof v === 'object' && v !== null && !Array.isArray(v)) : [];
}

export function record(value: unknown): Input | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Input) : undefined;
}

export interface Tag {
  Key: string;
  Value: string;
}

export function tagsOf(value: unknown, keyField = 'Key', valueField = 'Value'): Tag[] {
  return records(value).flatMap((t) =>
    typeof t[keyField] === 'string' ? [{ Key: String(t[keyField]), Value: String(t[valueField] ?? '') }] : [],
  );
}

/** A status that changes on the virtual clock: the newest step whose time has come. */
export class StatusTimeline<S extends string> {
  private readonly steps: { at: number; status: S }[];
  constructor(initial: S, at: number) {
    this.steps = [{ at, status: initial }];
  }
  then(status: S, at: number): this {
    this.steps.push({ at, status });
    this.steps.sort((a, b) => a.at - b.at);
    return this;
  }
  /** Drops steps planned after `now` and goes to `status` now (then optionally later ones). */
  reset(status: S, now: number): this {
    for (let i = this.steps.length - 1; i >= 0; i -= 1) if (this.steps[i].at > now) this.steps.splice(i, 1);
    this.steps.push({ at: now, status });
    return this;
  }
  at(now: number): S {
    let current = this.steps[0].status;
    for (const step of this.steps) if (step.at <= now) current = step.status;
    return current;
  }
}

let idCounter = 0;
export function shortId(prefix = ''): string {
  idCounter += 1;
  return `${prefix}${idCounter.toString(16).padStart(8, '0')}`;
}
