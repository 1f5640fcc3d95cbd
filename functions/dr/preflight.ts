import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeGlobalReplicationGroupsCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { ecs, elasticache, rds, route53, serviceQuotas } from '../shared/clients';
import { describeInstance, normalizeDns, replicaLagSeconds, staleName } from './aws';
import type { Inventory } from '../../contracts/inventory';
import { type LedgerRef, newestFirst } from '../shared/ledger';
import { type CacheRecovery, type DrSettings, FARGATE_VCPU_QUOTA, type Run } from '../../contracts/dr-runbook';
import { criticalPath, type CriticalPath } from './critical-path';
import { cacheIdOf, databaseIdOf, drDepsFromEnv, messageOf, sides } from './deps';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** A failed blocking check stops the runbook before any change. */
  readonly blocking: boolean;
  readonly detail: string;
}

export type DatabasePlan =
  | { readonly action: 'promote' | 'already-promoted'; readonly instanceId: string; readonly replicaLagSeconds?: number }
  | {
      readonly action: 'restore';
      readonly instanceId: string;
      readonly snapshotId: string;
      readonly snapshotAgeSeconds: number;
      readonly instanceClass: string;
    }
  | { readonly action: 'rebuild'; readonly instanceId: string; readonly sourceInstanceId: string; readonly staleInstanceId?: string };

export type CachePlan =
  | { readonly mode: 'none' | 'existing'; readonly groupId?: string }
  | { readonly mode: 'global-datastore'; readonly groupId: string; readonly globalId: string }
  | {
      readonly mode: 'restore-snapshot';
      readonly groupId: string;
      readonly rdbKey: string;
      readonly nodeType: string;
      readonly engine: string;
    }
  | { readonly mode: 'fresh'; readonly groupId: string; readonly nodeType: string; readonly engine: string; readonly exists: boolean };

export interface Preflight {
  readonly ok: boolean;
  readonly checks: Check[];
  readonly primaryReachable: boolean;
  readonly desiredCount: number;
  readonly desiredCountSource: string;
  readonly database?: DatabasePlan;
  readonly cache: CachePlan;
  readonly estimatedRpoSeconds?: number;
  readonly expectedRtoSeconds: number;
  readonly criticalPath: CriticalPath;
  readonly rtoTargetSeconds: number;
  readonly rpoTargetSeconds: number;
  readonly finishedAt: string;
}

const isDenied = (error: unknown) =>
  error instanceof Error && /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`);

/** Runs one read and turns its failure into a finding: a denied call says the role cannot act there. */
async function probe<T>(checks: Check[], name: string, blocking: boolean, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    checks.push({
      name,
      ok: false,
      blocking,
      detail: isDenied(error) ? `the runbook's role may not do this: ${messageOf(error)}` : messageOf(error),
    });
    return undefined;
  }
}

/** The newest RDB export of the cache copied to the DR bucket, from the backup manifests. */
async function newestCacheCopy(ledger: LedgerRef, drRegion: string): Promise<string | undefined> {
  const [manifest] = await newestFirst(ledger, 'backup#cache', { limit: 1 });
  const snapshots = manifest?.snapshots as Record<string, string> | undefined;
  return snapshots?.[drRegion];
}

function cacheMode(settings: DrSettings, inventory: Inventory): CacheRecovery | 'none' {
  if (!inventory.primary.cacheReplicationGroupId) return 'none';
  return settings.cacheRecovery;
}

/**
 * Everything the runbook needs to know before it changes anything, read
 * from the region traffic moves to; calls to the region it leaves are best
 * effort (that region may be down) and their failures are findings.
 */
export async function preflight(
  run: Run,
  deps: { inventory: Inventory; settings: DrSettings; ledger: LedgerRef },
  now: Date,
): Promise<Omit<Preflight, 'finishedAt'>> {
  const { inventory, settings, ledger } = deps;
  const { from, to } = sides(inventory, run.direction);
  const checks: Check[] = [];
  const pass = (name: string, detail: string, blocking = true) => checks.push({ name, ok: true, blocking, detail });
  const fail = (name: string, detail: string, blocking = true) => checks.push({ name, ok: false, blocking, detail });

  // The region traffic leaves: best effort.
  let primaryReachable = false;
  let desiredCount = settings.desiredCount;
  let desiredCountSource = 'configuration (service.desiredCount)';
  const leaving = await probe(checks, `${from.region} service (best effort)`, false, () =>
    ecs(from.region).send(new DescribeServicesCommand({ cluster: from.cluster, services: [from.service] })),
  );
  const leavingService = leaving?.services?.[0];
  if (leavingService) {
    primaryReachable = true;
    desiredCount = Math.max(leavingService.desiredCount ?? 0, settings.desiredCount);
    desiredCountSource = `${from.region} service (live), at least the configured ${settings.desiredCount}`;
    pass(
      `${from.region} reachable`,
      `${from.service} desired ${leavingService.desiredCount}, running ${leavingService.runningCount}`,
      false,
    );
  }
  if (run.direction === 'failback' && !primaryReachable)
    fail(`${to.region} reachable`, `failback needs ${to.region} back; its ECS API did not answer`);

  // The service traffic moves to.
  const arriving = await probe(checks, `${to.region} service`, true, () =>
    ecs(to.region).send(new DescribeServicesCommand({ cluster: to.cluster, services: [to.service] })),
  );
  const arrivingService = arriving?.services?.[0];
  if (arriving && !arrivingService) fail(`${to.region} service`, `${to.service} not found in ${to.cluster}`);
  if (arrivingService)
    pass(
      `${to.region} service`,
      `${to.service} desired ${arrivingService.desiredCount}, running ${arrivingService.runningCount}; will run ${desiredCount}`,
    );

  // Capacity: the tasks must fit the region's Fargate vCPU quota, as Service Quotas applies it (else as configured).
  const { serviceCode, quotaCode } = FARGATE_VCPU_QUOTA;
  let quota = settings.fargateVcpuQuota;
  let source = `configured dr.fargateVcpuQuota`;
  try {
    const applied = (await serviceQuotas(to.region).send(new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode })))
      .Quota?.Value;
    if (applied !== undefined) [quota, source] = [applied, `Service Quotas ${serviceCode}/${quotaCode}`];
  } catch (error) {
    source += `; Service Quotas did not answer: ${isDenied(error) ? "the runbook's role may not read it" : messageOf(error)}`;
  }
  const vcpu = desiredCount * settings.taskVcpu;
  if (vcpu <= quota)
    pass('Fargate vCPU quota', `${desiredCount} tasks × ${settings.taskVcpu} vCPU = ${vcpu} of ${quota} in ${to.region} (${source})`);
  else
    fail(
      'Fargate vCPU quota',
      `${desiredCount} tasks × ${settings.taskVcpu} vCPU = ${vcpu} exceeds the quota of ${quota} in ${to.region} (${source}): raise it (Service Quotas ${quotaCode}) first`,
    );

  // The database.
  let database: DatabasePlan | undefined;
  let estimatedRpoSeconds: number | undefined;
  const toRole = run.direction === 'failover' ? 'dr' : 'primary';
  const fromRole = run.direction === 'failover' ? 'primary' : 'dr';
  if (inventory.primary.databaseInstanceId) {
    const targetId = databaseIdOf(inventory, toRole);
    if (run.direction === 'failover' && inventory.strategy === 'warm-standby') {
      const described = await probe(checks, `${to.region} database`, true, () =>
        rds(to.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: targetId })),
      );
      const instance = described?.DBInstances?.[0];
      if (instance) {
        const replica = Boolean(instance.ReadReplicaSourceDBInstanceIdentifier);
        if (instance.DBInstanceStatus !== 'available')
          fail(`${to.region} database`, `${targetId} is ${instance.DBInstanceStatus}, not available`);
        else
          pass(
            `${to.region} database`,
            replica
              ? `${targetId} is an available read replica`
              : `${targetId} is already a standalone instance (promoted earlier): nothing to promote`,
          );
        const lag = replica ? await probe(checks, 'replica lag', false, () => replicaLagSeconds(to.region, targetId, now, 10)) : undefined;
        if (lag !== undefined) {
          estimatedRpoSeconds = lag;
          checks.push({
            name: 'replica lag',
            ok: lag <= inventory.rpoSeconds,
            blocking: false,
            detail: `${Math.round(lag)} s behind (RPO target ${inventory.rpoSeconds} s)`,
          });
        }
        database = { action: replica ? 'promote' : 'already-promoted', instanceId: targetId, replicaLagSeconds: lag };
      }
    } else if (run.direction === 'failover') {
      const existing = await describeInstance(to.region, targetId);
      const described = await probe(checks, `${to.region} snapshot copies`, true, () =>
        rds(to.region).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' })),
      );
      const copies = (described?.DBSnapshots ?? [])
        .filter(
          (s) =>
            s.Status === 'available' &&
            (s.TagList ?? []).some((t) => t.Key === 'lifeline:managed' && t.Value === 'true') &&
            (s.TagList ?? []).some((t) => t.Key === 'lifeline:target' && t.Value === 'database'),
        )
        .sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0));
      const newest = copies[0];
      if (existing) {
        const ours = (existing.TagList ?? []).some((t) => t.Key === 'lifeline:execution' && t.Value === run.executionName);
        if (ours) pass(`${to.region} database`, `${targetId} was restored by this execution already: continuing`);
        else
          fail(
            `${to.region} database`,
            `${targetId} already exists in ${to.region} and was not created by this execution: resolve the name conflict first`,
          );
      }
      if (newest?.DBSnapshotIdentifier) {
        const age = (now.getTime() - (newest.SnapshotCreateTime?.getTime() ?? 0)) / 1000;
        estimatedRpoSeconds = age;
        pass(`${to.region} snapshot copies`, `newest copy ${newest.DBSnapshotIdentifier}, ${Math.round(age / 60)} min old`);
        checks.push({
          name: 'snapshot age',
          ok: age <= inventory.rpoSeconds,
          blocking: false,
          detail: `${Math.round(age)} s old (RPO target ${inventory.rpoSeconds} s)`,
        });
        database = {
          action: 'restore',
          instanceId: targetId,
          snapshotId: newest.DBSnapshotIdentifier,
          snapshotAgeSeconds: age,
          instanceClass: settings.instanceClass,
        };
      } else if (described) fail(`${to.region} snapshot copies`, `no available Lifeline copy of the database in ${to.region} to restore`);
    } else {
      // Failback: the DR database must be the standalone writer a failover left.
      const sourceId = databaseIdOf(inventory, fromRole);
      const described = await probe(checks, `${from.region} database`, true, () =>
        rds(from.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: sourceId })),
      );
      const source = described?.DBInstances?.[0];
      if (source?.ReadReplicaSourceDBInstanceIdentifier)
        fail(`${from.region} database`, `${sourceId} is still a read replica: there is no failover to undo`);
      else if (source && source.DBInstanceStatus !== 'available')
        fail(`${from.region} database`, `${sourceId} is ${source.DBInstanceStatus}, not available`);
      else if (source) pass(`${from.region} database`, `${sourceId} is the standalone writer`);
      let staleInstanceId: string | undefined;
      if (primaryReachable) {
        const old = await describeInstance(to.region, targetId);
        const oursAlready = old?.ReadReplicaSourceDBInstanceIdentifier?.endsWith(`:db:${sourceId}`);
        if (old && !oursAlready) {
          staleInstanceId = staleName(targetId, now);
          pass(
            'name conflict',
            `${targetId} in ${to.region} holds the data from before the failover: it will be renamed ${staleInstanceId} (kept, deletion protection on)`,
            false,
          );
        }
      }
      database = { action: 'rebuild', instanceId: targetId, sourceInstanceId: sourceId, staleInstanceId };
    }
  }

  // The cache.
  const mode = run.direction === 'failover' ? cacheMode(settings, inventory) : 'existing';
  let cache: CachePlan = { mode: 'none' };
  const cacheId = cacheIdOf(inventory, toRole);
  if (mode === 'global-datastore') {
    const globalId = settings.cacheGlobalDatastoreId ?? '';
    const globals = await probe(checks, 'cache global datastore', true, () =>
      elasticache(to.region).send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: globalId })),
    );
    if (globals?.GlobalReplicationGroups?.[0])
      pass('cache global datastore', `${globalId}: ${to.region} member ${cacheId} becomes primary`);
    cache = { mode, groupId: cacheId, globalId };
  } else if (mode !== 'none' && mode !== 'existing') {
    const group = await elasticache(to.region)
      .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: cacheId }))
      .then(
        (r) => r.ReplicationGroups?.[0],
        () => undefined,
      );
    if (!to.cacheSubnetGroupName && !group)
      fail(`${to.region} cache`, `no cache placement (subnet group) in ${to.region} to create the cache in`);
    if (mode === 'restore-snapshot' && !group) {
      const rdbKey = await probe(checks, 'cache copy', true, () => newestCacheCopy(ledger, to.region));
      if (rdbKey) {
        pass('cache copy', `restore from s3://${to.bucket}/${rdbKey}`);
        cache = { mode, groupId: cacheId, rdbKey, nodeType: settings.cacheNodeType, engine: settings.cacheEngine };
      } else fail('cache copy', `no cache backup copied to ${to.region} (run a backup first, or use cacheRecovery fresh)`);
    } else {
      pass(`${to.region} cache`, group ? `${cacheId} is ${group.Status}: used as is` : `an empty ${cacheId} will be created`);
      cache = { mode: 'fresh', groupId: cacheId, nodeType: settings.cacheNodeType, engine: settings.cacheEngine, exists: Boolean(group) };
    }
  } else if (mode === 'existing') {
    cache = { mode, groupId: inventory[toRole].cacheReplicationGroupId };
  }

  // DNS: the failover pair must be there to switch.
  if (inventory.dns) {
    const dns = inventory.dns;
    const sets = await probe(checks, 'DNS records', true, () =>
      route53().send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId, StartRecordName: dns.domainName })),
    );
    const failover = (sets?.ResourceRecordSets ?? []).filter((r) => normalizeDns(r.Name) === normalizeDns(dns.domainName) && r.Failover);
    if (sets && failover.length === 2) pass('DNS records', `failover pair for ${dns.domainName} found`);
    else if (sets) fail('DNS records', `expected a PRIMARY and a SECONDARY record for ${dns.domainName}, found ${failover.length}`);
  } else {
    checks.push({
      name: 'DNS records',
      ok: false,
      blocking: false,
      detail: 'no DNS configured: clients must be pointed at the DR endpoint another way',
    });
  }

  const serviceScales = (arrivingService?.desiredCount ?? 0) < desiredCount;
  const path = criticalPath(settings.timings, {
    direction: run.direction,
    strategy: inventory.strategy,
    cache: cache.mode === 'fresh' && cache.exists ? 'existing' : cache.mode,
    serviceScales,
    healthyChecks: settings.healthyChecks,
    healthIntervalSeconds: settings.healthIntervalSeconds,
  });
  // API calls and the first poll after each expected duration: a few percent on top of the operations.
  const expectedRtoSeconds = Math.round(path.seconds * 1.05);
  checks.push({
    name: 'expected RTO',
    ok: expectedRtoSeconds <= inventory.rtoSeconds,
    blocking: false,
    detail: `${Math.round(expectedRtoSeconds / 60)} min (target ${inventory.rtoSeconds / 60} min): ${path.operations.map((o) => `${o.name} ${o.seconds} s`).join(' → ')}`,
  });

  return {
    ok: checks.every((c) => c.ok || !c.blocking),
    checks,
    primaryReachable,
    desiredCount,
    desiredCountSource,
    database,
    cache,
    estimatedRpoSeconds,
    expectedRtoSeconds,
    criticalPath: path,
    rtoTargetSeconds: inventory.rtoSeconds,
    rpoTargetSeconds: inventory.rpoSeconds,
  };
}

const deps = drDepsFromEnv();

export const handler = async (event: { run: Run }): Promise<Preflight> => {
  const result = await preflight(event.run, deps, new Date());
  // The preflight's own calls take time: it finishes when it returns.
  return { ...result, finishedAt: new Date().toISOString() };
};
