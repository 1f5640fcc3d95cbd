import { createServer, type Server } from 'node:http';
import Redis from 'ioredis';
import pg from 'pg';
import type { AddressInfo } from 'node:net';
import { ALARM_CATALOG, alarmTags } from '../../contracts/alarm-catalog';
import type { LifelineConfig } from '../../contracts/config/schema';
import { databaseParameterName, type Inventory, type RegionalWorkload } from '../../contracts/inventory';
import type { VirtualClock } from './clock';
import type { FaultSpec } from './faults';
import type { LatencyKey } from '../../contracts/aws-timings';
import { AutoScalingTwin } from './services/autoscaling';
import { CloudWatchTwin } from './services/cloudwatch';
import { DynamoDbTwin } from './services/dynamodb';
import { EcsTwin } from './services/ecs';
import { ElastiCacheTwin } from './services/elasticache';
import { RdsTwin, type DbInstance } from './services/rds';
import { Route53Twin } from './services/route53';
import { S3Twin } from './services/s3';
import { SecretsManagerTwin, ServiceQuotasTwin, SnsTwin, SsmTwin } from './services/small';
import { StepFunctionsTwin } from './services/states';
import { TwinCore } from './twin';
import { heartbeatRecord } from '../../functions/shared/ledger';
import { FARGATE_VCPU_QUOTA } from '../../contracts/dr-runbook';

export interface TwinOptions {
  readonly config: LifelineConfig;
  readonly start?: Date;
  readonly latency?: Partial<Record<LatencyKey, number>>;
  readonly faults?: readonly FaultSpec[];
  /** Sample rows written into the primary database at boot. @default 200 */
  readonly sampleRows?: number;
  /** Keys in the sample cache. @default 5000 */
  readonly cacheKeys?: number;
  /** Further databases and caches in the primary region, listed as additional backup targets (scale tests). */
  readonly additionalTargets?: { readonly databases: number; readonly caches: number };
}

export interface ControlPlaneResources {
  readonly ledgerTable: string;
  readonly topicArns: Record<string, string>;
}

/** Wraps `methods` of a prototype so the promises they return are tracked as real work; returns the restore. */
function trackPromiseMethods(prototype: object, methods: readonly string[], clock: VirtualClock): () => void {
  const target = prototype as Record<string, (...args: unknown[]) => unknown>;
  const originals = Object.fromEntries(methods.map((m) => [m, target[m]]));
  for (const method of methods) {
    const original = originals[method];
    target[method] = function tracked(this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      return result instanceof Promise ? clock.track(result) : result;
    };
  }
  return () => Object.assign(target, originals);
}

/** Tables of the sample application; rows carry `written_at` so replica lag can be simulated. */
const SAMPLE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, customer text NOT NULL, total_cents integer NOT NULL, written_at timestamptz NOT NULL);
  CREATE INDEX IF NOT EXISTS orders_written_at ON orders (written_at);
`;

/**
 * The local twin of AWS for one Lifeline deployment: the services the
 * control plane calls, in the configured primary and DR regions, seeded with
 * the sample application, a real PostgreSQL behind every DB instance, and a
 * loopback HTTP "load balancer" per region whose /health answers from the
 * twin's state.
 */
export class Twin {
  readonly core: TwinCore;
  readonly rds: RdsTwin;
  readonly ecs: EcsTwin;
  readonly elasticache: ElastiCacheTwin;
  readonly route53: Route53Twin;
  readonly cloudwatch: CloudWatchTwin;
  readonly secrets: SecretsManagerTwin;
  readonly ssm: SsmTwin;
  readonly sns: SnsTwin;
  readonly s3: S3Twin;
  readonly dynamodb: DynamoDbTwin;
  readonly autoscaling: AutoScalingTwin;
  readonly states: StepFunctionsTwin;
  readonly quotas: ServiceQuotasTwin;
  readonly config: LifelineConfig;
  inventory!: Inventory;
  controlPlane!: ControlPlaneResources;
  private readonly servers = new Map<string, Server>();
  private restoreSdk?: () => void;
  /** Virtual time up to which heartbeats have been written, per physical database. */
  private readonly heartbeatWritten = new Map<string, number>();
  private started = false;

  constructor(private readonly options: TwinOptions) {
    this.config = options.config;
    this.core = new TwinCore({
      regions: [options.config.regions.primary, options.config.regions.dr],
      start: options.start,
      latency: options.latency,
      faults: options.faults,
    });
    this.s3 = new S3Twin(this.core);
    this.rds = new RdsTwin(this.core);
    this.ecs = new EcsTwin(this.core);
    this.elasticache = new ElastiCacheTwin(this.core, this.s3);
    this.route53 = new Route53Twin(this.core);
    this.cloudwatch = new CloudWatchTwin(this.core);
    this.secrets = new SecretsManagerTwin(this.core);
    this.ssm = new SsmTwin(this.core);
    this.sns = new SnsTwin(this.core);
    this.dynamodb = new DynamoDbTwin(this.core);
    this.autoscaling = new AutoScalingTwin(this.core);
    this.states = new StepFunctionsTwin(this.core);
    this.quotas = new ServiceQuotasTwin(this.core);
    for (const service of [
      this.s3,
      this.rds,
      this.ecs,
      this.elasticache,
      this.route53,
      this.cloudwatch,
      this.secrets,
      this.ssm,
      this.sns,
      this.dynamodb,
      this.autoscaling,
      this.states,
      this.quotas,
    ])
      this.core.register(service);
    this.rds.beforeClone = (instance) => this.writeHeartbeats(instance);
    // The heartbeat function records its newest write in the ledger: bring the writes due up to date first.
    this.dynamodb.beforeRead = async (pk) => {
      const match = typeof pk === 'string' ? /^heartbeat#(.+)$/.exec(pk) : null;
      const instance = match ? [...this.rds.instances.values()].map((m) => m.get(match[1])).find((i) => i !== undefined) : undefined;
      if (instance) await this.writeHeartbeats(instance);
    };
    this.cloudwatch.addProvider((region, namespace, metric, dims) => {
      if (namespace !== 'AWS/RDS' || metric !== 'ReplicaLag') return undefined;
      const id = dims.find((d) => d.Name === 'DBInstanceIdentifier')?.Value;
      const instance = id ? this.rds.instances.get(region)?.get(id) : undefined;
      return instance ? this.rds.replicaLagSeconds(instance) : undefined;
    });
  }

  get clock() {
    return this.core.clock;
  }

  get primaryRegion(): string {
    return this.config.regions.primary;
  }

  get drRegion(): string {
    return this.config.regions.dr;
  }

  /** Boots PostgreSQL, seeds both regions, starts the load balancers and intercepts the SDK. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.core.dataPlane.start();
    try {
      await this.seed();
      const restoreSdk = this.core.interceptSdk();
      const restoreIo = this.trackRealIo();
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
    await Promise.all([...this.servers.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await this.elasticache.stopEndpoints();
    this.servers.clear();
    await this.core.dataPlane.stop();
    this.started = false;
  }

  /**
   * Handlers talk to PostgreSQL (pg), the cache endpoints (ioredis) and the
   * load balancers (fetch) for real. Their I/O is registered with the
   * virtual clock, so time cannot jump while a query or request is in flight.
   */
  private trackRealIo(): () => void {
    const clock = this.clock;
    const restores = [
      trackPromiseMethods(pg.Client.prototype, ['connect', 'query', 'end'], clock),
      trackPromiseMethods(Redis.prototype, ['connect', 'sendCommand'], clock),
    ];
    const originalFetch = globalThis.fetch;
    globalThis.fetch = (...args: Parameters<typeof fetch>) => clock.track(originalFetch(...args));
    return () => {
      for (const restore of restores) restore();
      globalThis.fetch = originalFetch;
    };
  }

  private names(region: string) {
    const app = this.config.appName;
    const role = region === this.primaryRegion ? 'primary' : 'dr';
    return {
      cluster: `${app}-${role}-cluster`,
      service: `${app}-${role}-service`,
      database: `${app}-${role}-db`,
      cache: `${app}-${role}-cache`,
      kmsKey: this.core.arn('kms', region, `key/${app}-${role}-key`),
      subnetGroup: `${app}-${role}-isolated`,
      appSecurityGroup: `sg-${role}-database`,
      restoreSecurityGroup: `sg-${role}-restore`,
      bucket: `${app}-${role}-${region}-artifacts`,
    };
  }

  private async seed(): Promise<void> {
    const warm = this.config.dr.strategy === 'warm-standby';
    const regional: Record<'primary' | 'dr', RegionalWorkload> = {
      primary: await this.seedRegion(this.primaryRegion, true),
      dr: await this.seedRegion(this.drRegion, false),
    };

    const primaryDb = this.rds.instance(this.primaryRegion, this.names(this.primaryRegion).database);
    await this.core.dataPlane.query(primaryDb.physical ?? '', SAMPLE_SCHEMA);
    await this.writeSampleRows(this.options.sampleRows ?? 200);
    if (warm) {
      const dr = this.names(this.drRegion);
      this.rds.seedReplica(this.drRegion, dr.database, primaryDb, {
        kmsKeyId: dr.kmsKey,
        subnetGroup: dr.subnetGroup,
        securityGroupIds: [dr.appSecurityGroup],
      });
      regional.dr = { ...regional.dr, databaseInstanceId: dr.database };
      await this.elasticache.seedGroupWithEndpoint(this.drRegion, {
        id: dr.cache,
        engine: this.config.cache.engine,
        nodeType: this.config.cache.nodeType,
        replicas: this.config.cache.replicas,
        keyCount: this.options.cacheKeys ?? 5000,
      });
      regional.dr = { ...regional.dr, cacheReplicationGroupId: dr.cache };
    }

    const cacheSecretName = `${this.config.appName}/cache/auth-token`;
    for (const region of [this.primaryRegion, this.drRegion]) this.secrets.seed(region, cacheSecretName, 'twin-cache-auth-token');
    const secretName = `${this.config.appName}/database/master`;
    for (const region of [this.primaryRegion, this.drRegion]) {
      // A replicated secret: the same credentials answer in both regions.
      const connection = this.core.dataPlane.connectionFor('postgres');
      this.secrets.seed(
        region,
        secretName,
        JSON.stringify({ username: connection.user, password: connection.password, engine: 'postgres', port: 5432 }),
      );
    }

    let dns: Inventory['dns'];
    if (this.config.dns.domainName && this.config.dns.hostedZoneId) {
      const zoneId = this.config.dns.hostedZoneId;
      this.route53.seedZone(zoneId, this.config.dns.domainName.split('.').slice(1).join('.'));
      const ids = { primary: '', secondary: '' };
      for (const [failover, region] of [
        ['PRIMARY', this.primaryRegion],
        ['SECONDARY', this.drRegion],
      ] as const) {
        const healthCheckId = this.route53.seedHealthCheck(
          regional[region === this.primaryRegion ? 'primary' : 'dr'].endpoint,
          region,
          () => this.healthOf(region).healthy,
        );
        ids[failover === 'PRIMARY' ? 'primary' : 'secondary'] = healthCheckId;
        this.route53.seedRecord(zoneId, {
          Name: `${this.config.dns.domainName}.`,
          Type: 'A',
          SetIdentifier: failover.toLowerCase(),
          Failover: failover,
          HealthCheckId: healthCheckId,
          AliasTarget: {
            DNSName: regional[failover === 'PRIMARY' ? 'primary' : 'dr'].endpoint,
            HostedZoneId: 'Z35SXDOTRQ7X7K',
            EvaluateTargetHealth: true,
          },
        });
      }
      dns = {
        hostedZoneId: zoneId,
        domainName: this.config.dns.domainName,
        primaryHealthCheckId: ids.primary,
        secondaryHealthCheckId: ids.secondary,
      };
    }

    const ledgerTable = `${this.config.appName}-ledger`;
    this.dynamodb.seedTable(ledgerTable, 'pk', 'sk');
    const topicArns: Record<string, string> = {};
    for (const region of [this.primaryRegion, this.drRegion]) {
      topicArns[region] = this.sns.seedTopic(region, `${this.config.appName}-notifications`);
    }
    this.controlPlane = { ledgerTable, topicArns };

    const additionalTargets: Inventory['additionalTargets'] = [];
    const n = this.names(this.primaryRegion);
    for (let i = 1; i <= (this.options.additionalTargets?.databases ?? 0); i += 1) {
      const id = `${n.database}-${i}`;
      await this.rds.seedInstance(this.primaryRegion, {
        id,
        instanceClass: this.config.database.instanceClass,
        multiAz: true,
        kmsKeyId: n.kmsKey,
        subnetGroup: n.subnetGroup,
        securityGroupIds: [n.appSecurityGroup],
        sharePhysicalWith: primaryDb,
      });
      additionalTargets.push({ id: `database-${i}`, kind: 'rds', identifier: id });
    }
    for (let i = 1; i <= (this.options.additionalTargets?.caches ?? 0); i += 1) {
      const id = `${n.cache}-${i}`;
      await this.elasticache.seedGroupWithEndpoint(this.primaryRegion, {
        id,
        engine: this.config.cache.engine,
        nodeType: this.config.cache.nodeType,
        replicas: 1,
        keyCount: 100,
      });
      additionalTargets.push({ id: `cache-${i}`, kind: 'elasticache', identifier: id });
    }

    this.inventory = {
      appName: this.config.appName,
      additionalTargets,
      strategy: this.config.dr.strategy,
      primary: regional.primary,
      dr: regional.dr,
      databaseSecretId: secretName,
      cacheAuthSecretId: cacheSecretName,
      dns,
      rtoSeconds: this.config.dr.rtoMinutes * 60,
      rpoSeconds: this.config.dr.rpoMinutes * 60,
    };
  }

  private async seedRegion(region: string, primary: boolean): Promise<RegionalWorkload> {
    const n = this.names(region);
    const warm = this.config.dr.strategy === 'warm-standby';
    this.s3.seedBucket(region, n.bucket);
    this.ecs.seedService(region, {
      cluster: n.cluster,
      service: n.service,
      desiredCount: primary ? this.config.service.desiredCount : warm ? this.config.service.standbyCount : 0,
      taskDefinition: this.core.arn('ecs', region, `task-definition/${this.config.appName}:1`),
    });
    if (primary) {
      // The application has been running for a day: the heartbeat table starts with a day of history.
      await this.rds.seedInstance(region, {
        id: n.database,
        instanceClass: this.config.database.instanceClass,
        multiAz: true,
        kmsKeyId: n.kmsKey,
        subnetGroup: n.subnetGroup,
        securityGroupIds: [n.appSecurityGroup],
        createdAt: this.clock.now() - 24 * 3600_000,
      });
      await this.elasticache.seedGroupWithEndpoint(region, {
        id: n.cache,
        engine: this.config.cache.engine,
        nodeType: this.config.cache.nodeType,
        replicas: this.config.cache.replicas,
        keyCount: this.options.cacheKeys ?? 5000,
      });
    }
    this.ssm.seed(region, databaseParameterName(this.config.appName), primary ? n.database : 'none');
    // The account's Fargate vCPU quota: the configured figure (what the runbook assumes when Service Quotas does not answer).
    this.quotas.seed(
      region,
      FARGATE_VCPU_QUOTA.serviceCode,
      FARGATE_VCPU_QUOTA.quotaCode,
      FARGATE_VCPU_QUOTA.name,
      this.config.dr.fargateVcpuQuota,
    );
    const endpoint = await this.startLoadBalancer(region);
    // The workload's alarms, tagged as the CDK alarms construct tags them.
    for (const def of Object.values(ALARM_CATALOG)) {
      if (def.onlyWhen === 'read-replica' && (primary || !warm)) continue;
      if ((def.subject === 'database' || def.subject === 'cache') && !primary && !warm) continue;
      const metric = 'expression' in def.metric ? Object.values(def.metric.usingMetrics)[0] : def.metric;
      const dimensions =
        def.subject === 'service'
          ? [
              { Name: 'ClusterName', Value: n.cluster },
              { Name: 'ServiceName', Value: n.service },
            ]
          : def.subject === 'database'
            ? [{ Name: 'DBInstanceIdentifier', Value: n.database }]
            : def.subject === 'cache'
              ? [{ Name: 'ReplicationGroupId', Value: n.cache }]
              : [{ Name: 'LoadBalancer', Value: `app/${this.config.appName}/${region}` }];
      this.cloudwatch.seedAlarm(region, {
        name: `${this.config.appName}-${primary ? 'primary' : 'dr'}-${def.id}`,
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions,
        threshold: def.threshold,
        comparison: def.comparison,
        tags: Object.entries(alarmTags(def, this.config.appName, primary ? 'primary' : 'standby')).map(([Key, Value]) => ({ Key, Value })),
      });
    }
    return {
      region,
      cluster: n.cluster,
      service: n.service,
      databaseInstanceId: primary ? n.database : undefined,
      cacheReplicationGroupId: primary ? n.cache : undefined,
      cacheSubnetGroupName: `${n.subnetGroup}-cache`,
      cacheRestoreSecurityGroupId: `${n.restoreSecurityGroup}-cache`,
      databaseSecurityGroupId: n.appSecurityGroup,
      kmsKeyArn: n.kmsKey,
      dbSubnetGroupName: n.subnetGroup,
      restoreSecurityGroupId: n.restoreSecurityGroup,
      bucket: n.bucket,
      endpoint,
    };
  }

  /** Writes `rows` sample orders at the current virtual time. */
  async writeSampleRows(rows: number, customer = 'sample'): Promise<void> {
    const db = this.appDatabase(this.primaryRegion);
    if (!db?.physical) throw new Error('The primary database is not available');
    await this.core.dataPlane.query(
      db.physical,
      `INSERT INTO orders (customer, total_cents, written_at) SELECT $1 || '-' || g, (g * 137) % 10000, $2 FROM generate_series(1, $3) AS g`,
      [customer, this.clock.date(), rows],
    );
  }

  /** The DB instance the application in `region` uses (per its SSM parameter), if available. */
  appDatabase(region: string): DbInstance | undefined {
    const id = this.ssm.value(region, databaseParameterName(this.config.appName));
    if (!id || id === 'none') return undefined;
    return this.rds.instances.get(region)?.get(id);
  }

  /**
   * The heartbeat function runs every minute in AWS; the twin writes the rows
   * it would have written, one per virtual minute, whenever data is about to
   * be copied or read, up to now (or the start of an outage of its region).
   */
  async writeHeartbeats(instance: DbInstance): Promise<void> {
    if (!instance.physical || instance.replicaOf) return;
    const outage = this.core.outageStart(instance.region);
    const until = Math.floor((outage ?? this.clock.now()) / 60_000) * 60_000;
    const from = this.heartbeatWritten.get(instance.physical) ?? Math.max(instance.createdAt, until - 24 * 3600_000);
    if (until <= from) return;
    await this.core.dataPlane.query(
      instance.physical,
      `INSERT INTO lifeline_heartbeat (written_at, source) SELECT to_timestamp(t / 1000.0), 'heartbeat-function' FROM generate_series($1::bigint, $2::bigint, 60000) AS t`,
      [from + 60_000 - (from % 60_000), until],
    );
    this.heartbeatWritten.set(instance.physical, until);
    if (this.controlPlane) this.dynamodb.putInternal(this.controlPlane.ledgerTable, heartbeatRecord(instance.id, new Date(until)));
  }

  /** What the load balancer's /health in `region` reports. */
  healthOf(region: string): { healthy: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.core.regionDown(region)) reasons.push(`${region} is down`);
    const n = this.names(region);
    const running = this.ecs.runningCount(region, n.cluster, n.service);
    if (running === 0) reasons.push('no running tasks');
    const db = this.appDatabase(region);
    const status = db?.status.at(this.clock.now());
    if (!db) reasons.push('no database configured');
    else if (status !== 'available') reasons.push(`database ${db.id} is ${status}`);
    else if (db.replicaOf) reasons.push(`database ${db.id} is a read-only replica`);
    return { healthy: reasons.length === 0, reasons };
  }

  private async startLoadBalancer(region: string): Promise<string> {
    const server = createServer((req, res) => {
      if (req.url !== this.config.service.healthCheckPath) {
        res.writeHead(404).end();
        return;
      }
      const health = this.healthOf(region);
      res.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', region, reasons: health.reasons }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.set(region, server);
    const endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return endpoint;
  }
}
