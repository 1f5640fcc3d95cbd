import { serviceError, TwinServiceError } from '../errors';
import { operationModel, SERVICE_MODELS, type ServiceName } from '../sdk-models';
import type { Input } from '../util';
import { checkValue, fromStepFunctions, type Violation } from './values';

/**
 * Every call into the twin checked against AWS's own model (the schemas the
 * SDK v3 clients ship, read through models/shapes.ts): a request before the
 * service sees it, a response before the caller does.
 *
 * - A request the model refuses fails as the service fails a malformed
 *   request (`SERVICE_MODELS[service].malformedRequest`), naming the
 *   operation, each member path and the rule broken. From a Step Functions
 *   task, parameter names are Step Functions' (Java SDK v2) names, mapped to
 *   the SDK's members through the model; a name the model does not have is
 *   refused the same way (AWS refuses such a static key when the state machine
 *   is created; the twin, when the task runs).
 * - A response the model does not allow is a twin bug: {@link TwinModelViolation},
 *   thrown past Step Functions' error handling, unless the finding is on
 *   {@link RESPONSE_ALLOWLIST} (then counted and reported, not thrown).
 *
 * Covered: required members (requests), members the shape does not have, at
 * every level (structures, lists, maps, unions), member types (string,
 * number, boolean, timestamp, blob, list, map, structure, union) and enum
 * values (enums.json). Not covered: lengths, ranges and patterns (shipped
 * nowhere but in documentation comments, see models/shapes.ts), integer vs
 * floating point.
 */

/** A twin response the model does not allow: a bug in the twin, never an AWS error. */
export class TwinModelViolation extends Error {
  override readonly name = 'TwinModelViolation';
  /** aws-local-stepfunctions reads these: no Retry or Catch of a state machine may hide a twin bug (like AWS's States.Runtime). */
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(
    readonly service: ServiceName,
    readonly action: string,
    readonly violations: readonly Violation[],
  ) {
    super(`twin bug: ${service}:${action} returned a response its model does not allow: ${describeAll(violations)}`);
  }
}

export interface AllowlistEntry {
  readonly service: ServiceName;
  readonly action: string;
  /** The member path with list indices and map keys as `[]` (`DBInstances[].Foo`). */
  readonly path: string;
  readonly rule: Violation['rule'];
  /** Why it is tolerated for now, and who fixes it. */
  readonly why: string;
}

/**
 * TEMPORARY: twin responses known to break their model, reported instead of
 * thrown until the service modules are fixed. Every entry says why; remove
 * an entry with its fix. Nothing else may be tolerated.
 */
export const RESPONSE_ALLOWLIST: readonly AllowlistEntry[] = [];

export interface ModelFinding {
  readonly direction: 'request' | 'response';
  readonly service: ServiceName;
  readonly action: string;
  readonly path: string;
  readonly rule: Violation['rule'];
  readonly message: string;
  readonly allowlisted: boolean;
  count: number;
}

export type CallOrigin = 'sdk' | 'stepFunctions';

const describeAll = (violations: readonly Violation[]) => violations.map((v) => `'${v.path}': ${v.message} [${v.rule}]`).join('; ');
const generalPath = (path: string) => path.replace(/\[(\d+|"(?:[^"\\]|\\.)*")\]/g, '[]');

/** Counts every checked call and every finding, for tests ("no violation over the whole drill") and the report. */
export class ModelChecker {
  calls = 0;
  requestViolations = 0;
  responseViolations = 0;
  /** Real milliseconds spent checking (and mapping Step Functions parameters). */
  ms = 0;
  /** Distinct findings, by direction, operation, member path (indices generalised) and rule. */
  readonly findings: ModelFinding[] = [];

  constructor(
    readonly enabled = true,
    private readonly allowlist: readonly AllowlistEntry[] = RESPONSE_ALLOWLIST,
  ) {}

  /**
   * The SDK input for `action`: a command's input checked as it is, or Step
   * Functions parameters mapped to the SDK's members and checked. Throws the
   * service's malformed-request error when the model refuses it.
   */
  request(service: ServiceName, action: string, input: Input, origin: CallOrigin): Input {
    const started = performance.now();
    try {
      const model = operationModel(service, action);
      if (!model) return input;
      const violations: Violation[] = [];
      // Step Functions parameters are always mapped through the model; only the verdict depends on `enabled`.
      const sdkInput = origin === 'stepFunctions' ? (fromStepFunctions(model.input, input, '', violations) as Input) : input;
      if (!this.enabled) return sdkInput;
      this.calls += 1;
      if (origin === 'sdk') checkValue(model.input, input, '', 'request', violations);
      if (violations.length === 0) return sdkInput;
      this.requestViolations += violations.length;
      this.note('request', service, action, violations);
      throw malformedRequest(service, model.name, violations);
    } finally {
      this.ms += performance.now() - started;
    }
  }

  /** Checks a service's output; throws {@link TwinModelViolation} unless every finding is allowlisted. */
  response(service: ServiceName, action: string, output: object): void {
    const started = performance.now();
    try {
      const model = this.enabled ? operationModel(service, action) : undefined;
      if (!model) return;
      const violations: Violation[] = [];
      checkValue(model.output, output, '', 'response', violations);
      if (violations.length === 0) return;
      this.responseViolations += violations.length;
      const allowed = (v: Violation) =>
        this.allowlist.some((a) => a.service === service && a.action === action && a.rule === v.rule && a.path === generalPath(v.path));
      const thrown = violations.filter((v) => !allowed(v));
      this.note('response', service, action, violations, allowed);
      if (thrown.length > 0) throw new TwinModelViolation(service, action, thrown);
    } finally {
      this.ms += performance.now() - started;
    }
  }

  private note(
    direction: ModelFinding['direction'],
    service: ServiceName,
    action: string,
    violations: readonly Violation[],
    allowed: (v: Violation) => boolean = () => false,
  ): void {
    for (const v of violations) {
      const path = generalPath(v.path);
      const known = this.findings.find(
        (f) => f.direction === direction && f.service === service && f.action === action && f.path === path && f.rule === v.rule,
      );
      if (known) known.count += 1;
      else this.findings.push({ direction, service, action, path, rule: v.rule, message: v.message, allowlisted: allowed(v), count: 1 });
    }
  }
}

/** The service's own error for a malformed request, naming the operation, each member path and its rule. */
function malformedRequest(service: ServiceName, operation: string, violations: readonly Violation[]): Error {
  const { invalid, missing } = SERVICE_MODELS[service].malformedRequest;
  const name = missing && violations.every((v) => v.rule === 'required') ? missing : invalid;
  const count = violations.length;
  const message = `${count} validation error${count === 1 ? '' : 's'} detected in ${operation}: ${describeAll(violations)}`;
  const error =
    typeof SERVICE_MODELS[service].module[name] === 'function'
      ? serviceError(service, name, message)
      : new TwinServiceError(service, name, message, false);
  return Object.assign(error, { operation, violations });
}
