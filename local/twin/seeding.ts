import { ALARM_CATALOG, type AlarmSubject, alarmTags } from '../../contracts/alarm-catalog';
import { automatedBackupReplicationOn, type LifelineConfig } from '../../contracts/config/schema';
import { FARGATE_VCPU_QUOTA } from '../../contracts/dr-runbook';
import {
  BACKUP_TARGET_TAG,
  databaseParameterName,
  type Inventory,
  type RegionalWorkload,
  trafficParameterName,
} from '../../contracts/inventory';
import { metricIdentity, primaryUnhealthyAlarmName, TRAFFIC_METRIC, trafficAlarmName } from '../../contracts/metrics';
import { type RegionRole, type WorkloadResource, workloadResourceName } from '../../contracts/naming';
import { createHash } from 'node:crypto';
import { type AwsCore, TWIN_ACCOUNT } from './aws-core';
import type { AwsServices } from './aws-services';
import type { DbInstance } from './services/rds';

/** What the twin seeds: the deployment's configuration and the size of its sample data. */
export interface SeedOptions {
  readonly config: LifelineConfig;
  /** Sample rows written into the primary database at boot. @default 200 */
  readonly sampleRows?: number;
  /** Keys in the sample cache. @default 5000 */
  readonly cacheKeys?: number;
}

export interface ControlPlaneResources {
  readonly ledgerTable: string;
  readonly topicArns: Record<string, string>;
}

/** What seeding built: the inventory the control plane reads, and the control plane's own resources. */
export interface SeededDeployment {
  readonly inventory: Inventory;
  readonly controlPlane: ControlPlaneResources;
}

/** The application side seeding starts and probes: a region's load balancer, and whether it answers healthy. */
export interface ApplicationEndpoints {
  readonly startLoadBalancer: (region: string) => Promise<string>;
  readonly healthy: (region: string) => boolean;
}

/** Everything a seeding step reads. */
interface Seeding {
  readonly aws: AwsServices;
  readonly options: SeedOptions;
  readonly config: LifelineConfig;
  readonly warm: boolean;
}

export type WorkloadNames = ReturnType<typeof workloadNames>;

/**
 * The names of a region's workload resources: those a pilot-light failover
 * also creates come from contracts/naming.ts; the others only the twin needs
 * (CDK generates them in AWS).
 */
export function workloadNames(config: LifelineConfig, region: string) {
  const app = config.appName;
  const role: RegionRole = region === config.regions.primary ? 'primary' : 'dr';
  const name = (kind: WorkloadResource) => workloadResourceName(app, role, kind);
  const key = (id: string) => `arn:aws:kms:${region}:${TWIN_ACCOUNT}:key/${app}-${role}-${id}`;
  return {
    role,
    cluster: name('cluster'),
    service: name('service'),
    database: name('db'),
    cache: name('cache'),
    subnetGroup: name('isolated'),
    cacheSubnetGroup: `${name('isolated')}-cache`,
    kmsKey: key('key'),
    cacheKey: key('cache-key'),
    notificationsKey: key('notifications-key'),
    topicArn: `arn:aws:sns:${region}:${TWIN_ACCOUNT}:${app}-notifications`,
    appSecurityGroup: `sg-${role}-database`,
    restoreSecurityGroup: `sg-${role}-restore`,
    bucket: `${app}-${role}-${region}-artifacts`,
    ledgerTable: `${app}-ledger`,
    // CloudFormation names an unnamed secret <logical id>-<12 characters>; the master secret is replicated under the same name.
    databaseSecretName: `DatabaseInstanceSecret-${digest(app, 12)}`,
    cacheSecretName: `CacheAuthToken-${digest(`${app}/${role}`, 12)}`,
  };
}

const digest = (text: string, length: number): string =>
  createHash('sha256')
    .update(text)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);

/** A secret's ARN in `region`: Secrets Manager appends six random characters to the name, here derived from region and name. */
export const secretArn = (region: string, name: string): string =>
  `arn:aws:secretsmanager:${region}:${TWIN_ACCOUNT}:secret:${name}-${digest(`${region}/${name}`, 6)}`;

/** Tables of the sample application; rows carry `written_at` so replica lag can be simulated. */
const SAMPLE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS orders (
    id bigserial PRIMARY KEY, customer text NOT NULL, total_cents integer NOT NULL, written_at timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS orders_written_at ON orders (written_at);
`;

/** Writes `rows` sample orders into `database` at the current virtual time. */
export async function insertSampleOrders(core: AwsCore, database: DbInstance, rows: number, customer: string): Promise<void> {
  if (!database.physical) throw new Error('The primary database is not available');
  await core.dataPlane.query(
    database.physical,
    "INSERT INTO orders (customer, total_cents, written_at) SELECT $1 || '-' || g, (g * 137) % 10000, $2 " +
      'FROM generate_series(1, $3) AS g',
    [customer, core.clock.date(), rows],
  );
}

/**
 * Builds one Lifeline deployment in the twin, as the CDK app deploys it: the
 * workload of both regions (a warm standby's replica and cache included),
 * its alarms from the catalog, secrets, DNS when configured, the control
 * plane's ledger and topics, and any additional backup targets. The order
 * of the steps is the order ARNs and ids are handed out in.
 */
export async function seedDeployment(aws: AwsServices, options: SeedOptions, app: ApplicationEndpoints): Promise<SeededDeployment> {
  const { config } = options;
  const seeding: Seeding = { aws, options, config, warm: config.dr.strategy === 'warm-standby' };
  const regional: Record<RegionRole, RegionalWorkload> = {
    primary: await seedRegion(seeding, app, config.regions.primary),
    dr: await seedRegion(seeding, app, config.regions.dr),
  };

  const primaryDb = aws.rds.instance(config.regions.primary, workloadNames(config, config.regions.primary).database);
  await aws.core.dataPlane.query(primaryDb.physical ?? '', SAMPLE_SCHEMA);
  await insertSampleOrders(aws.core, primaryDb, options.sampleRows ?? 200, 'sample');
  if (seeding.warm) regional.dr = await seedWarmStandby(seeding, regional.dr, primaryDb);
  // Cross-Region automated backups, as the DR workload stack turns them on (copies under the DR database's key).
  if (automatedBackupReplicationOn(config))
    primaryDb.backupReplication = { region: config.regions.dr, kmsKeyId: regional.dr.kmsKeyArn, startedAt: aws.core.clock.now() };

  for (const region of [config.regions.primary, config.regions.dr]) {
    const n = workloadNames(config, region);
    // Each cache's own AUTH token, where a cache is deployed (pilot light's DR region has none).
    if (region === config.regions.primary || seeding.warm)
      aws.secrets.seed(region, n.cacheSecretName, 'twin-cache-auth-token', secretArn(region, n.cacheSecretName));
    // A replicated secret: the same name and credentials answer in both regions.
    const connection = aws.core.dataPlane.connectionFor('postgres');
    aws.secrets.seed(
      region,
      n.databaseSecretName,
      JSON.stringify({ username: connection.user, password: connection.password, engine: 'postgres', port: 5432 }),
      secretArn(region, n.databaseSecretName),
    );
  }
  const primaryNames = workloadNames(config, config.regions.primary);

  seedTrafficSwitch(aws, config);
  seedFailoverProposal(aws, config);
  const { domainName, hostedZoneId } = config.dns;
  const dns =
    domainName && hostedZoneId
      ? seedDns(aws, { domainName, hostedZoneId }, regional, app.healthy, {
          region: config.regions.dr,
          name: trafficAlarmName(config.appName),
        })
      : undefined;

  const { ledgerTable } = primaryNames;
  aws.dynamodb.seedTable(ledgerTable, 'pk', 'sk');
  const topicArns: Record<string, string> = {};
  for (const region of [config.regions.primary, config.regions.dr]) {
    topicArns[region] = aws.sns.seedTopic(region, `${config.appName}-notifications`);
  }

  const additionalTargets = await seedAdditionalTargets(seeding, primaryDb);
  return {
    controlPlane: { ledgerTable, topicArns },
    inventory: {
      appName: config.appName,
      additionalTargets,
      strategy: config.dr.strategy,
      primary: regional.primary,
      dr: regional.dr,
      databaseSecretId: primaryNames.databaseSecretName,
      dns,
      rtoSeconds: config.dr.rtoMinutes * 60,
      rpoSeconds: config.dr.rpoMinutes * 60,
    },
  };
}

/** A region's workload: bucket, service, (primary only) database and cache, parameters, quota, load balancer, alarms. */
async function seedRegion(seeding: Seeding, app: ApplicationEndpoints, region: string): Promise<RegionalWorkload> {
  const { aws, config, warm } = seeding;
  const n = workloadNames(config, region);
  const primary = n.role === 'primary';
  // Its policy is the synthesized AWS::S3::BucketPolicy, attached once the deployment is read (Twin.applyDeployment).
  aws.s3.seedBucket(region, n.bucket);
  aws.ecs.seedService(region, {
    cluster: n.cluster,
    service: n.service,
    desiredCount: primary ? config.service.desiredCount : warm ? config.service.standbyCount : 0,
    taskDefinition: aws.core.arn('ecs', region, `task-definition/${config.appName}:1`),
  });
  if (primary) {
    // The application has been running for a day: the heartbeat table starts with a day of history.
    await seedDatabase(seeding, region, n.database, { createdAt: aws.clock.now() - 24 * 3600_000 });
    await seedCache(seeding, region, n.cache, config.cache.replicas, seeding.options.cacheKeys ?? 5000);
  }
  aws.ssm.seed(region, databaseParameterName(config.appName), primary ? n.database : 'none');
  // The account's Fargate vCPU quota: the configured figure (what the runbook assumes when Service Quotas does not answer).
  aws.quotas.seed(
    region,
    FARGATE_VCPU_QUOTA.serviceCode,
    FARGATE_VCPU_QUOTA.quotaCode,
    FARGATE_VCPU_QUOTA.name,
    config.dr.fargateVcpuQuota,
  );
  const endpoint = await app.startLoadBalancer(region);
  seedAlarms(seeding, region, n);
  return {
    region,
    cluster: n.cluster,
    service: n.service,
    databaseInstanceId: primary ? n.database : undefined,
    cacheReplicationGroupId: primary ? n.cache : undefined,
    cacheAuthSecretId: primary ? n.cacheSecretName : undefined,
    cacheSubnetGroupName: n.cacheSubnetGroup,
    cacheRestoreSecurityGroupId: `${n.restoreSecurityGroup}-cache`,
    databaseSecurityGroupId: n.appSecurityGroup,
    kmsKeyArn: n.kmsKey,
    dbSubnetGroupName: n.subnetGroup,
    restoreSecurityGroupId: n.restoreSecurityGroup,
    bucket: n.bucket,
    endpoint,
  };
}

/** A warm standby's cross-region read replica of the primary database and its own cache. */
async function seedWarmStandby(seeding: Seeding, dr: RegionalWorkload, primaryDb: DbInstance): Promise<RegionalWorkload> {
  const { aws, config } = seeding;
  const n = workloadNames(config, dr.region);
  aws.rds.seedReplica(dr.region, n.database, primaryDb, {
    kmsKeyId: n.kmsKey,
    subnetGroup: n.subnetGroup,
    securityGroupIds: [n.appSecurityGroup],
  });
  await seedCache(seeding, dr.region, n.cache, config.cache.replicas, seeding.options.cacheKeys ?? 5000);
  // The DR service uses its replica's endpoint from the start (as the CDK stack configures it): a promotion keeps it.
  aws.ssm.seed(dr.region, databaseParameterName(config.appName), n.database);
  return { ...dr, databaseInstanceId: n.database, cacheReplicationGroupId: n.cache, cacheAuthSecretId: n.cacheSecretName };
}

/**
 * The configured further backup targets (`backup.additionalTargets`) as the operator keeps them: databases sharing
 * the primary's data and caches of 100 keys in the primary region, each tagged `lifeline:backup` = the app name.
 */
async function seedAdditionalTargets(seeding: Seeding, primaryDb: DbInstance): Promise<Inventory['additionalTargets']> {
  const { aws, config } = seeding;
  const region = config.regions.primary;
  const tags = [{ Key: BACKUP_TARGET_TAG, Value: config.appName }];
  for (const target of config.backup.additionalTargets) {
    if (target.kind === 'rds') {
      await seedDatabase(seeding, region, target.identifier, { sharePhysicalWith: primaryDb });
      aws.rds.instance(region, target.identifier).tags = tags;
    } else {
      await seedCache(seeding, region, target.identifier, 1, 100);
      const group = aws.elasticache.groups.get(region)?.get(target.identifier);
      if (group) group.tags = tags;
    }
  }
  return config.backup.additionalTargets;
}

/** A Multi-AZ instance of the configured class, placed as the region's application database is. */
async function seedDatabase(
  { aws, config }: Seeding,
  region: string,
  id: string,
  more: { readonly createdAt?: number; readonly sharePhysicalWith?: DbInstance },
): Promise<void> {
  const n = workloadNames(config, region);
  await aws.rds.seedInstance(region, {
    id,
    instanceClass: config.database.instanceClass,
    multiAz: true,
    kmsKeyId: n.kmsKey,
    subnetGroup: n.subnetGroup,
    securityGroupIds: [n.appSecurityGroup],
    ...more,
  });
}

/** A replication group of the configured engine and node type, with a live endpoint. */
async function seedCache({ aws, config }: Seeding, region: string, id: string, replicas: number, keyCount: number): Promise<void> {
  await aws.elasticache.seedGroupWithEndpoint(region, {
    id,
    engine: config.cache.engine,
    nodeType: config.cache.nodeType,
    replicas,
    keyCount,
  });
}

/**
 * The traffic switch, in the DR region as the DR control plane deploys it: the parameter saying which region serves
 * (the primary), the alarm on the traffic metric, and the DR heartbeat that publishes the parameter as that metric
 * every minute while its region is up (functions/heartbeat/write.ts), caught up whenever the datapoints are read.
 */
function seedTrafficSwitch(aws: AwsServices, config: LifelineConfig): void {
  const region = config.regions.dr;
  const parameter = trafficParameterName(config.appName);
  aws.ssm.seed(region, parameter, 'primary');
  const dimensions = [{ Name: TRAFFIC_METRIC.dimension, Value: config.appName }];
  aws.cloudwatch.seedAlarm(region, {
    name: trafficAlarmName(config.appName),
    namespace: TRAFFIC_METRIC.namespace,
    metricName: TRAFFIC_METRIC.name,
    dimensions,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    tags: [{ Key: 'lifeline:app', Value: config.appName }],
    evaluation: { statistic: 'Maximum', periodSeconds: 60, evaluationPeriods: 1, treatMissingData: 'ignore' },
  });
  let published = Math.floor(aws.core.clock.now() / 60_000) * 60_000;
  aws.cloudwatch.addPublisher((until) => {
    const stop = Math.min(until, aws.core.outageStart(region) ?? until);
    for (let minute = published + 60_000; minute <= stop; minute += 60_000) {
      const value = aws.ssm.valueAt(region, parameter, minute) === 'dr' ? 1 : 0;
      aws.cloudwatch.putPoint(region, TRAFFIC_METRIC.namespace, TRAFFIC_METRIC.name, dimensions, value, minute);
      published = minute;
    }
  });
}

/**
 * The alarm that proposes a failover (cdk/control-plane/dr-runbook.ts): the DR heartbeat probes the primary's
 * endpoint every minute and publishes 1 or 0 (functions/heartbeat/write.ts); no healthy answer for
 * `proposeFailoverAfterMinutes` periods (missing data breaching) puts it in ALARM, and the deployed rule starts the
 * failover with it. The probe's answer here: 0 while the primary region is (or was, at that minute) down, else 1
 * (the twin's other reasons for an unhealthy primary, such as no running task, are not replayed minute by minute).
 */
function seedFailoverProposal(aws: AwsServices, config: LifelineConfig): void {
  const region = config.regions.dr;
  const metric = metricIdentity('heartbeat', 'primaryEndpointHealthy');
  const dimensions = Object.entries(metric.dimensionsMap).map(([Name, Value]) => ({ Name, Value }));
  aws.cloudwatch.seedAlarm(region, {
    name: primaryUnhealthyAlarmName(config.appName),
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions,
    threshold: 1,
    comparison: 'LessThanThreshold',
    tags: [{ Key: 'lifeline:app', Value: config.appName }],
    evaluation: {
      statistic: 'Maximum',
      periodSeconds: 60,
      evaluationPeriods: config.dr.proposeFailoverAfterMinutes,
      treatMissingData: 'breaching',
    },
  });
  let published = Math.floor(aws.core.clock.now() / 60_000) * 60_000;
  aws.cloudwatch.addPublisher((until) => {
    const stop = Math.min(until, aws.core.outageStart(region) ?? until);
    for (let minute = published + 60_000; minute <= stop; minute += 60_000) {
      const healthy = !aws.core.faults.wasDown(config.regions.primary, minute);
      aws.cloudwatch.putPoint(region, metric.namespace, metric.metricName, dimensions, healthy ? 1 : 0, minute);
      published = minute;
    }
  });
}

/**
 * Route 53's failover pair: a PRIMARY alias record whose calculated health check needs both the primary's load
 * balancer check and the traffic alarm's check (the DR region's switch), and a SECONDARY alias record on the DR
 * load balancer's check.
 */
function seedDns(
  aws: AwsServices,
  dns: { readonly domainName: string; readonly hostedZoneId: string },
  regional: Record<RegionRole, RegionalWorkload>,
  healthy: (region: string) => boolean,
  trafficAlarm: { readonly region: string; readonly name: string },
): Inventory['dns'] {
  aws.route53.seedZone(dns.hostedZoneId, dns.domainName.split('.').slice(1).join('.'));
  const healthCheckIds: Record<RegionRole, string> = { primary: '', dr: '' };
  for (const [role, failover] of [
    ['primary', 'PRIMARY'],
    ['dr', 'SECONDARY'],
  ] as const) {
    const { region, endpoint } = regional[role];
    const endpointCheck = aws.route53.seedHealthCheck(endpoint, region, () => healthy(region));
    healthCheckIds[role] =
      role === 'dr'
        ? endpointCheck
        : aws.route53.seedCalculatedHealthCheck(
            [endpointCheck, aws.route53.seedAlarmHealthCheck(trafficAlarm.region, trafficAlarm.name, 'LastKnownStatus')],
            2,
          );
    aws.route53.seedRecord(dns.hostedZoneId, {
      Name: `${dns.domainName}.`,
      Type: 'A',
      SetIdentifier: failover.toLowerCase(),
      Failover: failover,
      HealthCheckId: healthCheckIds[role],
      // Z35SXDOTRQ7X7K: the hosted zone of us-east-1's load balancers, which an alias to an ALB names.
      AliasTarget: { DNSName: endpoint, HostedZoneId: 'Z35SXDOTRQ7X7K', EvaluateTargetHealth: true },
    });
  }
  return { hostedZoneId: dns.hostedZoneId, domainName: dns.domainName };
}

/** The workload's alarms from the catalog, on the subjects the region has, named and tagged as the CDK alarms construct does. */
function seedAlarms({ aws, config, warm }: Seeding, region: string, n: WorkloadNames): void {
  const primary = n.role === 'primary';
  for (const def of Object.values(ALARM_CATALOG)) {
    if (def.onlyWhen === 'read-replica' && (primary || !warm)) continue;
    if ((def.subject === 'database' || def.subject === 'cache') && !primary && !warm) continue;
    const metric = 'expression' in def.metric ? Object.values(def.metric.usingMetrics)[0] : def.metric;
    aws.cloudwatch.seedAlarm(region, {
      name: `${config.appName}-${n.role}-${def.id}`,
      namespace: metric.namespace,
      metricName: metric.metricName,
      dimensions: alarmDimensions(def.subject, n, `app/${config.appName}/${region}`),
      threshold: def.threshold,
      comparison: def.comparison,
      tags: Object.entries(alarmTags(def, config.appName, primary ? 'primary' : 'standby')).map(([Key, Value]) => ({ Key, Value })),
    });
  }
}

/** The CloudWatch dimensions of an alarm subject's metrics. */
function alarmDimensions(subject: AlarmSubject, n: WorkloadNames, loadBalancer: string): { Name: string; Value: string }[] {
  switch (subject) {
    case 'service':
      return [
        { Name: 'ClusterName', Value: n.cluster },
        { Name: 'ServiceName', Value: n.service },
      ];
    case 'database':
      return [{ Name: 'DBInstanceIdentifier', Value: n.database }];
    case 'cache':
      return [{ Name: 'ReplicationGroupId', Value: n.cache }];
    case 'load-balancer':
      return [{ Name: 'LoadBalancer', Value: loadBalancer }];
  }
}
