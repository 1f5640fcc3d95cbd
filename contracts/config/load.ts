import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { lifelineConfigSchema, type LifelineConfig } from './schema';

export const CONFIG_CONTEXT_KEY = 'lifeline';
export const CONFIG_FILE_NAME = 'lifeline.config.json';

/** A configuration that does not validate; the message names every bad field and why. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(`Invalid Lifeline configuration:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else in `override` replaces `base`. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') {
    return { path, message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  return { path, message: issue.message };
}

/** Validates raw configuration; throws {@link ConfigError} naming each field. */
export function parseConfig(raw: unknown): LifelineConfig {
  const result = lifelineConfigSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(result.error.issues.map(describeIssue));
  return result.data;
}

/**
 * The configuration of a CDK app: the `lifeline` context value (cdk.json or
 * `-c lifeline=...`), overridden field by field by `lifeline.config.json`.
 */
export function loadConfig(contextValue: unknown, configFile = CONFIG_FILE_NAME): LifelineConfig {
  const fromContext: unknown = typeof contextValue === 'string' ? JSON.parse(contextValue) : contextValue;
  let fromFile: unknown;
  if (existsSync(configFile)) {
    try {
      fromFile = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (error) {
      throw new ConfigError([
        { path: configFile, message: `is not valid JSON (${error instanceof Error ? error.message : String(error)})` },
      ]);
    }
  }
  return parseConfig(deepMerge(fromContext ?? {}, fromFile));
}
