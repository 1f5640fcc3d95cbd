import type { LatencyKey } from '../../contracts/aws-timings';
import type { LifelineConfig } from '../../contracts/config/schema';
import { databaseParameterName, type Inventory } from '../../contracts/inventory';
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

export type { ControlPlaneResources } from './seeding';

export interface TwinOptions extends SeedOptions {
  readonly start?: Date;
  readonly latency?: Partial<Record<LatencyKey, number>>;
  readonly faults?: readonly FaultSpec[];
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
    this.heartbeats = new Heartbeats(this, () => this.deployment?.controlPlane.ledgerTable);
    this.rds.beforeClone = (instance) => this.heartbeats.writeDue(instance);
    this.dynamodb.beforeRead = (pk) => this.heartbeats.beforeLedgerRead(pk);
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
    await this.core.dataPlane.start();
    try {
      this.deployment = await seedDeployment(this, this.options, {
        startLoadBalancer: (region) => this.loadBalancers.start(region),
        healthy: (region) => this.healthOf(region).healthy,
      });
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
    const n = workloadNames(this.core, this.config, region);
    return applicationHealth({
      region,
      regionDown: this.core.regionDown(region),
      runningTasks: this.ecs.runningCount(region, n.cluster, n.service),
      database: this.appDatabase(region),
      now: this.clock.now(),
    });
  }
}
