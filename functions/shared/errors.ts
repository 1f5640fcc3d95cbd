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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The real error of a failed target: a child execution fails its task with
 * States.TaskFailed and carries its own Error and Cause in the Cause; a
 * Lambda's Cause is JSON with errorMessage.
 */
export function rootCause(error: string, cause: string): { error: string; cause: string } {
  const parsed = parseJson(cause);
  if (typeof parsed === 'object' && parsed !== null) {
    if ('Error' in parsed && typeof parsed.Error === 'string')
      return rootCause(parsed.Error, 'Cause' in parsed ? String(parsed.Cause) : '');
    if ('errorMessage' in parsed) return { error, cause: String(parsed.errorMessage) };
  }
  return { error, cause };
}

/** Socket-level failures: the endpoint did not answer at all. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * Whether a call failed because the region's endpoint is not serving (after the SDK's own retries): no answer, a
 * timeout, or a server-side 5xx. A refusal (4xx: access, validation, not found, throttling) is an answer and is
 * not this.
 */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, $fault, $metadata } = error as Error & { code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (NETWORK_CODES.has(code ?? '') || error.name === 'TimeoutError') return true;
  return $fault === 'server' && ($metadata?.httpStatusCode ?? 500) >= 500;
}
