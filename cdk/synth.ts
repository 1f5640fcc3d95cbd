import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../contracts/config/load';
import type { LifelineConfigInput } from '../contracts/config/schema';
import { isRecord } from './compliance/rule';
import { placeholderCode } from './control-plane/ops-function';
import { buildLifeline, type LifelineStacks } from './lifeline-app';

/** The feature flags of cdk.json, so a synthesis here is exactly what `cdk synth` does. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8'));
  const context = isRecord(cdkJson) && isRecord(cdkJson.context) ? cdkJson.context : {};
  const { lifeline: _ignored, ...flags } = context;
  return flags;
}

export interface Synthesized {
  readonly stacks: LifelineStacks;
  readonly templates: Record<string, Template>;
  readonly json: Record<string, unknown>;
}

const cache = new Map<string, Synthesized>();

/**
 * Synthesizes the whole app for one configuration, without bundling any
 * function (placeholder code), with cdk-nag's AwsSolutionsChecks attached:
 * `app.synth()` throws on any unacknowledged finding, so every successful
 * call is also a compliance check. The tests and the benchmark read these
 * templates; results are cached per configuration.
 */
export function synthLifeline(input: LifelineConfigInput = {}): Synthesized {
  const key = JSON.stringify(input);
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({ context: cdkJsonContext(), outdir: mkdtempSync(join(tmpdir(), 'lifeline-synth-')) });
  const stacks = buildLifeline(app, parseConfig(input), { functionFactory: placeholderCode });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  const templates: Record<string, Template> = {};
  const json: Record<string, unknown> = {};
  for (const stack of Object.values(stacks)) {
    templates[stack.stackName] = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true });
    json[stack.stackName] = templates[stack.stackName].toJSON();
  }
  const synthesized = { stacks, templates, json };
  cache.set(key, synthesized);
  return synthesized;
}
