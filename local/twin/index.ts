import type { LatencyKey } from '../../contracts/aws-timings';
import type { LifelineConfig } from '../../contracts/config/schema';
import { databaseIdOf, databaseParameterName, type Inventory } from '../../contracts/inventory';
import { AwsServices } from './aws-services';
import type { FaultSpec } from './faults';
import { applicationHealth, type Health } from './health';
import { Heartbeats } from './heartbeats';
import { trackRealIo } from './io-tracking';
import { LoadBalancers } from './load-balancers';
import {
  type ControlPlaneResources,
  insertSampleOrders,
  seedDeployment,
  type SeededDeployment,
  type SeedOptions,
  workloadNames,
} from './seeding';
import type { DbInstance } from './services/rds';
import { TWIN_ACCOUNT } from './aws-core';
import { Iam, runAs } from './iam/authorizer';
import { taggedResource, twinResourceFacts } from './iam/facts';
import { iamViewFor } from './iam/policy-cache';
import type { IamView } from './iam/template-view';

export type { ControlPlaneResources } from './seeding';

const STARTED = Symbol.for('lifeline.twins.started');

/**
 * Every twin this process started, on a global symbol so the tests' IAM check (test/support/iam-refusals.ts) reads
 * their refusals without loading the twin into test files that never start one.
 */
export function startedTwins(): Set<Twin> {
  const global = globalThis as { [STARTED]?: Set<Twin> };
  global[STARTED] ??= new Set();
  return global[STARTED];
}

export interface TwinOptions extends SeedOptions {
  readonly start?: Date;
  readonly latency?: Partial<Record<LatencyKey, number>>;
  readonly faults?: readonly FaultSpec[];
  /**
   * Authorize every call a principal makes with the policies CDK synthesizes for this configuration
   * (iam/authorizer.ts). On unless false.
   */
  readonly iam?: boolean;
  /** Evaluate every IAM request afresh and fail on a memoized decision that differs (tests of the memo). */
  readonly verifyIamMemo?: boolean;
}

/**
 * The local twin of AWS for one Lifeline deployment: the simulated AWS
 * services (which it extends) in the configured primary and DR regions,
 * seeded with the sample application, a real PostgreSQL behind every DB
 * instance, the heartbeats the application writes, and a loopback HTTP
 * "load balancer" per region whose /health answers from the twin's state.
 */
export class Twin extends AwsServices {
  readonly config: LifelineConfig;
  private readonly heartbeats: Heartbeats;
  private readonly loadBalancers: LoadBalancers;
  private deployment?: SeededDeployment;
  /** IAM of this deployment, once started (unless turned off). */
  iam?: Iam;
  private readonly retired: Iam[] = [];
  private restoreSdk?: () => void;
  private started = false;

  constructor(private readonly options: TwinOptions) {
    super({
      regions: [options.config.regions.primary, options.config.regions.dr],
      start: options.start,
      latency: options.latency,
      faults: options.faults,
    });
    this.config = options.config;
    this.rds.engineVersion = options.config.database.engineVersion;
    this.heartbeats = new Heartbeats(
      this,
      () => this.deployment?.controlPlane.ledgerTable,
      () =>
        (['primary', 'dr'] as const).flatMap((role) => {
          const inventory = this.deployment?.inventory;
          return inventory ? [{ region: inventory[role].region, id: databaseIdOf(inventory, role) }] : [];
        }),
    );
    this.rds.beforeClone = (instance) => this.heartbeats.writeDue(instance);
    this.core.dataPlane.beforeWrite = () => this.heartbeats.writeAllDue();
    this.dynamodb.beforeRead = (pk) => this.heartbeats.beforeLedgerRead(pk);
    // A function about to connect to a database sees the heartbeats written up to now, as it would in AWS.
    this.secrets.beforeRead = async (name) => {
      if (name === this.deployment?.inventory.databaseSecretId) await this.heartbeats.writeAllDue();
    };
    this.loadBalancers = new LoadBalancers(options.config.service.healthCheckPath, (region) => this.healthOf(region));
  }

  get primaryRegion(): string {
    return this.config.regions.primary;
  }

  get drRegion(): string {
    return this.config.regions.dr;
  }

  /** What the control plane protects, as seeded; the twin must have been started. */
  get inventory(): Inventory {
    return this.seeded().inventory;
  }

  /** The control plane's ledger table and topics, as seeded; the twin must have been started. */
  get controlPlane(): ControlPlaneResources {
    return this.seeded().controlPlane;
  }

  private seeded(): SeededDeployment {
    if (!this.deployment) throw new Error('The twin has not been started');
    return this.deployment;
  }

  /** Boots PostgreSQL, seeds both regions, starts the load balancers and intercepts the SDK. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    startedTwins().add(this);
    await this.core.dataPlane.start();
    try {
      this.deployment = await seedDeployment(this, this.options, {
        startLoadBalancer: (region) => this.loadBalancers.start(region),
        healthy: (region) => this.healthOf(region).healthy,
      });
      await this.applyDeployment();
      const restoreSdk = this.interceptSdk();
      const restoreIo = trackRealIo(this.clock);
      this.restoreSdk = () => {
        restoreIo();
        restoreSdk();
      };
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Reads what CDK synthesizes for this configuration (cached per configuration): tags the seeded databases
   * and caches as deployed, attaches the bucket policies and, unless turned off, authorizes every call with IAM.
   */
  private async applyDeployment(): Promise<void> {
    const view = await iamViewFor(this.config);
    for (const [bucket, policy] of Object.entries(view.bucketPolicies)) this.s3.attachPolicy(bucket, policy);
    for (const [arn, tags] of Object.entries(view.resourceTags)) this.tagSeeded(arn, tags);
    if (this.options.iam !== false) this.authorizeWith(view);
  }

  /**
   * Authorizes every call from now on with `view`'s policies: the deployment's, or (in tests) a copy with one
   * permission taken away, to show what AWS would refuse.
   */
  authorizeWith(view: IamView): void {
    const iam = new Iam(
      view,
      TWIN_ACCOUNT,
      (bucket) => this.s3.bucketPolicy(bucket),
      () => this.clock.iso(),
      (work) => this.clock.track(work),
    );
    iam.verifyMemo = this.options.verifyIamMemo ?? false;
    const facts = twinResourceFacts(this, view, TWIN_ACCOUNT);
    this.core.authorizer = (service, action, region, input) => iam.authorize(service, action, region, input, facts);
    // The refusals of the IAM it replaces stay on record for the tests' check.
    if (this.iam) this.retired.push(this.iam);
    this.iam = iam;
  }

  /**
   * Runs `fn` as the deployed function `construct` of `region` (e.g. `RestoreVerificationSweeperFunction`): its calls
   * are authorized with that function's execution role, as when a schedule invokes it in AWS.
   */
  asFunction<T>(construct: string, region: string, fn: () => T): T {
    if (!this.iam) return fn();
    const deployed = Object.values(this.iam.view.functions).find((f) => f.construct === construct && f.region === region);
    if (!deployed) throw new Error(`The app deploys no function ${construct} in ${region}`);
    return runAs({ role: deployed.role, session: construct }, fn);
  }

  /** Every IAM this twin authorized with (the current one last). */
  get iams(): Iam[] {
    return [...this.retired, ...(this.iam ? [this.iam] : [])];
  }

  private tagSeeded(arn: string, tags: Readonly<Record<string, string>>): void {
    const resource = taggedResource(this, arn);
    if (resource) resource.tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  }

  /** Stops everything it started; safe to call twice and on a half-started twin. */
  async stop(): Promise<void> {
    this.restoreSdk?.();
    this.restoreSdk = undefined;
    await this.loadBalancers.stop();
    await this.elasticache.stopEndpoints();
    await this.core.dataPlane.stop();
    this.started = false;
  }

  /** Writes `rows` sample orders at the current virtual time. */
  async writeSampleRows(rows: number, customer = 'sample'): Promise<void> {
    const db = this.appDatabase(this.primaryRegion);
    if (!db) throw new Error('The primary database is not available');
    await insertSampleOrders(this.core, db, rows, customer);
  }

  /** The application writes to its database in the primary region (a release's migration, a job): SQL at the current virtual time. */
  async applicationWrite(sql: string, params: unknown[] = []): Promise<number> {
    const db = this.appDatabase(this.primaryRegion);
    if (!db?.physical) throw new Error('The primary database is not available');
    return (await this.core.dataPlane.query(db.physical, sql, params)).rowCount ?? 0;
  }

  /** The DB instance the application in `region` uses (per its SSM parameter), if available. */
  appDatabase(region: string): DbInstance | undefined {
    const id = this.ssm.value(region, databaseParameterName(this.config.appName));
    if (!id || id === 'none') return undefined;
    return this.rds.instances.get(region)?.get(id);
  }

  /** Writes the heartbeats due in `instance`'s database (see {@link Heartbeats}). */
  writeHeartbeats(instance: DbInstance): Promise<void> {
    return this.heartbeats.writeDue(instance);
  }

  /** What the load balancer's /health in `region` reports. */
  healthOf(region: string): Health {
    const n = workloadNames(this.config, region);
    return applicationHealth({
      region,
      regionDown: this.core.regionDown(region),
      runningTasks: this.ecs.runningCount(region, n.cluster, n.service),
      database: this.appDatabase(region),
      now: this.clock.now(),
    });
  }
}
