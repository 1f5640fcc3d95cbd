import type { z } from 'zod';

/**
 * Errors a state machine catches by name: a Lambda's thrown error surfaces
 * in Step Functions with its `name` as the Error and its message in the Cause.
 */
export class LifelineError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Bad input: raised in a workflow's first state, before anything changes. */
export class ValidationError extends LifelineError {
  constructor(message: string) {
    super('ValidationError', message);
  }
}

/** Parses `value` with `schema`, or throws a ValidationError naming each field and why. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(input)';
    return issue.code === 'unrecognized_keys' ? `${path}: unknown field(s) ${issue.keys.join(', ')}` : `${path}: ${issue.message}`;
  });
  throw new ValidationError(`Invalid ${what}: ${details.join('; ')}`);
}
