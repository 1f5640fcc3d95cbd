import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  FailoverGlobalReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { ModifyDBInstanceCommand, PromoteReadReplicaCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { ecs, elasticache, rds, route53, ssm } from '../shared/clients';
import { describeInstance, normalizeDns, replaceWithReplica, replicaLagSeconds, runTags } from './aws';
import { insertHeartbeat, newestHeartbeat, withDatabase } from '../shared/database';
import { LifelineError, parseInput } from '../shared/errors';
import { databaseParameterName, type Inventory } from '../../contracts/inventory';
import { lastHeartbeatWrite } from '../shared/ledger';
import { logger } from '../shared/powertools';
import type { Run } from '../../contracts/dr-runbook';
import { databaseIdOf, type DrDeps, drDepsFromEnv, sides } from './deps';
import type { Preflight } from './preflight';

/**
 * The runbooks' recovery steps. Each is started once and then polled: the
 * state machine waits `waitSeconds` (the expected duration from the latency
 * profile first, then a short interval) between calls, so polling costs
 * little and adds little to the RTO. Every start is idempotent: a re-run (or
 * a redrive) finds its earlier work and continues.
 */
export const STEPS = ['database', 'cache', 'service', 'replication', 'quiesce', 'repoint', 'dns', 'health', 'reprotect'] as const;
export type StepName = (typeof STEPS)[number];

export interface Progress {
  readonly step: StepName;
  readonly ready: boolean;
  readonly waitSeconds: number;
  readonly startedAt: string;
  /** What the start expected the step to take: the run gives up at three times that. */
  readonly plannedSeconds: number;
  readonly readyAt?: string;
  readonly polls: number;
  readonly detail: Record<string, unknown>;
}

export interface RunbookState {
  readonly run: Run;
  readonly preflight: Preflight;
  readonly progress?: Progress;
  readonly [key: string]: unknown;
}

const eventSchema = z.object({
  step: z.enum(STEPS),
  action: z.enum(['start', 'status']),
  state: z.looseObject({ run: z.looseObject({}), preflight: z.looseObject({}) }),
});

/** Seconds between polls once the expected duration has passed. */
const POLL_SECONDS: Record<StepName, number> = {
  database: 15,
  cache: 15,
  service: 15,
  replication: 30,
  quiesce: 10,
  repoint: 15,
  dns: 10,
  health: 10,
  reprotect: 60,
};

async function serviceSteady(
  region: string,
  cluster: string,
  service: string,
): Promise<{ steady: boolean; detail: Record<string, unknown> }> {
  const described = (await ecs(region).send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
  if (!described) throw new LifelineError('ServiceNotFound', `${service} not found in ${cluster} (${region})`);
  const steady =
    described.runningCount === described.desiredCount &&
    (described.pendingCount ?? 0) === 0 &&
    (described.deployments ?? []).length <= 1 &&
    described.deployments?.[0]?.rolloutState !== 'IN_PROGRESS';
  const failedToPlace = (described.events ?? []).find((e) => /unable to place/.test(e.message ?? ''));
  return {
    steady,
    detail: {
      desired: described.desiredCount,
      running: described.runningCount,
      pending: described.pendingCount,
      ...(failedToPlace && !steady ? { lastProblem: failedToPlace.message } : {}),
    },
  };
}

type Outcome = { ready: boolean; detail?: Record<string, unknown>; waitSeconds?: number };

/**
 * One step: `start` begins it (or finds it begun) and says how long to
 * wait; `status` reports whether it is done, failing the run once it has
 * taken far longer than planned.
 */
export async function runStep(
  step: StepName,
  action: 'start' | 'status',
  state: RunbookState,
  deps: DrDeps,
  now: Date,
): Promise<RunbookState> {
  const { run, preflight } = state;
  const { inventory, settings } = deps;
  const { from, to } = sides(inventory, run.direction);
  const fromRole = run.direction === 'failover' ? 'primary' : 'dr';
  const t = settings.timings;
  const previous = action === 'status' ? state.progress : undefined;
  if (action === 'status' && previous?.step !== step)
    throw new LifelineError('StepStateError', `status of ${step} asked without its start`);

  const start = async (): Promise<Outcome> => {
    switch (step) {
      case 'database': {
        const plan = preflight.database;
        if (!plan) return { ready: true, detail: { skipped: 'no database' } };
        if (plan.action === 'already-promoted')
          return { ready: false, waitSeconds: 0, detail: { instanceId: plan.instanceId, action: 'already promoted' } };
        if (plan.action === 'promote' || plan.action === 'rebuild') {
          const instance = await describeInstance(to.region, plan.instanceId);
          if (instance?.ReadReplicaSourceDBInstanceIdentifier) {
            await rds(to.region).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: plan.instanceId, BackupRetentionPeriod: 7 }));
            return { ready: false, waitSeconds: t.promoteReplica, detail: { instanceId: plan.instanceId, action: 'promote read replica' } };
          }
          if (!instance) throw new LifelineError('DatabaseNotFound', `${plan.instanceId} not found in ${to.region}`);
          return { ready: false, waitSeconds: 0, detail: { instanceId: plan.instanceId, action: 'already promoted' } };
        }
        if (plan.action !== 'restore') throw new LifelineError('StepStateError', `unknown database action ${plan.action}`);
        const existing = await describeInstance(to.region, plan.instanceId);
        if (!existing) {
          await rds(to.region).send(
            new RestoreDBInstanceFromDBSnapshotCommand({
              DBInstanceIdentifier: plan.instanceId,
              DBSnapshotIdentifier: plan.snapshotId,
              DBInstanceClass: plan.instanceClass,
              DBSubnetGroupName: to.dbSubnetGroupName,
              VpcSecurityGroupIds: to.databaseSecurityGroupId ? [to.databaseSecurityGroupId] : undefined,
              MultiAZ: true,
              PubliclyAccessible: false,
              DeletionProtection: true,
              Tags: runTags(run),
            }),
          );
        } else if (!(existing.TagList ?? []).some((tag) => tag.Key === 'lifeline:execution' && tag.Value === run.executionName)) {
          throw new LifelineError('NameConflict', `${plan.instanceId} exists in ${to.region} and was not restored by this execution`);
        }
        return {
          ready: false,
          waitSeconds: t.restoreInstance,
          detail: { instanceId: plan.instanceId, action: `restore ${plan.snapshotId}` },
        };
      }
      case 'cache': {
        const plan = preflight.cache;
        if (plan.mode === 'none' || plan.mode === 'existing') return { ready: true, detail: { mode: plan.mode, groupId: plan.groupId } };
        if (plan.mode === 'global-datastore') {
          const global = (
            await elasticache(to.region).send(
              new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: plan.globalId, ShowMemberInfo: true }),
            )
          ).GlobalReplicationGroups?.[0];
          const primary = global?.Members?.find((m) => m.Role === 'PRIMARY');
          if (primary?.ReplicationGroupRegion !== to.region) {
            await elasticache(to.region).send(
              new FailoverGlobalReplicationGroupCommand({
                GlobalReplicationGroupId: plan.globalId,
                PrimaryRegion: to.region,
                PrimaryReplicationGroupId: plan.groupId,
              }),
            );
          }
          return { ready: false, waitSeconds: t.cacheGlobalFailover, detail: { mode: plan.mode, groupId: plan.groupId } };
        }
        if (plan.mode !== 'fresh' && plan.mode !== 'restore-snapshot') throw new LifelineError('StepStateError', 'unknown cache mode');
        if (plan.mode === 'fresh' && plan.exists)
          return { ready: true, detail: { mode: 'fresh', groupId: plan.groupId, note: 'the standby cache is used as is' } };
        const existing = await elasticache(to.region)
          .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: plan.groupId }))
          .then(
            (r) => r.ReplicationGroups?.[0],
            () => undefined,
          );
        if (!existing) {
          await elasticache(to.region).send(
            new CreateReplicationGroupCommand({
              ReplicationGroupId: plan.groupId,
              ReplicationGroupDescription: `Lifeline ${run.direction} cache (${run.executionName})`,
              Engine: plan.engine,
              CacheNodeType: plan.nodeType,
              NumNodeGroups: 1,
              ReplicasPerNodeGroup: 1,
              MultiAZEnabled: true,
              AutomaticFailoverEnabled: true,
              AtRestEncryptionEnabled: true,
              TransitEncryptionEnabled: true,
              CacheSubnetGroupName: to.cacheSubnetGroupName,
              SecurityGroupIds: to.cacheRestoreSecurityGroupId ? [to.cacheRestoreSecurityGroupId] : undefined,
              SnapshotArns: plan.mode === 'restore-snapshot' ? [`arn:aws:s3:::${to.bucket}/${plan.rdbKey}`] : undefined,
              Tags: runTags(run),
            }),
          );
        }
        return { ready: false, waitSeconds: t.cacheCreate, detail: { mode: plan.mode, groupId: plan.groupId } };
      }
      case 'service': {
        const current = (await ecs(to.region).send(new DescribeServicesCommand({ cluster: to.cluster, services: [to.service] })))
          .services?.[0];
        if ((current?.desiredCount ?? 0) >= preflight.desiredCount)
          return { ready: false, waitSeconds: 0, detail: { desired: current?.desiredCount } };
        await ecs(to.region).send(
          new UpdateServiceCommand({ cluster: to.cluster, service: to.service, desiredCount: preflight.desiredCount }),
        );
        return {
          ready: false,
          waitSeconds: t.taskStart,
          detail: { desired: preflight.desiredCount, source: preflight.desiredCountSource },
        };
      }
      case 'replication': {
        const plan = preflight.database;
        if (plan?.action !== 'rebuild') return { ready: true, detail: { skipped: 'no database to rebuild' } };
        const source = await describeInstance(from.region, plan.sourceInstanceId);
        if (!source?.DBInstanceArn) throw new LifelineError('DatabaseNotFound', `${plan.sourceInstanceId} not found in ${from.region}`);
        // The instance left by the failover holds the data of before it: kept under another name, never deleted here.
        const renamed = await replaceWithReplica({
          id: plan.instanceId,
          source,
          placement: to,
          multiAz: true,
          run,
          now,
          staleId: plan.staleInstanceId,
        });
        return {
          ready: false,
          waitSeconds: t.createReplica,
          detail: { instanceId: plan.instanceId, source: plan.sourceInstanceId, renamed },
        };
      }
      case 'quiesce': {
        // A planned switch: stop the writers first so the replica can take every write before it is promoted.
        await ecs(from.region).send(new UpdateServiceCommand({ cluster: from.cluster, service: from.service, desiredCount: 0 }));
        return { ready: false, waitSeconds: t.taskStop, detail: { service: from.service, region: from.region } };
      }
      case 'repoint': {
        const instanceId = preflight.database?.instanceId;
        if (instanceId)
          await ssm(to.region).send(
            new PutParameterCommand({ Name: databaseParameterName(inventory.appName), Value: instanceId, Type: 'String', Overwrite: true }),
          );
        await ecs(to.region).send(
          new UpdateServiceCommand({
            cluster: to.cluster,
            service: to.service,
            desiredCount: preflight.desiredCount,
            forceNewDeployment: true,
          }),
        );
        return {
          ready: false,
          waitSeconds: t.taskStart + t.taskStop,
          detail: { parameter: databaseParameterName(inventory.appName), instanceId },
        };
      }
      case 'dns': {
        const dns = inventory.dns;
        if (!dns) return { ready: true, detail: { skipped: 'no DNS configured' } };
        const sets =
          (await route53().send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId, StartRecordName: dns.domainName })))
            .ResourceRecordSets ?? [];
        const pair = sets.filter((r) => normalizeDns(r.Name) === normalizeDns(dns.domainName) && r.Failover);
        const primary = pair.find((r) => r.Failover === 'PRIMARY');
        const secondary = pair.find((r) => r.Failover === 'SECONDARY');
        if (!primary || !secondary) throw new LifelineError('DnsRecordsMissing', `the failover pair of ${dns.domainName} is incomplete`);
        if (normalizeDns(primary.AliasTarget?.DNSName) === normalizeDns(to.endpoint))
          return { ready: true, detail: { note: `${dns.domainName} already points at ${to.region}` } };
        // Swap the targets: the region traffic moves to becomes PRIMARY, so a recovered old region cannot take traffic back on its own.
        const swapped = (record: ResourceRecordSet, other: ResourceRecordSet): ResourceRecordSet => ({
          ...record,
          AliasTarget: other.AliasTarget,
          HealthCheckId: other.HealthCheckId,
        });
        const change = await route53().send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: dns.hostedZoneId,
            ChangeBatch: {
              Comment: `Lifeline ${run.direction} ${run.executionName}`,
              Changes: [
                { Action: 'UPSERT', ResourceRecordSet: swapped(primary, secondary) },
                { Action: 'UPSERT', ResourceRecordSet: swapped(secondary, primary) },
              ],
            },
          }),
        );
        return {
          ready: false,
          waitSeconds: t.dnsPropagation,
          detail: { changeId: change.ChangeInfo?.Id, domainName: dns.domainName, to: to.endpoint },
        };
      }
      case 'health':
        return { ready: false, waitSeconds: 0, detail: { consecutive: 0, endpoint: to.endpoint } };
      case 'reprotect': {
        // Back to standby: the DR service shrinks to its standby size and (warm standby) replicates again.
        await ecs(from.region).send(
          new UpdateServiceCommand({
            cluster: from.cluster,
            service: from.service,
            desiredCount: inventory.strategy === 'warm-standby' ? settings.standbyCount : 0,
          }),
        );
        const drId = databaseIdOf(inventory, fromRole);
        const primaryId = preflight.database?.instanceId;
        const current = await describeInstance(from.region, drId);
        if (inventory.strategy !== 'warm-standby' || !primaryId)
          return {
            ready: false,
            waitSeconds: t.taskStop,
            detail: {
              standbyCount: 0,
              database: current ? `${drId} kept (restored by the failover; delete it when no longer needed)` : 'none',
            },
          };
        const primary = await describeInstance(to.region, primaryId);
        if (!primary?.DBInstanceArn) throw new LifelineError('DatabaseNotFound', `${primaryId} not found in ${to.region}`);
        const renamed = await replaceWithReplica({ id: drId, source: primary, placement: from, multiAz: false, run, now });
        // The DR application has no writer again until the next failover.
        await ssm(from.region).send(
          new PutParameterCommand({ Name: databaseParameterName(inventory.appName), Value: 'none', Type: 'String', Overwrite: true }),
        );
        return { ready: false, waitSeconds: t.createReplica, detail: { standbyCount: settings.standbyCount, replica: drId, renamed } };
      }
    }
  };

  const status = async (detail: Record<string, unknown>): Promise<Outcome> => {
    switch (step) {
      case 'database': {
        const id = String(detail.instanceId ?? preflight.database?.instanceId ?? '');
        const instance = await describeInstance(to.region, id);
        if (!instance || instance.DBInstanceStatus !== 'available' || instance.ReadReplicaSourceDBInstanceIdentifier)
          return { ready: false, detail: { ...detail, status: instance?.DBInstanceStatus ?? 'missing' } };
        if (run.direction === 'failback') {
          // The rebuilt primary is production again: protect it from deletion.
          if (!instance.DeletionProtection)
            await rds(to.region).send(
              new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: true, ApplyImmediately: true }),
            );
          return { ready: true, detail: { ...detail, status: 'available', writable: 'standalone (checked by the application health)' } };
        }
        return {
          ready: true,
          detail: { ...detail, status: 'available', ...(await measureRecoveryPoint(inventory, deps, run, to.region, id, fromRole)) },
        };
      }
      case 'cache': {
        const plan = preflight.cache;
        if (plan.mode === 'global-datastore') {
          const global = (
            await elasticache(to.region).send(
              new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: plan.globalId, ShowMemberInfo: true }),
            )
          ).GlobalReplicationGroups?.[0];
          const primary = global?.Members?.find((m) => m.Role === 'PRIMARY');
          return {
            ready: global?.Status === 'available' && primary?.ReplicationGroupRegion === to.region,
            detail: { ...detail, status: global?.Status },
          };
        }
        const group = (
          await elasticache(to.region).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: String(detail.groupId) }))
        ).ReplicationGroups?.[0];
        return { ready: group?.Status === 'available', detail: { ...detail, status: group?.Status } };
      }
      case 'service':
      case 'repoint': {
        const { steady, detail: service } = await serviceSteady(to.region, to.cluster, to.service);
        return { ready: steady, detail: { ...detail, ...service } };
      }
      case 'quiesce': {
        const { steady, detail: service } = await serviceSteady(from.region, from.cluster, from.service);
        if (!steady) return { ready: false, detail: { ...detail, ...service } };
        // The writers are gone: every write they made reaches the replica within the lag measured now.
        const plan = preflight.database;
        const stoppedAt = typeof detail.writersStoppedAt === 'string' ? detail.writersStoppedAt : now.toISOString();
        const lag =
          typeof detail.replicaLagSeconds === 'number'
            ? detail.replicaLagSeconds
            : plan?.action === 'rebuild'
              ? ((await replicaLagSeconds(to.region, plan.instanceId, now, 5)) ?? t.replicaLag)
              : 0;
        const caughtUpAt = Date.parse(stoppedAt) + Math.max(lag, settings.maxCatchUpLagSeconds) * 1000;
        const ready = now.getTime() >= caughtUpAt;
        return {
          ready,
          waitSeconds: Math.max(1, Math.ceil((caughtUpAt - now.getTime()) / 1000)),
          detail: { ...detail, ...service, writersStoppedAt: stoppedAt, replicaLagSeconds: lag },
        };
      }
      case 'replication': {
        const plan = preflight.database;
        if (plan?.action !== 'rebuild') return { ready: true, detail };
        const instance = await describeInstance(to.region, plan.instanceId);
        if (instance?.DBInstanceStatus !== 'available')
          return { ready: false, detail: { ...detail, status: instance?.DBInstanceStatus ?? 'missing' } };
        const lag = await replicaLagSeconds(to.region, plan.instanceId, now, 5);
        return {
          ready: lag !== undefined && lag <= Math.max(settings.maxCatchUpLagSeconds, t.replicaLag),
          detail: { ...detail, status: 'available', replicaLagSeconds: lag },
        };
      }
      case 'dns': {
        const change = await route53().send(new GetChangeCommand({ Id: String(detail.changeId) }));
        return { ready: change.ChangeInfo?.Status === 'INSYNC', detail: { ...detail, status: change.ChangeInfo?.Status } };
      }
      case 'health': {
        const url = `http://${to.endpoint}${settings.healthCheckPath}`;
        let healthy = false;
        let answer: string;
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
          healthy = response.ok;
          answer = `${response.status} ${(await response.text()).slice(0, 200)}`;
        } catch (error) {
          answer = error instanceof Error ? error.message : String(error);
        }
        const consecutive = healthy ? Number(detail.consecutive ?? 0) + 1 : 0;
        return {
          ready: consecutive >= settings.healthyChecks,
          waitSeconds: settings.healthIntervalSeconds,
          detail: { ...detail, url, consecutive, lastAnswer: answer },
        };
      }
      case 'reprotect': {
        const replica = detail.replica ? await describeInstance(from.region, String(detail.replica)) : undefined;
        const { steady, detail: service } = await serviceSteady(from.region, from.cluster, from.service);
        return {
          ready: steady && (!detail.replica || replica?.DBInstanceStatus === 'available'),
          detail: { ...detail, ...service, replicaStatus: replica?.DBInstanceStatus },
        };
      }
    }
  };

  if (action === 'start') {
    const outcome = await start();
    const ready = outcome.ready;
    const waitSeconds = Math.ceil(outcome.waitSeconds ?? 0);
    const progress: Progress = {
      step,
      ready,
      waitSeconds,
      plannedSeconds: waitSeconds,
      startedAt: now.toISOString(),
      readyAt: ready ? now.toISOString() : undefined,
      polls: 0,
      detail: outcome.detail ?? {},
    };
    logger.info('step started', { step, ready, waitSeconds: progress.waitSeconds });
    return { ...state, progress, [step]: ready ? progress : undefined };
  }
  const started = previous as Progress;
  const outcome = await status(started.detail);
  const elapsed = (now.getTime() - Date.parse(started.startedAt)) / 1000;
  // Give up at three times the planned duration (and at least 15 minutes): something is wrong, say what.
  const planned = started.plannedSeconds;
  const limit = Math.max(900, 3 * planned);
  if (!outcome.ready && elapsed > limit) {
    throw new LifelineError(
      'StepTimedOut',
      `${step} not done after ${Math.round(elapsed)} s (planned ${planned} s): ${JSON.stringify(outcome.detail)}`,
    );
  }
  const progress: Progress = {
    step,
    ready: outcome.ready,
    waitSeconds: Math.ceil(outcome.waitSeconds ?? POLL_SECONDS[step]),
    startedAt: started.startedAt,
    plannedSeconds: planned,
    readyAt: outcome.ready ? now.toISOString() : undefined,
    polls: started.polls + 1,
    detail: outcome.detail ?? {},
  };
  return { ...state, progress, [step]: outcome.ready ? progress : undefined };
}

/**
 * The recovery point of the promoted (or restored) database: its newest
 * heartbeat from before the runbook started, against the newest heartbeat
 * the heartbeat function recorded writing into the old writer. Then a write
 * proves the new writer takes writes.
 */
async function measureRecoveryPoint(
  inventory: Inventory,
  deps: DrDeps,
  run: Run,
  region: string,
  instanceId: string,
  fromRole: 'primary' | 'dr',
): Promise<Record<string, unknown>> {
  const lastWritten = await lastHeartbeatWrite(deps.ledger, databaseIdOf(inventory, fromRole));
  return withDatabase({ region, instanceId, secretId: inventory.databaseSecretId }, async (client) => {
    const recovery = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
    if (recovery.rows[0]?.in_recovery) return { writable: false, note: 'still in recovery' };
    const newest = await newestHeartbeat(client, new Date(run.startedAt));
    await insertHeartbeat(client, new Date(), `dr-${run.direction}-probe`);
    const reference = lastWritten ?? new Date(run.startedAt);
    return {
      writable: true,
      newestHeartbeat: newest?.toISOString(),
      lastHeartbeatWritten: lastWritten?.toISOString(),
      rpoBasis: lastWritten ? 'newest heartbeat the old writer took (ledger)' : 'runbook start (no heartbeat record found: an upper bound)',
      rpoSeconds: newest ? Math.max(0, (reference.getTime() - newest.getTime()) / 1000) : undefined,
    };
  });
}

const deps = drDepsFromEnv();

export const handler = async (event: unknown): Promise<RunbookState> => {
  const parsed = parseInput(eventSchema, event, 'DR step');
  return runStep(parsed.step, parsed.action, parsed.state as unknown as RunbookState, deps, new Date());
};
