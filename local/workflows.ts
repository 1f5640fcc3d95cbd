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

/** Each twin's handler instances by entry: a deployment's functions keep their module state, as a warm Lambda does. */
const handlerInstances = new WeakMap<Twin, { readonly query: string; readonly modules: Map<string, { handler: LocalFunction }> }>();
/** Which twin loaded each module object, to notice a runtime that cannot give a second deployment its own instance. */
const loadedFor = new WeakMap<object, Twin>();
let deployments = 0;

/**
 * Loads a job's handlers in process. Handlers read their environment when
 * first loaded (as in Lambda), so the environment is set first, and each
 * twin imports its own instance of every entry (a query in the specifier:
 * its own execution environments), so twins with different configurations
 * can run one after another in one test process. Node's CommonJS loader
 * (tsx, `npm start`) ignores the query and keeps one instance: there, a
 * second twin that runs a job is refused rather than given the first one's
 * handlers.
 */
export async function loadJobFunctions(
  twin: Twin,
  job: Job,
  region: string,
): Promise<{ substitutions: Record<string, string>; functions: Record<string, LocalFunction> }> {
  Object.assign(process.env, functionEnvironment(twin, region));
  let instances = handlerInstances.get(twin);
  if (!instances) {
    deployments += 1;
    instances = { query: `deployment=${deployments}`, modules: new Map() };
    handlerInstances.set(twin, instances);
  }
  const substitutions: Record<string, string> = {};
  const functions: Record<string, LocalFunction> = {};
  for (const [placeholder, spec] of Object.entries(JOB_FUNCTIONS[job])) {
    const name = `${job}-${placeholder}`;
    let loaded = instances.modules.get(spec.entry);
    if (!loaded) {
      const module: unknown = await import(`${join(__dirname, '..', 'functions', spec.entry)}?${instances.query}`);
      if (!isHandlerModule(module)) throw new Error(`functions/${spec.entry} exports no handler`);
      const owner = loadedFor.get(module);
      if (owner && owner !== twin)
        throw new Error(`functions/${spec.entry} was loaded for another twin and this runtime keeps one instance: one twin per process`);
      loadedFor.set(module, twin);
      instances.modules.set(spec.entry, module);
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
