import { AsyncLocalStorage } from 'node:async_hooks';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { serviceError, TwinServiceError } from '../errors';
import type { ServiceName } from '../sdk-models';
import type { Input } from '../util';
import { REQUIREMENTS, type Requirement, requestTagContext, type ResourceFacts } from './requirements';
import type { IamView, PolicyDocument, RoleView } from './template-view';

/** Who makes a call: the role a Lambda function, a state machine, a schedule or a rule runs as, and its session. */
export interface Principal {
  readonly role: string;
  readonly session: string;
}

const principals = new AsyncLocalStorage<Principal>();

/** Runs `fn` as `principal`: every twin call it makes (however deep in its promises) is authorized as that role. */
export function runAs<T>(principal: Principal, fn: () => T): T {
  return principals.run(principal, fn);
}

/** Runs `fn` as nobody in particular (the operator at a console, the test harness): its calls are not evaluated. */
export function runAsOperator<T>(fn: () => T): T {
  return principals.exit(fn);
}

export const currentPrincipal = (): Principal | undefined => principals.getStore();

/** One refused request, for the report and for tests. */
export interface Refusal {
  readonly at: string;
  readonly principal: string;
  readonly call: string;
  readonly action: string;
  readonly resource: string;
  readonly message: string;
}

/** Resource types (Service Authorization Reference) of the permissions {@link Iam.check} evaluates. */
const CHECKED_TYPES: Readonly<Record<string, string>> = { 'lambda:InvokeFunction': 'function', 'states:StartExecution': 'statemachine' };

/** IAM's refusal text (IAM User Guide, "Troubleshoot access denied error messages"); no resource for `*` actions. */
function notAuthorized(who: string, action: string, resource: string | undefined, explicit: boolean): string {
  const on = resource === undefined ? '' : ` on resource: ${resource}`;
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${who} is not authorized to perform: ${action}${on} ${why}`;
}

/** A session's ARN as AWS prints it in a refusal. */
const sessionArn = (account: string, role: RoleView | undefined, principal: Principal): string =>
  `arn:aws:sts::${account}:assumed-role/${role?.name ?? principal.role.split('/').pop()}/${principal.session}`;

/** What each service answers an IAM refusal with: code, whether SDK v3 models it, HTTP status (FIDELITY.md, with sources). */
const ACCESS_DENIED: Readonly<Record<ServiceName, { readonly name: string; readonly modeled: boolean; readonly status: number }>> = {
  rds: { name: 'AccessDenied', modeled: false, status: 403 },
  elasticache: { name: 'AccessDenied', modeled: false, status: 403 },
  route53: { name: 'AccessDenied', modeled: false, status: 403 },
  cloudwatch: { name: 'AccessDenied', modeled: false, status: 403 },
  s3: { name: 'AccessDenied', modeled: true, status: 403 },
  sns: { name: 'AuthorizationErrorException', modeled: true, status: 403 },
  ecs: { name: 'AccessDeniedException', modeled: true, status: 400 },
  ssm: { name: 'AccessDeniedException', modeled: true, status: 400 },
  servicequotas: { name: 'AccessDeniedException', modeled: true, status: 400 },
  dynamodb: { name: 'AccessDeniedException', modeled: false, status: 400 },
  secretsmanager: { name: 'AccessDeniedException', modeled: false, status: 400 },
  applicationautoscaling: { name: 'AccessDeniedException', modeled: false, status: 400 },
  sfn: { name: 'AccessDeniedException', modeled: false, status: 400 },
};

function withStatus(error: Error, status: number): Error {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  if (metadata) metadata.httpStatusCode = status;
  return error;
}

/**
 * IAM as AWS evaluates it for one deployment: each call made as a principal
 * is allowed or refused by the policies CDK synthesized for that role (and,
 * for S3 objects and KMS keys, by the bucket or key policy), evaluated by
 * `@cloud-copilot/iam-simulate` over the Service Authorization Reference.
 * A call is authorized for every resource it involves ({@link REQUIREMENTS}),
 * before the service changes anything; a refusal is the service's own error.
 */
export class Iam {
  readonly refusals: Refusal[] = [];
  /** Per API call authorized, the resource types and a sample ARN of each, for the test against the Service Authorization Reference. */
  readonly observed = new Map<string, Map<string, { readonly action: string; readonly resource: string }>>();
  /** Refusals a test provoked on purpose (see {@link expectRefusals}); any other fails the test file that made it. */
  private readonly expected: ((refusal: Refusal) => boolean)[] = [];
  /** Each service:action called outside any principal (the harness, an operator at a console): not evaluated. */
  readonly operatorActions = new Set<string>();
  /**
   * Calls evaluated, requirements checked, evaluations run (the rest were memoized), and ms spent authorizing
   * (summed per call, waits included: concurrent calls overlap).
   */
  readonly stats = { calls: 0, requirements: 0, evaluations: 0, ms: 0, operatorCalls: 0 };
  private readonly memo = new Map<string, Promise<EvaluationOutcome>>();
  /** Evaluate every request even when memoized, and fail on a memoized outcome that differs (a test of the memo). */
  verifyMemo = false;
  /** Requests whose memoized outcome was checked against a fresh evaluation. */
  memoVerified = 0;
  private readonly documentIds = new WeakMap<object, number>();
  private documents = 0;

  constructor(
    readonly view: IamView,
    readonly account: string,
    private readonly bucketPolicy: (bucket: string) => PolicyDocument | undefined,
    private readonly now: () => string,
    /** Registers real I/O with the virtual clock: the evaluation reads the Service Authorization Reference from disk. */
    private readonly track: <T>(work: Promise<T>) => Promise<T> = (work) => work,
  ) {}

  role(arn: string): RoleView | undefined {
    return this.view.roles[arn];
  }

  /** Whether `principal` may do `action` on `resource` (with a resource policy that counts too). */
  async allows(principal: Principal, requirement: Requirement, resourcePolicy?: PolicyDocument): Promise<EvaluationOutcome> {
    const role = this.view.roles[principal.role];
    if (!role) return { allowed: false, explicit: false };
    // Two requests with the same role, action, resource type, context and matching statements are decided alike:
    // the statements whose Action and Resource match stand in for the resource itself (statementsMatching).
    const matching = statementsMatching(
      [...role.policies.map((p) => p.document), ...(resourcePolicy ? [resourcePolicy] : [])],
      requirement,
    );
    const key = JSON.stringify([
      principal.role,
      requirement.action,
      requirement.resourceType,
      this.documentId(resourcePolicy),
      ...(matching
        ? // Only the context keys those statements' conditions read can change the decision.
          [matching.ids, Object.entries(requirement.context ?? {}).filter(([k]) => matching.conditionKeys.has(k.toLowerCase()))]
        : // A shape the signature cannot stand for: the request itself is the key.
          [requirement.resource, requirement.context]),
    ]);
    let outcome = this.memo.get(key);
    if (!outcome || this.verifyMemo) {
      const evaluated = this.track(this.evaluate(role, principal, requirement, resourcePolicy));
      if (outcome && this.verifyMemo) this.verifyMemoized(requirement, await outcome, await evaluated);
      outcome = evaluated;
      this.memo.set(key, outcome);
    }
    return outcome;
  }

  /**
   * Authorizes a call of `service`'s `action` by the current principal;
   * throws the service's refusal, naming the action and the resource.
   * Calls made outside any principal (the harness, an operator) pass.
   */
  async authorize(service: ServiceName, action: string, region: string, input: Input, facts: ResourceFacts): Promise<void> {
    const principal = currentPrincipal();
    if (!principal) {
      this.stats.operatorCalls += 1;
      this.operatorActions.add(`${service}:${action}`);
      return;
    }
    const rule = REQUIREMENTS[service][action];
    if (!rule) throw new Error(`twin bug: no IAM requirements for ${service}:${action}`);
    const started = performance.now();
    this.stats.calls += 1;
    try {
      // Request keys (the tags a create carries) hold for every resource the request involves.
      const requestContext = requestTagContext(input, service === 'rds');
      const requirements = rule(region, input, facts).map((each) => ({ ...each, context: { ...requestContext, ...each.context } }));
      // Everything the call involves is on record, also what a refusal leaves unevaluated (the reference check reads it).
      for (const requirement of requirements) this.observe(`${service}:${action}`, requirement);
      for (const requirement of requirements) {
        this.stats.requirements += 1;
        const resourcePolicy = requirement.kms
          ? this.view.keyPolicies[requirement.resource]
          : requirement.bucket
            ? this.bucketPolicy(requirement.bucket)
            : undefined;
        const outcome =
          requirement.kms && !resourcePolicy
            ? { allowed: false, explicit: false }
            : await this.allows(principal, requirement, resourcePolicy);
        if (!outcome.allowed) throw this.refuse(service, action, principal, requirement, outcome.explicit);
      }
    } finally {
      this.stats.ms += performance.now() - started;
    }
  }

  /**
   * A start of state machine `file` in `region` by a deployed EventBridge Scheduler schedule or EventBridge rule (a rule
   * only for an event its pattern `matches`): there must be one, and its role must be allowed to start the machine.
   * Throws naming why not (in AWS nothing starts and the invocation counts as failed).
   */
  async authorizeStart(kind: 'schedule' | 'rule', region: string, file: string, matches: (pattern: unknown) => boolean = () => true) {
    const service = kind === 'schedule' ? 'EventBridge Scheduler' : 'EventBridge';
    const machine = this.view.stateMachines[`${region}/${file}`];
    const invoker = this.view.invokers.find(
      (i) => i.kind === kind && i.region === region && i.target === machine?.arn && matches(i.pattern),
    );
    if (!machine || !invoker) throw new Error(`No ${service} ${kind} the app deploys in ${region} starts the ${file} state machine here`);
    const principal = { role: invoker.role, session: kind === 'schedule' ? 'scheduler' : 'events' };
    const refused = await this.check(
      principal,
      'states:StartExecution',
      machine.arn,
      `${kind === 'schedule' ? 'scheduler' : 'events'}:target`,
    );
    if (refused) throw new Error(`${service} could not start ${file}: ${refused}`);
  }

  /** Marks refusals matching `predicate` as provoked on purpose by a test. */
  expectRefusals(predicate: (refusal: Refusal) => boolean): void {
    this.expected.push(predicate);
  }

  /** Refusals no test asked for: a policy the product deploys lacks a permission its code uses. */
  unexpectedRefusals(): Refusal[] {
    return this.refusals.filter((r) => !this.expected.some((p) => p(r)));
  }

  private observe(call: string, requirement: Requirement): void {
    let types = this.observed.get(call);
    if (!types) this.observed.set(call, (types = new Map()));
    if (!types.has(requirement.resourceType))
      types.set(requirement.resourceType, { action: requirement.action, resource: requirement.resource });
  }

  /**
   * Checks a permission the twin's services do not serve themselves (Lambda's
   * InvokeFunction, Step Functions' StartExecution): the refusal's message, or
   * undefined when allowed.
   */
  async check(principal: Principal, action: string, resource: string, call: string): Promise<string | undefined> {
    this.stats.calls += 1;
    this.stats.requirements += 1;
    const started = performance.now();
    const requirement = { action, resource, resourceType: CHECKED_TYPES[action] ?? '' };
    this.observe(call, requirement);
    const outcome = await this.allows(principal, requirement);
    this.stats.ms += performance.now() - started;
    if (outcome.allowed) return undefined;
    const who = sessionArn(this.account, this.view.roles[principal.role], principal);
    const message = notAuthorized(who, action, resource, outcome.explicit);
    this.refusals.push({ at: this.now(), principal: who, call, action, resource, message });
    return message;
  }

  private refuse(service: ServiceName, call: string, principal: Principal, requirement: Requirement, explicit: boolean): Error {
    const who = sessionArn(this.account, this.view.roles[principal.role], principal);
    // SNS prints its prefix upper-case and S3 quotes the ARN (FIDELITY.md, IAM refusals, with sources).
    const action = service === 'sns' ? requirement.action.replace(/^sns:/, 'SNS:') : requirement.action;
    const arn = service === 's3' ? `"${requirement.resource}"` : requirement.resource;
    let message = notAuthorized(who, action, requirement.resource === '*' ? undefined : arn, explicit);
    let error: Error;
    if (requirement.kms && service === 'rds') {
      // RDS reports a key it may not use as KMSKeyNotAccessibleFault (botocore rds model; texts from
      // awslabs/rds-snapshot-tool#70 and awslabs/aurora-snapshot-tool#29).
      message =
        `The ${requirement.kms.reason} KMS key [${requirement.resource}] does not exist, is not enabled ` +
        'or you do not have permissions to access it.';
      error = serviceError('rds', 'KMSKeyNotAccessibleFault', message);
    } else if (requirement.kms && service === 'sns') {
      message = `User: ${who} is not authorized to perform: ${requirement.action} on resource: ${requirement.resource} (KMS access denied)`;
      error = serviceError('sns', 'KMSAccessDeniedException', message);
    } else if (requirement.kms && service === 'secretsmanager') {
      message = 'Access to KMS is not allowed';
      error = new TwinServiceError('secretsmanager', 'AccessDeniedException', message, false);
    } else {
      const denied = ACCESS_DENIED[service];
      error = withStatus(
        denied.modeled ? serviceError(service, denied.name, message) : new TwinServiceError(service, denied.name, message, false),
        denied.status,
      );
    }
    this.refusals.push({
      at: this.now(),
      principal: who,
      call: `${service}:${call}`,
      action: requirement.action,
      resource: requirement.resource,
      message,
    });
    return error;
  }

  private verifyMemoized(requirement: Requirement, memoized: EvaluationOutcome, evaluated: EvaluationOutcome): void {
    this.memoVerified += 1;
    if (memoized.allowed !== evaluated.allowed || memoized.explicit !== evaluated.explicit) {
      throw new Error(`twin bug: the IAM memo decided ${requirement.action} on ${requirement.resource} unlike a fresh evaluation`);
    }
  }

  private documentId(document: object | undefined): number {
    if (!document) return 0;
    let id = this.documentIds.get(document);
    if (!id) this.documentIds.set(document, (id = ++this.documents));
    return id;
  }

  private async evaluate(
    role: RoleView,
    principal: Principal,
    requirement: Requirement,
    resourcePolicy?: PolicyDocument,
  ): Promise<EvaluationOutcome> {
    this.stats.evaluations += 1;
    const simulation: Simulation = {
      request: {
        principal: role.arn,
        action: requirement.action,
        resource: { resource: requirement.resource, accountId: this.account },
        // The SDK calls over HTTPS, from the role's session.
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': role.arn, ...requirement.context },
      },
      identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') {
      throw new Error(
        `twin bug: IAM simulation of ${requirement.action} on ${requirement.resource} for ${principal.role} failed: ` +
          result.errors.message,
      );
    }
    return { allowed: result.overallResult === 'Allowed', explicit: result.overallResult === 'ExplicitlyDenied' };
  }
}

export interface EvaluationOutcome {
  readonly allowed: boolean;
  readonly explicit: boolean;
}

/** IAM's wildcards: `*` any run of characters, `?` exactly one (IAM User Guide, "IAM JSON policy elements: Resource"). */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = WILDCARDS.get(key);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    WILDCARDS.set(key, (regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')));
  }
  return regex.test(value);
}

const WILDCARDS = new Map<string, RegExp>();

/**
 * An ARN against a Resource pattern, segment by segment: partition, service, region and account each on their own,
 * the resource part (which may hold ':' and '/') as a whole; `*` alone matches everything.
 */
function resourceMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const split = (text: string) => {
    const parts = text.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const [p, a] = [split(pattern), split(arn)];
  // Partition, service, region and account compare without case, as the simulator compares them.
  return p.length === a.length && p.every((segment, i) => wildcard(segment, a[i], i < 5));
}

/**
 * Which statements of `documents` apply to the request by their Action/NotAction and Resource/NotResource: the part
 * of the decision that depends on the resource's ARN. With the same role, action, resource type and context, requests
 * that match the same statements are decided alike; the drill test evaluates every request afresh to hold this.
 */
function statementsMatching(
  documents: readonly PolicyDocument[],
  requirement: Requirement,
): { ids: string[]; conditionKeys: Set<string> } | undefined {
  const list = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map(String));
  // Shapes where this matcher and the simulator's could part: a wildcard in the request's ARN (the simulator matches
  // overlaps), policy variables (`${aws:...}`) anywhere in a statement, short resource patterns (the simulator pads
  // them). Such requests are memoized by themselves.
  const short = (pattern: string) => pattern !== '*' && pattern.split(':').length < 6;
  if (
    requirement.resource.includes('*') ||
    documents.some(
      (d) =>
        JSON.stringify(d.Statement).includes('${') || d.Statement.some((st) => [...list(st.Resource), ...list(st.NotResource)].some(short)),
    )
  ) {
    return undefined;
  }
  const matched: string[] = [];
  const conditionKeys = new Set<string>();
  documents.forEach((document, d) =>
    document.Statement.forEach((statement, i) => {
      const actions = list(statement.Action);
      const notActions = list(statement.NotAction);
      const actionApplies = actions.length
        ? actions.some((a) => wildcard(a, requirement.action, true))
        : notActions.length > 0 && !notActions.some((a) => wildcard(a, requirement.action, true));
      if (!actionApplies) return;
      const resources = list(statement.Resource);
      const notResources = list(statement.NotResource);
      const resourceApplies = resources.length
        ? resources.some((r) => resourceMatches(r, requirement.resource))
        : notResources.length > 0
          ? !notResources.some((r) => resourceMatches(r, requirement.resource))
          : true;
      if (!resourceApplies) return;
      matched.push(`${d}.${i}`);
      const condition = statement.Condition;
      if (typeof condition === 'object' && condition !== null) {
        for (const byKey of Object.values(condition)) {
          if (typeof byKey === 'object' && byKey !== null) for (const k of Object.keys(byKey)) conditionKeys.add(k.toLowerCase());
        }
      }
    }),
  );
  return { ids: matched, conditionKeys };
}
