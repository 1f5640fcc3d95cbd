import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { CONFIG_CONTEXT_KEY, deepMerge, parseConfig } from '../../contracts/config/load';
import type { LifelineConfig } from '../../contracts/config/schema';
import { faultSchema } from '../twin/faults';
import { DEFAULT_LATENCY_PROFILE, type LatencyKey } from '../../contracts/aws-timings';

/** A drill scenario: what to change from the project's configuration and the twin's defaults. */
export const scenarioSchema = z
  .object({
    description: z.string().optional(),
    /** Configuration overrides (same shape as lifeline.config.json), e.g. regions or the DR strategy. */
    config: z.record(z.string(), z.unknown()).optional(),
    /** Faults injected from the start. */
    faults: z.array(faultSchema).default([]),
    /** Latency profile overrides, in seconds. */
    latency: z
      .record(z.string(), z.number().nonnegative())
      .refine((r) => Object.keys(r).every((k) => k in DEFAULT_LATENCY_PROFILE), {
        message: `keys must be latency profile entries: ${Object.keys(DEFAULT_LATENCY_PROFILE).join(', ')}`,
      })
      .default({}),
    /** The drill's failover: the primary region down (the default), or up (a planned failover). */
    failover: z
      .object({ primary: z.enum(['down', 'up']).default('down') })
      .strict()
      .prefault({}),
    data: z
      .object({
        /** Sample orders in the primary database at boot. */
        rows: z.number().int().min(0).max(1_000_000).default(200),
        /** Keys in the sample cache. */
        cacheKeys: z.number().int().min(0).default(5000),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;

/** The example failover record the drill switches when the configuration names none. */
export const DRILL_DNS = { domainName: 'app.lifeline.example', hostedZoneId: 'Z0LIFELINEDRILL' } as const;

export class ScenarioError extends Error {}

export function loadScenario(file: string | undefined): Scenario {
  if (!file) return scenarioSchema.parse({});
  if (!existsSync(file)) throw new ScenarioError(`Scenario file ${file} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`Scenario file ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    throw new ScenarioError(
      `Invalid scenario ${file}:\n${result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`,
    );
  }
  return result.data;
}

/** The project's configuration (cdk.json context + lifeline.config.json) with the scenario's overrides. */
export function drillConfig(scenario: Scenario, cdkJsonPath = 'cdk.json', configFile = 'lifeline.config.json'): LifelineConfig {
  const cdkJson: unknown = existsSync(cdkJsonPath) ? JSON.parse(readFileSync(cdkJsonPath, 'utf8')) : {};
  const context =
    typeof cdkJson === 'object' &&
    cdkJson !== null &&
    'context' in cdkJson &&
    typeof cdkJson.context === 'object' &&
    cdkJson.context !== null
      ? cdkJson.context
      : {};
  const fromContext = CONFIG_CONTEXT_KEY in context ? (context as Record<string, unknown>)[CONFIG_CONTEXT_KEY] : {};
  const fromFile: unknown = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {};
  const merged = deepMerge(deepMerge(fromContext, fromFile), scenario.config ?? {});
  const config = parseConfig(merged);
  // Without a DNS name of its own, the drill uses an example zone so the failover's DNS switch is exercised.
  return config.dns.domainName ? config : parseConfig(deepMerge(merged, { dns: DRILL_DNS }));
}

export function latencyOverrides(scenario: Scenario): Partial<Record<LatencyKey, number>> {
  return scenario.latency as Partial<Record<LatencyKey, number>>;
}
