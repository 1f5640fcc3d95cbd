import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reading Amazon States Language files: their states, `${Placeholders}` and
 * the AWS API actions their Task states call. Pure functions, shared by the
 * workflow construct (which derives IAM from them), the local runner and
 * the tests, so the three never disagree about what a file does.
 */

export type AslState = Record<string, unknown> & { Type?: string; Resource?: string };
export interface AslDefinition {
  States?: Record<string, unknown>;
  StartAt?: string;
}

/** Every state, including those inside Parallel branches and Map processors. */
export function allStates(definition: AslDefinition): [string, AslState][] {
  const out: [string, AslState][] = [];
  for (const [name, raw] of Object.entries(definition.States ?? {})) {
    if (typeof raw !== 'object' || raw === null) continue;
    const state: AslState = { ...raw };
    out.push([name, state]);
    for (const branch of Array.isArray(state.Branches) ? state.Branches : []) out.push(...allStates(branch));
    for (const key of ['ItemProcessor', 'Iterator']) {
      const inner = state[key];
      if (typeof inner === 'object' && inner !== null) out.push(...allStates(inner));
    }
  }
  return out;
}

/** Every `${Name}` placeholder in a definition's text. */
export function placeholdersOf(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
}

/** IAM prefixes where they differ from the Step Functions service name. */
const IAM_PREFIX: Record<string, string> = { sfn: 'states', applicationautoscaling: 'application-autoscaling' };

/** Optimized integrations the workflows use, by resource ARN. */
export const OPTIMIZED_INTEGRATIONS: Record<string, { service: string; action: string }> = {
  'arn:aws:states:::sns:publish': { service: 'sns', action: 'Publish' },
  'arn:aws:states:::sns:publish.waitForTaskToken': { service: 'sns', action: 'Publish' },
  'arn:aws:states:::dynamodb:putItem': { service: 'dynamodb', action: 'PutItem' },
  'arn:aws:states:::dynamodb:getItem': { service: 'dynamodb', action: 'GetItem' },
  'arn:aws:states:::dynamodb:updateItem': { service: 'dynamodb', action: 'UpdateItem' },
  'arn:aws:states:::states:startExecution.sync:2': { service: 'sfn', action: 'StartExecution' },
};

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const SDK_RESOURCE = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/;

export interface ApiAction {
  /** Service as Step Functions names it in the resource (rds, ecs, sfn…). */
  readonly service: string;
  /** The API action in PascalCase (CreateDBSnapshot). */
  readonly action: string;
  /** The IAM action (rds:CreateDBSnapshot, states:StartExecution). */
  readonly iamAction: string;
}

/** The AWS API action a Task resource calls, or undefined for Lambda invokes and unknown resources. */
export function apiActionOf(resource: string): ApiAction | undefined {
  const sdk = SDK_RESOURCE.exec(resource);
  const optimized = OPTIMIZED_INTEGRATIONS[resource];
  if (!sdk && !optimized) return undefined;
  const service = sdk ? sdk[1] : optimized.service;
  const action = sdk ? sdk[2].charAt(0).toUpperCase() + sdk[2].slice(1) : optimized.action;
  return { service, action, iamAction: `${IAM_PREFIX[service] ?? service}:${action}` };
}

/** Every distinct API action the definition's Task states call. */
export function apiActionsOf(definition: AslDefinition): ApiAction[] {
  const byIam = new Map<string, ApiAction>();
  for (const [, state] of allStates(definition)) {
    if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
    const action = apiActionOf(state.Resource);
    if (action) byIam.set(action.iamAction, action);
  }
  return [...byIam.values()].sort((a, b) => a.iamAction.localeCompare(b.iamAction));
}

/** Where the ASL files are: state-machines/<file>.asl.json, generated from state-machines/src. */
export const STATE_MACHINES_DIR = join(__dirname, '..', 'state-machines');

/** The text of state-machines/<file>.asl.json, exactly as CDK deploys it and the runner runs it. */
export function definitionText(file: string): string {
  return readFileSync(join(STATE_MACHINES_DIR, `${file}.asl.json`), 'utf8');
}

/** The placeholders of state-machines/<file>.asl.json. */
export function placeholdersOfFile(file: string): Set<string> {
  return placeholdersOf(definitionText(file));
}

/** The subset of `available` a file uses (a job's functions are shared by its parent and child machines). */
export function substitutionsFor(file: string, available: Readonly<Record<string, string>>): Record<string, string> {
  const used = placeholdersOfFile(file);
  return Object.fromEntries(Object.entries(available).filter(([name]) => used.has(name)));
}

/**
 * Every placeholder of `text` (the file `file`) has exactly one substitution and every substitution is used;
 * throws naming each that is not.
 */
export function checkSubstitutions(file: string, text: string, substitutions: Readonly<Record<string, string>>): void {
  const placeholders = placeholdersOf(text);
  const missing = [...placeholders].filter((p) => !(p in substitutions));
  const unused = Object.keys(substitutions).filter((s) => !placeholders.has(s));
  const problems = [
    ...(missing.length ? [`no substitution for ${missing.join(', ')}`] : []),
    ...(unused.length ? [`substitutions not used: ${unused.join(', ')}`] : []),
  ];
  if (problems.length) throw new Error(`${file}.asl.json: ${problems.join('; ')}`);
}

/** Applies substitutions the way CloudFormation's DefinitionSubstitutions do; every placeholder needs one. */
export function substitute(text: string, substitutions: Readonly<Record<string, string>>): string {
  const missing = [...placeholdersOf(text)].filter((name) => !(name in substitutions));
  if (missing.length) throw new Error(`No substitution for ${missing.map((m) => `\${${m}}`).join(', ')}`);
  // Values land inside JSON strings: escape them as JSON does.
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => JSON.stringify(substitutions[name]).slice(1, -1));
}
