import { createRequire } from 'node:module';
import { join } from 'node:path';
import { JOB_CHILD_MACHINES, JOB_FUNCTIONS, type Job, JOBS } from '../contracts/jobs';
import { drTimingsFrom } from '../contracts/aws-timings';
import { jobEnvironment } from '../contracts/environment';
import {
  type ExecutionResult,
  loadDefinition,
  type LocalFunction,
  type RunnerBindings,
  type RunnerIam,
  type RunOptionsLocal,
  runWorkflow,
} from './runner';
import type { Twin } from './twin';
import type { Iam } from './twin/iam/authorizer';

/**
 * The environment the CDK job constructs give the functions (every job's, as
 * handlers share modules in one process), filled from the twin.
 */
export function functionEnvironment(twin: Twin, region: string): Record<string, string> {
  const inputs = {
    config: twin.config,
    inventoryJson: JSON.stringify(twin.inventory),
    ledgerTable: twin.controlPlane.ledgerTable,
    topicArn: twin.controlPlane.topicArns[region],
    timings: drTimingsFrom(twin.core.profile),
    regionRole: region === twin.primaryRegion ? ('primary' as const) : ('dr' as const),
  };
  return {
    AWS_REGION: region,
    ...Object.assign({}, ...JOBS.map((job) => jobEnvironment(job, inputs))),
    // The twin's PostgreSQL listens on loopback without TLS.
    DATABASE_TLS: 'disable',
    CACHE_TLS: 'disable',
    POWERTOOLS_SERVICE_NAME: 'lifeline-local',
    POWERTOOLS_METRICS_NAMESPACE: 'Lifeline',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_DEV: 'true',
  };
}

function isHandlerModule(value: unknown): value is { handler: LocalFunction } {
  return typeof value === 'object' && value !== null && 'handler' in value && typeof value.handler === 'function';
}

/** One deployment's handler instances by entry: a region's functions keep their module state, as a warm Lambda does. */
interface Deployment {
  readonly query: string;
  readonly modules: Map<string, { handler: LocalFunction }>;
}
/** Each twin's deployments by region: both regions deploy every job, each with its own environment (REGION_ROLE, AWS_REGION). */
const deploymentsOf = new WeakMap<Twin, Map<string, Deployment>>();
/** Which deployment loaded each module object, to notice a runtime that gives a second deployment the first one's instance. */
const loadedFor = new WeakMap<object, Deployment>();
let deployments = 0;

/**
 * A fresh instance of `path` for `deployment`. ESM loaders (vitest) key modules by specifier, query included; Node's
 * CommonJS loader (tsx, `npm start`) ignores the query and keeps one instance, so there the entry is evicted from
 * the require cache and required again (its shared modules stay shared: they read no environment when loaded).
 */
async function freshInstance(path: string, deployment: Deployment): Promise<unknown> {
  const imported: unknown = await import(`${path}?${deployment.query}`);
  const owner = typeof imported === 'object' && imported !== null ? loadedFor.get(imported) : undefined;
  if (!owner || owner === deployment) return imported;
  const load = createRequire(__filename);
  const resolved = load.resolve(path);
  const cached = load.cache[resolved];
  delete load.cache[resolved];
  try {
    return load(resolved) as unknown;
  } finally {
    if (cached) load.cache[resolved] = cached;
  }
}

/**
 * Loads a job's handlers in process, as deployed in `region`. Handlers read their environment when
 * first loaded (as in Lambda), so the environment is set first, and each
 * twin imports its own instance of every entry per region (its own execution environments), so twins with
 * different configurations can run one after another in one test process, and both regions' jobs in one twin.
 */
export async function loadJobFunctions(
  twin: Twin,
  job: Job,
  region: string,
): Promise<{ substitutions: Record<string, string>; functions: Record<string, LocalFunction> }> {
  Object.assign(process.env, functionEnvironment(twin, region));
  let byRegion = deploymentsOf.get(twin);
  if (!byRegion) deploymentsOf.set(twin, (byRegion = new Map()));
  let deployment = byRegion.get(region);
  if (!deployment) {
    deployments += 1;
    deployment = { query: `deployment=${deployments}`, modules: new Map() };
    byRegion.set(region, deployment);
  }
  const substitutions: Record<string, string> = {};
  const functions: Record<string, LocalFunction> = {};
  for (const [placeholder, spec] of Object.entries(JOB_FUNCTIONS[job])) {
    const name = `${job}-${placeholder}`;
    let loaded = deployment.modules.get(spec.entry);
    if (!loaded) {
      const module = await freshInstance(join(__dirname, '..', 'functions', spec.entry), deployment);
      if (!isHandlerModule(module)) throw new Error(`functions/${spec.entry} exports no handler`);
      loadedFor.set(module, deployment);
      deployment.modules.set(spec.entry, module);
      loaded = module;
    }
    substitutions[placeholder] = name;
    functions[name] = loaded.handler;
  }
  return { substitutions, functions };
}

/**
 * The identity of state machine `file` as deployed in `region`: its role, its
 * functions' roles (by the twin's names for them, `functionNames` by
 * placeholder) and its children's. A machine the app does not deploy there
 * cannot run (StateMachineDoesNotExist).
 */
export function deployedMachine(iam: Iam, region: string, file: string, functionNames: Readonly<Record<string, string>>): RunnerIam {
  const machine = iam.view.stateMachines[`${region}/${file}`];
  if (!machine) throw new Error(`State Machine Does Not Exist: the app deploys no ${file} state machine in ${region}`);
  const functions: Record<string, RunnerIam['functions'][string]> = {};
  const children: Record<string, RunnerIam> = {};
  for (const [placeholder, value] of Object.entries(machine.substitutions)) {
    const fn = iam.view.functions[value];
    if (fn && functionNames[placeholder])
      functions[functionNames[placeholder]] = { arn: value, principal: { role: fn.role, session: placeholder } };
    const child = Object.entries(iam.view.stateMachines).find(([, m]) => m.arn === value);
    if (child) children[value] = deployedMachine(iam, region, child[0].split('/')[1], functionNames);
  }
  return {
    machine: { role: machine.role, session: file },
    functions,
    children,
    check: (principal, action, resource, call) => iam.check(principal, action, resource, call),
  };
}

/** Runs a product workflow on the twin in the region it is deployed to. */
export async function runJob(
  twin: Twin,
  job: Job,
  input: unknown,
  options: RunOptionsLocal &
    Pick<RunnerBindings, 'onEvent' | 'onInvoke'> & {
      region?: string;
      /** Started by the job's EventBridge Scheduler schedule: the schedule's role must be allowed to start it. */
      bySchedule?: boolean;
    } = {},
): Promise<ExecutionResult> {
  const region = options.region ?? twin.primaryRegion;
  if (options.bySchedule) await twin.iam?.authorizeStart('schedule', region, job);
  const { substitutions, functions } = await loadJobFunctions(twin, job, region);
  const childMachines: Record<string, { job: string; definition: ReturnType<typeof loadDefinition> }> = {};
  const childArns: Record<string, string> = {};
  for (const [placeholder, file] of Object.entries(JOB_CHILD_MACHINES[job] ?? {})) {
    childArns[placeholder] = twin.core.arn('states', region, `stateMachine:${file}`);
  }
  const all = { ...substitutions, ...childArns, TopicArn: twin.controlPlane.topicArns[region] };
  for (const [placeholder, file] of Object.entries(JOB_CHILD_MACHINES[job] ?? {})) {
    childMachines[childArns[placeholder]] = { job: file, definition: loadDefinition(file, all) };
  }
  const iam = twin.iam ? deployedMachine(twin.iam, region, job, substitutions) : undefined;
  return runWorkflow(
    job,
    input,
    { twin: twin.core, region, substitutions: all, functions, childMachines, onEvent: options.onEvent, onInvoke: options.onInvoke, iam },
    options,
  );
}
