import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Service } from '@aws-sdk/client-ecs';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { Client, MetadataBearer } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import type { Direction, DrSettings, Run } from '../../../contracts/dr-runbook';
import { type Inventory, inventorySchema, type RegionalWorkload } from '../../../contracts/inventory';
import { cloudwatch, ecs, elasticache, rds, serviceQuotas, ssm } from '../../../functions/shared/clients';
import { sides } from '../../../functions/dr/deps';
import type { PreflightContext } from '../../../functions/dr/preflight/findings';
import type { Preflight } from '../../../functions/dr/preflight/plan';
import type { StepContext, StepIo } from '../../../functions/dr/steps/step';

/**
 * A small deployment for the DR functions' unit tests: one application in
 * two regions, every AWS client they use mocked (per region, so a test
 * sees which region a command went to), and one clock reading.
 */
export const PRIMARY = 'us-east-1';
export const DR = 'us-west-2';
export const NOW = new Date('2026-07-01T12:00:00.000Z');
export const secondsBefore = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

const placement = (role: 'primary' | 'dr', region: string): RegionalWorkload => ({
  region,
  cluster: `shop-${role}-cluster`,
  service: `shop-${role}-service`,
  databaseInstanceId: `shop-${role}-db`,
  cacheReplicationGroupId: `shop-${role}-cache`,
  kmsKeyArn: `arn:aws:kms:${region}:111122223333:key/${role}`,
  dbSubnetGroupName: `shop-${role}-db-subnets`,
  restoreSecurityGroupId: `sg-${role}-restore`,
  cacheSubnetGroupName: `shop-${role}-cache-subnets`,
  cacheRestoreSecurityGroupId: `sg-${role}-cache`,
  databaseSecurityGroupId: `sg-${role}-db`,
  bucket: `shop-${role}-artifacts`,
  endpoint: `shop-${role}.elb.example.com`,
});

export const inventory: Inventory = inventorySchema.parse({
  appName: 'shop',
  strategy: 'warm-standby',
  primary: placement('primary', PRIMARY),
  dr: placement('dr', DR),
  databaseSecretId: 'shop/database',
  dns: { hostedZoneId: 'Z0SHOP', domainName: 'shop.example.com', primaryHealthCheckId: 'hc-primary', secondaryHealthCheckId: 'hc-dr' },
  rtoSeconds: 1800,
  rpoSeconds: 900,
});

/** Pilot light: nothing runs in the DR region until a failover restores it. */
export const pilotLight: Inventory = {
  ...inventory,
  strategy: 'pilot-light',
  dr: { ...inventory.dr, databaseInstanceId: undefined, cacheReplicationGroupId: undefined },
};

/** Every timing differs, so a test sees which one a step waits. */
export const settings: DrSettings = {
  requireApproval: true,
  approvalTimeoutSeconds: 3600,
  cacheRecovery: 'fresh',
  healthyChecks: 3,
  healthIntervalSeconds: 10,
  healthCheckPath: '/health',
  desiredCount: 4,
  standbyCount: 1,
  taskVcpu: 0.5,
  fargateVcpuQuota: 6,
  instanceClass: 'db.r6g.large',
  cacheNodeType: 'cache.r6g.large',
  cacheEngine: 'valkey',
  maxCatchUpLagSeconds: 1,
  backupReplication: { on: false, retentionDays: 7 },
  timings: {
    apiCall: 1,
    promoteReplica: 301,
    restoreInstance: 1202,
    restorePointInTime: 1501,
    createReplica: 1803,
    modifyInstance: 64,
    renameInstance: 663,
    replicaLag: 5,
    cacheGlobalFailover: 96,
    cacheCreate: 607,
    taskStart: 58,
    taskStop: 29,
    alarmPeriod: 60,
    dnsTtl: 61,
  },
};

export const runOf = (direction: Direction): Run => ({
  direction,
  mode: direction,
  reason: 'game day',
  proposedBy: 'operator',
  executionName: `${direction}-1`,
  startedAt: secondsBefore(600).toISOString(),
  fromRegion: direction === 'failover' ? PRIMARY : DR,
  toRegion: direction === 'failover' ? DR : PRIMARY,
  approvalRequired: true,
  approvalTimeoutSeconds: 3600,
  dryRun: false,
});

/** The tags of everything the run of {@link runOf} creates: the application's tag first (its permissions are conditioned on it). */
export const tagsOf = (direction: Direction) => [
  { Key: 'lifeline:app', Value: 'shop' },
  { Key: 'lifeline:managed', Value: 'true' },
  { Key: 'lifeline:created-by', Value: `dr-${direction}` },
  { Key: 'lifeline:execution', Value: `${direction}-1` },
];

/** A warm standby failover's preflight; tests override the part they are about. */
export const preflightOf = (overrides: Partial<Preflight> = {}): Preflight => ({
  ok: true,
  checks: [],
  primaryReachable: false,
  desiredCount: 4,
  desiredCountSource: 'configuration (service.desiredCount)',
  database: { action: 'promote', instanceId: 'shop-dr-db', replicaLagSeconds: 3 },
  cache: { mode: 'fresh', groupId: 'shop-dr-cache', nodeType: 'cache.r6g.large', engine: 'valkey', exists: false },
  expectedRtoSeconds: 500,
  criticalPath: { operations: [], seconds: 476 },
  rtoTargetSeconds: 1800,
  rpoTargetSeconds: 900,
  finishedAt: secondsBefore(540).toISOString(),
  ...overrides,
});

const ledgerClient = new DynamoDBClient({ region: DR });
export const ledger = { client: ledgerClient, table: 'shop-ledger' };

const unexpected = (what: string) => () => Promise.reject(new Error(`${what} was not expected in this test`));

export function stepContext(
  options: {
    direction?: Direction;
    preflight?: Partial<Preflight>;
    inventory?: Inventory;
    io?: Partial<StepIo>;
    settings?: Partial<DrSettings>;
  } = {},
): StepContext {
  const direction = options.direction ?? 'failover';
  const deployment = options.inventory ?? inventory;
  return {
    inventory: deployment,
    settings: { ...settings, ...options.settings },
    ledger,
    clock: () => NOW,
    io: { probeHealth: unexpected('a health probe'), measureRecoveryPoint: unexpected('a recovery point'), ...options.io },
    ...sides(deployment, direction),
    run: runOf(direction),
    preflight: preflightOf(options.preflight),
    now: NOW,
  };
}

export function preflightContext(
  options: { direction?: Direction; inventory?: Inventory; settings?: Partial<DrSettings> } = {},
): PreflightContext {
  const direction = options.direction ?? 'failover';
  const deployment = options.inventory ?? inventory;
  return {
    inventory: deployment,
    settings: { ...settings, ...options.settings },
    ledger,
    ...sides(deployment, direction),
    run: runOf(direction),
    now: NOW,
  };
}

const perRegion = <I extends object, O extends MetadataBearer, C>(client: (region: string) => Client<I, O, C>) => ({
  [PRIMARY]: mockClient(client(PRIMARY)),
  [DR]: mockClient(client(DR)),
});

/** The mocked clients: `aws.rds[DR]` is the DR region's RDS. */
export const aws = {
  ecs: perRegion(ecs),
  rds: perRegion(rds),
  elasticache: perRegion(elasticache),
  ssm: perRegion(ssm),
  cloudwatch: perRegion(cloudwatch),
  servicequotas: perRegion(serviceQuotas),
  ledger: { [DR]: mockClient(ledgerClient) },
};

interface RecordedCall {
  readonly args: readonly [{ readonly input: unknown }];
  calledBefore(other: RecordedCall): boolean;
}

/** A command a test's code sent: which service, which region, which command and its input. */
export interface Sent {
  readonly service: string;
  readonly region: string;
  readonly command: string;
  readonly input: unknown;
}

/** Every command sent since the last reset, in the order sent. */
export function sent(): Sent[] {
  const calls = Object.entries(aws).flatMap(([service, regions]) =>
    Object.entries(regions).flatMap(([region, stub]) =>
      stub.calls().map((call: RecordedCall) => ({ call, service, region, command: call.args[0].constructor.name })),
    ),
  );
  return calls
    .sort((a, b) => (a.call.calledBefore(b.call) ? -1 : 1))
    .map(({ service, region, command, call }) => ({
      service,
      region,
      command: command.replace(/Command$/, ''),
      input: call.args[0].input,
    }));
}

/** The commands that change something (everything but reads). */
export const changes = (): Sent[] => sent().filter((c) => !/^(Describe|List|Get|Query)/.test(c.command));

export function resetAws(): void {
  for (const regions of Object.values(aws)) for (const stub of Object.values(regions)) stub.reset();
  // An empty ledger unless a test records something: no handover of the jobs yet (the primary is active).
  aws.ledger[DR].on(QueryCommand).resolves({ Items: [] });
}

/** An SDK error as the service throws it (its name is the error code). */
export const awsError = (name: string, message = name): Error => Object.assign(new Error(message), { name });

export const notFound = awsError('DBInstanceNotFoundFault', 'DBInstance not found');

export const instance = (id: string, fields: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: id,
  DBInstanceArn: `arn:aws:rds:${id.includes('primary') ? PRIMARY : DR}:111122223333:db:${id}`,
  DBInstanceStatus: 'available',
  ...fields,
});

/** A service that has settled at `count` tasks. */
export const steadyService = (count: number, fields: Partial<Service> = {}): Service => ({
  desiredCount: count,
  runningCount: count,
  pendingCount: 0,
  deployments: [{ rolloutState: 'COMPLETED' }],
  events: [],
  ...fields,
});
