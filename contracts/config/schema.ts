import * as z from 'zod';
import { ALARM_IDS, type AlarmId } from '../alarm-catalog';
import { additionalTargetSchema } from '../inventory';

/**
 * The one configuration of a Lifeline deployment.
 *
 * Read from the cdk.json context key `lifeline`, deep-merged with an optional
 * `lifeline.config.json` beside cdk.json (the file wins). Every field has a
 * documented default, so `{}` is a valid configuration.
 */

const regionName = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region name such as us-east-1');

const cron = z
  .string()
  .regex(
    /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$|^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/,
    'must be an EventBridge Scheduler expression: cron(m h dom mon dow y) or rate(n unit)',
  );

/** How one alarm changes capacity when it goes into ALARM. */
const MULTI_AZ_REPLICAS = 'must be ≥ 1: the cache runs Multi-AZ with automatic failover, which keeps at least one replica';

export const scalingPolicySchema = z
  .object({
    /** `out` adds capacity, `in` removes it. */
    direction: z.enum(['out', 'in']),
    /** Size of one step. @default absolute */
    stepType: z.enum(['absolute', 'percent']).default('absolute'),
    /** Tasks (absolute) or percent of the current desired count (percent). */
    step: z.number().int().positive(),
    /** Smallest step when stepType is percent. @default 1 */
    minStep: z.number().int().positive().default(1),
    /** Seconds after a scale-out before another scale-out of the same target. @default 60 */
    cooldownSeconds: z.number().int().min(0).max(86_400).default(60),
    /** Seconds without a scale-out before a scale-in may act. @default 300 */
    stabilizationSeconds: z.number().int().min(0).max(86_400).default(300),
    /** Optional linked targets that follow the service. */
    linked: z
      .object({
        /** Read replicas added or removed with database alarms. */
        databaseReadReplicas: z.object({ min: z.number().int().min(0), max: z.number().int().max(5) }).optional(),
        /**
         * ElastiCache replicas per shard changed with cache alarms. The cache runs Multi-AZ with automatic failover
         * (cache.replicas ≥ 1), where ElastiCache refuses fewer than 1 replica (DecreaseReplicaCount): min ≥ 1.
         */
        cacheReplicas: z
          .object({
            min: z.number().int().min(1, MULTI_AZ_REPLICAS),
            max: z.number().int().max(5),
          })
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ScalingPolicy = z.infer<typeof scalingPolicySchema>;

/**
 * Default policies. Scale out fast (double, at least +4 tasks, 60 s cooldown),
 * scale in slowly (−2 tasks, only after 300 s without a scale-out).
 */
export const DEFAULT_SCALING_POLICIES: Partial<Record<AlarmId, z.input<typeof scalingPolicySchema>>> = {
  'service-cpu-high': { direction: 'out', stepType: 'percent', step: 100, minStep: 4, cooldownSeconds: 60 },
  'service-memory-high': { direction: 'out', stepType: 'percent', step: 100, minStep: 4, cooldownSeconds: 60 },
  'alb-target-response-time-high': { direction: 'out', stepType: 'percent', step: 100, minStep: 4, cooldownSeconds: 60 },
  'service-cpu-low': { direction: 'in', stepType: 'absolute', step: 2, stabilizationSeconds: 300 },
  'service-memory-low': { direction: 'in', stepType: 'absolute', step: 2, stabilizationSeconds: 300 },
};

const retentionSchema = z
  .object({
    /** Newest snapshots always kept. @default 4 (one day at the default 6-hour schedule) */
    keepLast: z.number().int().min(1).max(100).default(4),
    /** Newest snapshot of each of the last N days. @default 7 */
    daily: z.number().int().min(0).max(365).default(7),
    /** Newest snapshot of each of the last N ISO weeks. @default 4 */
    weekly: z.number().int().min(0).max(104).default(4),
    /** Newest snapshot of each of the last N months. @default 6 */
    monthly: z.number().int().min(0).max(120).default(6),
    /** Never prune below this many managed snapshots per target and region. @default 2 */
    minimum: z.number().int().min(1).max(100).default(2),
  })
  .strict();

export const lifelineConfigSchema = z
  .object({
    /** Lower-case name used to prefix stacks and tag resources. @default lifeline */
    appName: z
      .string()
      // It starts RDS identifiers (read replicas, pilot-light restores): a letter first, no `--`, no trailing hyphen.
      .regex(
        /^(?!.*--)[a-z][a-z0-9-]{0,29}[a-z0-9]$/,
        'must be 2–31 characters of a-z, 0-9 and -, starting with a letter, without -- or a trailing -',
      )
      .default('lifeline'),
    /** AWS account id; optional for synth (environment-agnostic regions are still explicit). */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    regions: z
      .object({
        /** @default us-east-1 */
        primary: regionName.default('us-east-1'),
        /** @default us-west-2 */
        dr: regionName.default('us-west-2'),
      })
      .strict()
      .prefault({})
      .refine((r) => r.primary !== r.dr, { message: 'primary and dr must be different regions', path: ['dr'] }),
    network: z
      .object({
        /** CIDR of the VPC in the primary region. @default 10.10.0.0/16 */
        primaryCidr: z.cidrv4().default('10.10.0.0/16'),
        /** CIDR of the VPC in the DR region (distinct, so the two can ever be peered). @default 10.20.0.0/16 */
        drCidr: z.cidrv4().default('10.20.0.0/16'),
        /** AZ letter suffixes used in each region. @default ["a", "b", "c"] */
        azSuffixes: z
          .array(z.string().regex(/^[a-z]$/, 'must be one AZ letter such as "a"'))
          .min(2)
          .max(6)
          .default(['a', 'b', 'c']),
        /** NAT gateways per VPC. @default 1 */
        natGateways: z.number().int().min(1).max(3).default(1),
      })
      .strict()
      .prefault({}),
    service: z
      .object({
        /** Container image. @default traefik/whoami:v1.10.3, a public sample that answers 200 on `/health` */
        image: z.string().min(1).default('traefik/whoami:v1.10.3'),
        /** Plain environment of the container (never secrets). @default WHOAMI_PORT_NUMBER=8080 for the sample image */
        environment: z
          .record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'), z.string())
          .default({ WHOAMI_PORT_NUMBER: '8080' }),
        /** Container port. @default 8080 */
        containerPort: z.number().int().min(1024, 'must be ≥ 1024: the container runs as a non-root user').max(65535).default(8080),
        /** Health check path on the container and the load balancer. @default /health */
        healthCheckPath: z.string().startsWith('/').default('/health'),
        /** @default 256 */
        cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).default(256),
        /** @default 512 */
        memoryMiB: z.number().int().min(512).max(30720).default(512),
        /** @default 2 */
        desiredCount: z.number().int().min(0).default(2),
        /** @default 2 */
        minCount: z.number().int().min(0).default(2),
        /** @default 20 */
        maxCount: z.number().int().min(1).max(1000).default(20),
        /** Tasks the warm standby keeps running in the DR region. @default 1 */
        standbyCount: z.number().int().min(0).default(1),
        /** ACM certificate ARN per region role; when present the ALB listens on HTTPS and redirects HTTP. */
        certificateArns: z
          .object({
            primary: z.string().startsWith('arn:', 'must be an ACM certificate ARN').optional(),
            dr: z.string().startsWith('arn:', 'must be an ACM certificate ARN').optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({})
      .refine((s) => s.minCount <= s.desiredCount, { message: 'must be ≤ desiredCount', path: ['minCount'] })
      .refine((s) => s.desiredCount <= s.maxCount, { message: 'must be ≤ maxCount', path: ['desiredCount'] }),
    database: z
      .object({
        /** PostgreSQL major.minor. @default 16.4 */
        engineVersion: z
          .string()
          .regex(/^1[4-8]\.\d+$/, 'must be a PostgreSQL version 14.x to 18.x')
          .default('16.4'),
        /** @default db.t4g.medium */
        instanceClass: z
          .string()
          .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t4g.medium')
          .default('db.t4g.medium'),
        /** @default 50 */
        allocatedStorageGiB: z.number().int().min(20).max(65536).default(50),
        /** @default 200 */
        maxAllocatedStorageGiB: z.number().int().min(20).max(65536).default(200),
        /** @default app */
        databaseName: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a PostgreSQL identifier')
          .default('app'),
        /** @default 5432 */
        port: z.number().int().min(1150).max(65535).default(5432),
      })
      .strict()
      .prefault({})
      .refine((d) => d.maxAllocatedStorageGiB >= d.allocatedStorageGiB, {
        message: 'must be ≥ allocatedStorageGiB',
        path: ['maxAllocatedStorageGiB'],
      }),
    cache: z
      .object({
        /** @default valkey */
        engine: z.enum(['redis', 'valkey']).default('valkey'),
        /** @default 8.0 for valkey, 7.1 for redis */
        engineVersion: z
          .string()
          .regex(/^\d+\.\d+$/)
          .optional(),
        /** @default cache.t4g.small */
        nodeType: z
          .string()
          .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.t4g.small')
          .default('cache.t4g.small'),
        /** Replicas per shard (≥ 1 for Multi-AZ with automatic failover). @default 1 */
        replicas: z.number().int().min(1, 'must be ≥ 1: Multi-AZ automatic failover needs a replica').max(5).default(1),
        /** Days of automatic snapshots. @default 7 */
        snapshotRetentionDays: z.number().int().min(1).max(35).default(7),
      })
      .strict()
      .prefault({}),
    dns: z
      .object({
        /** Application name, e.g. app.example.com. Without it (and hostedZoneId) no DNS is made. */
        domainName: z
          .string()
          .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a lower-case DNS name')
          .optional(),
        /** Public hosted zone id that holds domainName. */
        hostedZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{4,32}$/, 'must be a Route 53 hosted zone id')
          .optional(),
      })
      .strict()
      .prefault({})
      .refine((d) => (d.domainName === undefined) === (d.hostedZoneId === undefined), {
        message: 'domainName and hostedZoneId go together: give both or neither',
        path: ['hostedZoneId'],
      }),
    dr: z
      .object({
        /** warm-standby: read replica + small standby service; pilot-light: snapshot copies only, service at 0. @default warm-standby */
        strategy: z.enum(['warm-standby', 'pilot-light']).default('warm-standby'),
        /** Recovery time objective in minutes. @default 30 */
        rtoMinutes: z.number().positive().max(1440).default(30),
        /** Recovery point objective in minutes. @default 15 */
        rpoMinutes: z.number().positive().max(1440).default(15),
        /** Failover needs a human approval step. @default true */
        requireApproval: z.boolean().default(true),
        /** How long an approval request waits before the runbook ends without change. @default 60 */
        approvalTimeoutMinutes: z.number().int().min(5).max(1440).default(60),
        /**
         * How the cache comes up in the DR region: `global-datastore` fails a Global Datastore over
         * (needs cacheGlobalDatastoreId), `restore-snapshot` creates it from the newest RDB export
         * copied to the DR region, `fresh` uses the standby's cache or creates an empty one.
         * @default fresh for warm-standby, restore-snapshot for pilot-light
         */
        cacheRecovery: z.enum(['global-datastore', 'restore-snapshot', 'fresh']).optional(),
        /** Global Datastore id, when the caches of both regions are members of one. */
        cacheGlobalDatastoreId: z.string().min(1).optional(),
        /** Consecutive healthy answers of the DR endpoint that prove a switch. @default 3 */
        healthyChecks: z.number().int().min(1).max(10).default(3),
        /**
         * The Fargate On-Demand vCPU quota of the account in the DR region (Service Quotas L-3032A538),
         * assumed when the preflight cannot read the applied value from Service Quotas; the preflight
         * checks the failover's tasks fit it. @default 6 (the default quota of a new account)
         */
        fargateVcpuQuota: z.number().positive().default(6),
        /** Minutes the primary's health check must fail before a failover is proposed. @default 5 */
        proposeFailoverAfterMinutes: z.number().int().min(1).max(60).default(5),
      })
      .strict()
      .prefault({})
      .refine((d) => d.cacheRecovery !== 'global-datastore' || d.cacheGlobalDatastoreId !== undefined, {
        message: 'cacheRecovery global-datastore needs cacheGlobalDatastoreId',
        path: ['cacheGlobalDatastoreId'],
      }),
    backup: z
      .object({
        /** EventBridge Scheduler expression, UTC. @default cron(0 *\/6 * * ? *) */
        schedule: cron.default('cron(0 */6 * * ? *)'),
        /** Flexible time window in minutes (0 = off). @default 15 */
        flexibleWindowMinutes: z.number().int().min(0).max(1440).default(15),
        retention: retentionSchema.prefault({}),
        /**
         * Cross-Region automated backups of the primary database: RDS copies its automated snapshots and transaction
         * logs to the DR region under the DR database's key, so a pilot-light failover restores to within minutes of
         * the failure instead of to the newest copied snapshot.
         * @default true for pilot-light, false for warm-standby (its replica comes first; turn on for a second line)
         */
        automatedBackupReplication: z.boolean().optional(),
        /** Days the DR region keeps the replicated automated backups (RDS allows 1 to 35). @default 7 */
        automatedBackupReplicationRetentionDays: z.number().int().min(1).max(35).default(7),
        /**
         * Further databases and caches of the primary region to back up with the application's own, each by a target
         * id and its identifier. Each must carry the tag `lifeline:backup` = the appName: the backup's permissions
         * reach only what carries it. @default []
         */
        additionalTargets: z
          .array(additionalTargetSchema)
          .default([])
          .refine((targets) => new Set(targets.map((t) => t.id)).size === targets.length, 'target ids must be unique')
          .refine(
            (targets) => targets.every((t) => t.id !== 'database' && t.id !== 'cache'),
            "'database' and 'cache' are the application's own",
          ),
        /**
         * Alarm when a target has had no successful backup for this long. It is not the RPO target:
         * with the default 6-hour schedule a 15-minute RPO is met by the warm standby's replica, not by backups.
         * @default 420 (the 6-hour schedule plus an hour)
         */
        maxAgeMinutes: z
          .number()
          .int()
          .min(5)
          .max(1440)
          .refine(
            (m) => m <= 60 || m % 60 === 0,
            'must be ≤ 60 or whole hours: CloudWatch alarm periods above an hour are multiples of 3600 s',
          )
          .default(420),
      })
      .strict()
      .prefault({}),
    restoreVerification: z
      .object({
        /** EventBridge Scheduler expression, UTC. @default cron(0 3 * * ? *) (daily) */
        schedule: cron.default('cron(0 3 * * ? *)'),
        /** The smallest class that restores PostgreSQL. @default db.t4g.micro */
        instanceClass: z
          .string()
          .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t4g.micro')
          .default('db.t4g.micro'),
        /** Allowed difference between the rows restored and the rows at snapshot time, in percent. @default 1 */
        rowCountTolerancePercent: z.number().min(0).max(100).default(1),
        /** A temporary instance not kept on purpose expires (for the sweeper) this long after creation. @default 180 */
        ttlMinutes: z.number().int().min(30).max(1440).default(180),
        /** Alarm when no verification succeeded for this long (whole days: the alarm counts daily periods). @default 48 */
        maxAgeHours: z
          .number()
          .int()
          .min(24)
          .max(168)
          .refine((h) => h % 24 === 0, 'must be whole days (24, 48, …, 168)')
          .default(48),
        /** Your own checks: SQL returning one number, compared with `value`. */
        checks: z
          .array(
            z
              .object({
                name: z.string().min(1),
                sql: z.string().regex(/^\s*(select|with)\b/i, 'must be a read-only SELECT or WITH query'),
                op: z.enum(['>', '>=', '=', '<=', '<']),
                value: z.number(),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    pointInTimeRecovery: z
      .object({
        /** How long a `restore` keeps its temporary instance for the operator to copy data back from. @default 24 */
        keepHours: z.number().int().min(1).max(168).default(24),
        /** Tables compared row by row (restored against current) up to this many rows each; larger ones by their counts. @default 100000 */
        compareRowLimit: z.number().int().min(0).max(10_000_000).default(100_000),
      })
      .strict()
      .prefault({}),
    scaling: z
      .object({
        /** Policy per alarm id (see cdk/workload/alarm-catalog.ts). @default DEFAULT_SCALING_POLICIES */
        policies: z.partialRecord(z.enum(ALARM_IDS), scalingPolicySchema).prefault(DEFAULT_SCALING_POLICIES),
        /** Seconds a new Fargate task takes to run: first steady-state check and interval. @default 60 */
        taskStartSeconds: z.number().int().min(10).max(900).default(60),
        /** Fail a scaling action whose service is not steady after this long. @default 600 */
        steadyStateTimeoutSeconds: z.number().int().min(60).max(3600).default(600),
      })
      .strict()
      .prefault({}),
    tags: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type LifelineConfig = z.infer<typeof lifelineConfigSchema>;
export type LifelineConfigInput = z.input<typeof lifelineConfigSchema>;
export type RegionRole = 'primary' | 'standby';

/** Whether the primary database's automated backups are replicated to the DR region (the default follows the strategy). */
export const automatedBackupReplicationOn = (config: LifelineConfig): boolean =>
  config.backup.automatedBackupReplication ?? config.dr.strategy === 'pilot-light';
