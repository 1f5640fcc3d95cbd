import { VirtualClock } from './clock';
import { DataPlane } from './data-plane';
import { serviceError, throttlingError, TwinServiceError } from './errors';
import { FaultPlan, type FaultSpec } from './faults';
import { type CallOrigin, ModelChecker } from './models/check';
import { profileWith, type LatencyKey, type LatencyProfile } from '../../contracts/aws-timings';
import { SERVICE_MODELS, type ServiceName } from './sdk-models';
import type { Input } from './util';

export const TWIN_ACCOUNT = '111122223333';

export type MutationKind = 'create' | 'delete' | 'modify';

/** One change the twin made, in virtual time: what tests and reports read. */
export interface Mutation {
  readonly at: string;
  readonly region: string;
  readonly service: ServiceName;
  readonly action: string;
  readonly kind: MutationKind;
  readonly resource: string;
}

/** One call the twin answered (or failed), for reports and call-count assertions. */
export interface CallRecord {
  readonly at: string;
  readonly region: string;
  readonly service: ServiceName;
  readonly action: string;
  readonly error?: string;
}

/** An EventBridge event the twin emitted (e.g. CloudWatch Alarm State Change). */
export interface TwinEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

export type ActionHandler = (region: string, input: Input) => Promise<object> | object;

/** Authorizes a call (IAM) before the service sees it; throws the service's refusal. */
export type Authorizer = (service: ServiceName, action: string, region: string, input: Input) => Promise<void>;

/** A simulated service: its actions by SDK command name (without "Command"). */
export interface TwinService {
  readonly name: ServiceName;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  /**
   * A global service's control plane is in one region whatever region the client names (Route 53's and IAM's in
   * us-east-1): its calls go there, are logged there, and fail when that region is down. Its data plane (DNS
   * answers, health checks) is not called through the SDK and goes on.
   */
  readonly controlPlaneRegion?: string;
}

export interface AwsCoreOptions {
  readonly regions: readonly string[];
  readonly start?: Date;
  readonly latency?: Partial<Record<LatencyKey, number>>;
  readonly faults?: readonly FaultSpec[];
  /** Check every request and response against the service model (models/check.ts). On unless false. */
  readonly checkModels?: boolean;
}

/**
 * The core of the simulated AWS, which every service twin plugs into: the
 * virtual clock, the latency profile, faults, the mutation and call logs, the
 * event bus and the PostgreSQL data plane. `call` is the one entry point to
 * the registered services, used both by SDK clients (intercepted in
 * aws-services.ts) and by the runner's `aws-sdk:*` tasks.
 */
export class AwsCore {
  readonly clock: VirtualClock;
  readonly dataPlane: DataPlane;
  readonly profile: LatencyProfile;
  readonly faults = new FaultPlan();
  readonly mutations: Mutation[] = [];
  readonly calls: CallRecord[] = [];
  readonly events: TwinEvent[] = [];
  /** Calls checked against the service models, the violations found and the time spent checking. */
  readonly modelChecks: ModelChecker;
  readonly regions: readonly string[];
  /** Tasks waiting on a task token (`.waitForTaskToken`), by token. */
  readonly taskTokens = new Map<string, { succeed: (output: unknown) => void; fail: (error: string, cause: string) => void }>();
  /** IAM, once the deployment's policies are known (iam/authorizer.ts); until then calls are not authorized. */
  authorizer?: Authorizer;
  private readonly services = new Map<ServiceName, TwinService>();
  private readonly eventListeners: ((event: TwinEvent) => void)[] = [];
  private eventCounter = 0;

  constructor(options: AwsCoreOptions) {
    if (options.regions.length < 1) throw new Error('A twin needs at least one region');
    this.regions = [...options.regions];
    this.clock = new VirtualClock(options.start);
    this.dataPlane = new DataPlane(this.clock);
    this.profile = profileWith(options.latency);
    this.modelChecks = new ModelChecker(options.checkModels ?? true);
    for (const fault of options.faults ?? []) this.faults.add(fault, this.clock.now());
  }

  register(service: TwinService): void {
    this.services.set(service.name, service);
  }

  seconds(key: LatencyKey): number {
    return this.profile[key].seconds;
  }

  /** Virtual time `key` from now, in ms since the epoch. */
  after(key: LatencyKey, factor = 1): number {
    return this.clock.now() + this.profile[key].seconds * 1000 * factor;
  }

  arn(service: string, region: string, resource: string): string {
    return `arn:aws:${service}:${region}:${TWIN_ACCOUNT}:${resource}`;
  }

  /** Who watches changes as they happen (an operator reading the ledger, in the tests and the drill). */
  readonly mutationObservers: ((mutation: Mutation) => void)[] = [];

  mutate(region: string, service: ServiceName, action: string, kind: MutationKind, resource: string): void {
    const mutation = { at: this.clock.iso(), region, service, action, kind, resource };
    this.mutations.push(mutation);
    for (const observe of this.mutationObservers) observe(mutation);
  }

  emit(event: Omit<TwinEvent, 'version' | 'id' | 'account' | 'time'>): TwinEvent {
    this.eventCounter += 1;
    const full: TwinEvent = {
      version: '0',
      id: `twin-event-${this.eventCounter}`,
      account: TWIN_ACCOUNT,
      time: this.clock.iso(),
      ...event,
    };
    this.events.push(full);
    for (const listener of this.eventListeners) listener(full);
    return full;
  }

  onEvent(listener: (event: TwinEvent) => void): void {
    this.eventListeners.push(listener);
  }

  regionDown(region: string): boolean {
    return this.faults.regionDown(region, this.clock.now());
  }

  outageStart(region: string): number | undefined {
    return this.faults.outageStart(region, this.clock.now());
  }

  private assertRegion(service: ServiceName, region: string): void {
    if (!this.regions.includes(region)) {
      throw new TwinServiceError(
        service,
        'UnrecognizedClientException',
        `The twin has no region ${region} (it simulates ${this.regions.join(', ')})`,
        false,
      );
    }
  }

  /**
   * Calls `action` of `service` in `region` with an SDK v3 input, or with a
   * Step Functions task's parameters (`origin` 'stepFunctions', mapped to the
   * SDK's members through the model). Both are checked against the model
   * before the service sees them, and the service's output after.
   */
  async call(serviceName: ServiceName, action: string, region: string, input: Input, origin: CallOrigin = 'sdk'): Promise<object> {
    const service = this.services.get(serviceName);
    const handler = service?.actions[action];
    const endpoint = service?.controlPlaneRegion ?? region;
    const record = (error?: string) => this.calls.push({ at: this.clock.iso(), region: endpoint, service: serviceName, action, error });
    if (!service || !handler) {
      record('NotImplementedInTwin');
      throw new Error(`The twin does not implement ${serviceName}:${action}`);
    }
    try {
      if (!service.controlPlaneRegion) this.assertRegion(serviceName, region);
      await this.clock.sleep(this.seconds('apiCall') * 1000);
      if (this.regionDown(endpoint)) {
        throw new TwinServiceError(
          serviceName,
          'ServiceUnavailable',
          `${endpoint} is unreachable (simulated region outage${endpoint === region ? '' : `: ${serviceName}'s control plane is there`})`,
          false,
          'server',
        );
      }
      const request = this.modelChecks.request(serviceName, action, input, origin);
      // IAM refuses before the service changes anything (and before it could be throttled).
      await this.authorizer?.(serviceName, action, region, request);
      const fault = this.faults.take(serviceName, action, region);
      if (fault?.kind === 'throttle') throw throttlingError(serviceName);
      if (fault?.kind === 'fail') {
        const known = SERVICE_MODELS[serviceName].module[fault.error ?? ''];
        throw typeof known === 'function'
          ? serviceError(serviceName, fault.error ?? '', fault.message ?? 'Injected fault')
          : new TwinServiceError(serviceName, fault.error ?? 'InternalFailure', fault.message ?? 'Injected fault', false);
      }
      if (fault?.kind === 'delay') await this.clock.sleep((fault.seconds ?? 0) * 1000);
      const output = await handler(region, request);
      this.modelChecks.response(serviceName, action, output);
      record();
      return { ...output, $metadata: { httpStatusCode: 200, requestId: `twin-${this.calls.length}` } };
    } catch (error) {
      record(error instanceof Error ? error.name : String(error));
      throw error;
    }
  }
}
