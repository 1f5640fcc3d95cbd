import type { z } from 'zod';

/** A required environment variable; a function missing one fails at load, not mid-run. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing environment variable ${name}`);
  return value;
}

/** A required environment variable holding JSON that must match `schema`. */
export function jsonEnv<T>(name: string, schema: z.ZodType<T>): T {
  const raw = requiredEnv(name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`Environment variable ${name} is not JSON`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success)
    throw new Error(
      `Environment variable ${name} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return result.data;
}
