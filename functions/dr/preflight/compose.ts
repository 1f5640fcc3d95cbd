import type { Run } from '../../../contracts/dr-runbook';
import { databaseParameter } from '../aws';
import { criticalPath, type CriticalPath, trafficMovesDuringRecovery } from '../critical-path';
import { type Clock, type DrDeps, sides } from '../deps';
import { capacityChecks } from './capacity';
import { cacheChecks } from './cache';
import { databaseChecks } from './database';
import { dnsChecks } from './dns';
import { Findings, type PreflightContext } from './findings';
import type { CachePlan, Part, Preflight } from './plan';
import { serviceChecks } from './service';

/** The RTO the plan expects: the critical path of its AWS operations, and a finding against the target. */
function expectedRto(
  { run, inventory, settings }: PreflightContext,
  plan: {
    cache: CachePlan;
    serviceScales: boolean;
    renamesDatabase: boolean;
    repoints: boolean;
    primaryReachable: boolean;
    restoreFrom?: 'snapshot' | 'automated-backups';
  },
): Part<{ seconds: number; path: CriticalPath }> {
  const path = criticalPath(settings.timings, {
    direction: run.direction,
    strategy: inventory.strategy,
    restoreFrom: plan.restoreFrom,
    cache: plan.cache.mode === 'fresh' && plan.cache.exists ? 'existing' : plan.cache.mode,
    serviceScales: plan.serviceScales,
    renamesDatabase: plan.renamesDatabase,
    healthyChecks: settings.healthyChecks,
    healthIntervalSeconds: settings.healthIntervalSeconds,
    dns: inventory.dns !== undefined,
    repoints: plan.repoints,
    trafficDuringRecovery: trafficMovesDuringRecovery(run.direction, plan.primaryReachable),
  });
  // API calls and the first poll after each expected duration: a few percent on top of the operations.
  const seconds = Math.round(path.seconds * 1.05);
  const findings = new Findings();
  const operations = path.operations.map((o) => `${o.name} ${o.seconds} s`).join(' → ');
  findings.note(
    'expected RTO',
    seconds <= inventory.rtoSeconds,
    `${Math.round(seconds / 60)} min (target ${inventory.rtoSeconds / 60} min): ${operations}`,
  );
  return { checks: findings.checks, seconds, path };
}

/**
 * Everything the runbook needs to know before it changes anything, read
 * from the region traffic moves to; calls to the region it leaves are best
 * effort (that region may be down) and their failures are findings. One
 * concern after the other, so the checks keep their order.
 */
export async function preflight(run: Run, deps: DrDeps, clock: Clock): Promise<Preflight> {
  const ctx: PreflightContext = { ...deps, ...sides(deps.inventory, run.direction), run, now: clock() };
  const service = await serviceChecks(ctx);
  const capacity = await capacityChecks(ctx, service.desiredCount);
  const database = await databaseChecks(ctx, service.primaryReachable);
  const cache = await cacheChecks(ctx);
  const dns = await dnsChecks(ctx);
  const renamesDatabase = database.plan?.action === 'rebuild' && database.plan.staleInstanceId !== undefined;
  // The application already uses the writer-to-be (a warm standby's replica keeps its endpoint when promoted): no repoint.
  const writer = database.plan?.instanceId;
  const repoints =
    writer !== undefined && (await databaseParameter(ctx.to.region, ctx.inventory.appName).catch(() => undefined)) !== writer;
  const rto = expectedRto(ctx, {
    cache: cache.plan,
    serviceScales: service.serviceScales,
    renamesDatabase,
    repoints,
    primaryReachable: service.primaryReachable,
    restoreFrom: database.plan?.action === 'restore' ? database.plan.source : undefined,
  });
  const checks = [service, capacity, database, cache, dns, rto].flatMap((part) => part.checks);
  return {
    ok: checks.every((c) => c.ok || !c.blocking),
    checks,
    primaryReachable: service.primaryReachable,
    desiredCount: service.desiredCount,
    desiredCountSource: service.desiredCountSource,
    database: database.plan,
    cache: cache.plan,
    estimatedRpoSeconds: database.estimatedRpoSeconds,
    expectedRtoSeconds: rto.seconds,
    criticalPath: rto.path,
    rtoTargetSeconds: ctx.inventory.rtoSeconds,
    rpoTargetSeconds: ctx.inventory.rpoSeconds,
    // The preflight's own calls take time: it finishes when it returns.
    finishedAt: clock().toISOString(),
  };
}
