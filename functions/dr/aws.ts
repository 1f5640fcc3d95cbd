import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { DescribeReplicationGroupsCommand, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import {
  CreateDBInstanceReadReplicaCommand,
  DBInstanceAlreadyExistsFault,
  type DBInstance,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand } from '@aws-sdk/client-ssm';
import { cloudwatch, ecs, elasticache, rds, ssm } from '../shared/clients';
import { LifelineError } from '../shared/errors';
import { MAX_LENGTH, regionOfArn, resourceName } from '../../contracts/identifiers';
import { databaseParameterName, type RegionalWorkload } from '../../contracts/inventory';
import type { Run } from '../../contracts/dr-runbook';

/**
 * The AWS reads and changes the DR functions share: one place each, so the
 * preflight, the steps and the report see the same thing the same way.
 */

/** A DB instance, or undefined when there is none of that name. */
export async function describeInstance(region: string, id: string): Promise<DBInstance | undefined> {
  try {
    return (await rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'DBInstanceNotFoundFault') return undefined;
    throw error;
  }
}

/** A DB instance another is replicated from: it must exist, with its ARN. */
export async function replicationSource(region: string, id: string): Promise<DBInstance> {
  const instance = await describeInstance(region, id);
  if (!instance?.DBInstanceArn) throw new LifelineError('DatabaseNotFound', `${id} not found in ${region}`);
  return instance;
}

/** Whether `instance` is a read replica of the instance named `sourceId`. */
export const replicatesFrom = (instance: DBInstance | undefined, sourceId: string | undefined): boolean =>
  instance?.ReadReplicaSourceDBInstanceIdentifier?.endsWith(`:db:${sourceId}`) ?? false;

/** The highest ReplicaLag CloudWatch reported for a replica in the last `minutes`. */
export async function replicaLagSeconds(region: string, instanceId: string, now: Date, minutes: number): Promise<number | undefined> {
  const result = await cloudwatch(region).send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - minutes * 60_000),
      EndTime: now,
      MetricDataQueries: [
        {
          Id: 'lag',
          MetricStat: {
            Metric: { Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }] },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return result.MetricDataResults?.[0]?.Values?.[0];
}

/** The name a superseded instance is kept under (a valid identifier however long `id` is). */
export const staleName = (id: string, now: Date): string =>
  resourceName([id, 'stale', now.toISOString().slice(0, 16).replace(/[-:T]/g, '')], MAX_LENGTH.rdsInstance);

/** The tags of everything a runbook creates. */
/**
 * Tags of what a run creates. `lifeline:app` too: a database it creates becomes the application's, and the
 * runbook's own permissions to promote or rename one are conditioned on that tag (RDS does not copy a source's
 * tags to a read replica or a restore).
 */
export const runTags = (run: Run, appName: string) => [
  { Key: 'lifeline:app', Value: appName },
  { Key: 'lifeline:managed', Value: 'true' },
  { Key: 'lifeline:created-by', Value: `dr-${run.direction}` },
  { Key: 'lifeline:execution', Value: run.executionName },
];

type Tags = readonly { readonly Key?: string; readonly Value?: string }[] | undefined;

export const hasTag = (tags: Tags, key: string, value: string): boolean =>
  (tags ?? []).some((tag) => tag.Key === key && tag.Value === value);

/** Whether this run created a resource (its `lifeline:execution` tag of {@link runTags}). */
export const createdBy = (tags: Tags, run: Run): boolean => hasTag(tags, 'lifeline:execution', run.executionName);

/** Where making an instance name a read replica stands. */
export interface Replacement {
  /**
   * `rename`: the instance that held the name is being renamed away, and RDS
   * frees the old name only when that rename completes; `replica`: the
   * replica is asked for (or was already there).
   */
  readonly waitingFor: 'rename' | 'replica';
  /** The name the superseded instance is kept under, once it has one. */
  readonly renamed?: string;
  /** The superseded instance's status while its rename is under way. */
  readonly status?: string;
}

/**
 * Makes `id` in `placement`'s region a read replica of `source`, one call at
 * a time: call it again while it answers `rename`. An instance of that name
 * that is anything else is renamed out of the way (kept, never deleted) to
 * `staleId`; RDS keeps the old name taken until the rename completes
 * ("renaming", then a reboot: RDS User Guide "Renaming a DB instance"), so the
 * replica is asked for only once the renamed instance is available again, and
 * DBInstanceAlreadyExists counts as done only when what holds the name really
 * is a replica of `source`. Idempotent: a replica of `source` already there is
 * left as it is.
 */
export async function replaceWithReplica(props: {
  id: string;
  source: DBInstance;
  placement: RegionalWorkload;
  multiAz: boolean;
  /** Tags of the new replica (what created it: {@link runTags} for a DR run). */
  tags: { Key: string; Value: string }[];
  now: Date;
  staleId?: string;
}): Promise<Replacement> {
  const { id, source, placement } = props;
  const region = placement.region;
  const staleId = props.staleId ?? staleName(id, props.now);
  const current = await describeInstance(region, id);
  if (replicatesFrom(current, source.DBInstanceIdentifier)) return { waitingFor: 'replica' };
  const stale = await describeInstance(region, staleId);
  // A rename to staleId is under way (the old name can answer for a while: hashicorp/terraform#2439), or done but not complete.
  if (stale && (current || stale.DBInstanceStatus !== 'available'))
    return { waitingFor: 'rename', renamed: staleId, status: stale.DBInstanceStatus };
  // Renaming, but the new name does not answer yet: asking again would be refused while the instance is busy.
  if (current?.DBInstanceStatus === 'renaming') return { waitingFor: 'rename', renamed: staleId, status: 'renaming' };
  if (current) {
    await rds(region).send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, NewDBInstanceIdentifier: staleId, ApplyImmediately: true }),
    );
    return { waitingFor: 'rename', renamed: staleId, status: 'renaming' };
  }
  const renamed = stale ? staleId : undefined;
  try {
    await rds(region).send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: source.DBInstanceArn,
        KmsKeyId: placement.kmsKeyArn,
        DBSubnetGroupName: placement.dbSubnetGroupName,
        VpcSecurityGroupIds: placement.databaseSecurityGroupId ? [placement.databaseSecurityGroupId] : undefined,
        MultiAZ: props.multiAz,
        Tags: props.tags,
      }),
    );
  } catch (error) {
    if (!(error instanceof DBInstanceAlreadyExistsFault)) throw error;
    const holder = await describeInstance(region, id);
    // An earlier call's replica (a retried request): done. Nothing to describe: a rename still holds the name.
    if (replicatesFrom(holder, source.DBInstanceIdentifier)) return { waitingFor: 'replica', renamed };
    if (!holder) return { waitingFor: 'rename', renamed, status: 'name still held' };
    throw new LifelineError(
      'NameConflict',
      `${id} in ${region} exists and is not a read replica of ${source.DBInstanceIdentifier}: it was not replaced`,
    );
  }
  return { waitingFor: 'replica', renamed };
}

/**
 * DB instance statuses that need an operator (RDS User Guide, "Viewing instance status", its table of statuses):
 * waiting for them to become available would only time out. Any other (modifying, backing-up, renaming, …) passes.
 */
const STUCK = new RegExp(
  `^(${[
    'failed',
    'deleting',
    'stopped',
    'stopping',
    'storage-full',
    'restore-error',
    'insufficient-capacity',
    'incompatible-.+',
    'inaccessible-encryption-credentials.*',
  ].join('|')})$`,
);

/** Where replicating an instance's automated backups to another region stands. */
export type BackupReplication = 'started' | 'already replicating' | 'waiting for the instance';

/**
 * Replicates `source`'s automated backups (snapshots and transaction logs) to `destination`'s region, encrypted with
 * its key: RDS calls this in the destination region. The replication follows an instance (its DbiResourceId), not a
 * name, so an instance that takes over a name (a failback's rebuilt primary, a point-in-time cutover's restored one)
 * needs its own. Idempotent: a source that already replicates here is left as it is; one that replicates to another
 * region fails (the twin, the stricter reading, allows one destination per source). RDS starts it only from an
 * available instance: one just modified answers `waiting for the instance` (call again); a stuck one fails.
 */
export async function replicateAutomatedBackups(
  source: DBInstance,
  destination: Pick<RegionalWorkload, 'region' | 'kmsKeyArn'>,
  retentionDays: number | undefined,
): Promise<BackupReplication> {
  const replications = (source.DBInstanceAutomatedBackupsReplications ?? []).map((r) => r.DBInstanceAutomatedBackupsArn ?? '');
  if (replications.some((arn) => regionOfArn(arn) === destination.region)) return 'already replicating';
  if (replications.length)
    throw new LifelineError(
      'BackupReplicationElsewhere',
      `${source.DBInstanceIdentifier} replicates its automated backups to ${replications.join(', ')}, not to ${destination.region}: ` +
        'stop that replication first, or replicate to this region by hand',
    );
  const status = source.DBInstanceStatus ?? 'unknown';
  if (STUCK.test(status))
    throw new LifelineError(
      'DatabaseNotAvailable',
      `${source.DBInstanceIdentifier} is ${status}: RDS replicates automated backups only from an available instance, ` +
        'and this status does not clear by itself',
    );
  if (status !== 'available') return 'waiting for the instance';
  await rds(destination.region).send(
    new StartDBInstanceAutomatedBackupsReplicationCommand({
      SourceDBInstanceArn: source.DBInstanceArn,
      KmsKeyId: destination.kmsKeyArn,
      BackupRetentionPeriod: retentionDays,
    }),
  );
  return 'started';
}

/** An ECS service, or undefined when DescribeServices finds none of that name. */
export async function describeService(placement: RegionalWorkload): Promise<Service | undefined> {
  const described = await ecs(placement.region).send(
    new DescribeServicesCommand({ cluster: placement.cluster, services: [placement.service] }),
  );
  return described.services?.[0];
}

/** A replication group, or undefined when there is none (or it cannot be read). */
export const findReplicationGroup = (region: string, id: string): Promise<ReplicationGroup | undefined> =>
  elasticache(region)
    .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))
    .then(
      (r) => r.ReplicationGroups?.[0],
      () => undefined,
    );

/** The writer a region's application is pointed at (the SSM parameter it reads), if the parameter exists. */
export async function databaseParameter(region: string, appName: string): Promise<string | undefined> {
  try {
    return (await ssm(region).send(new GetParameterCommand({ Name: databaseParameterName(appName) }))).Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/** Points a region's application at its writer (`none`: it has none): the SSM parameter the application reads. */
export async function setDatabaseParameter(region: string, appName: string, value: string): Promise<void> {
  await ssm(region).send(new PutParameterCommand({ Name: databaseParameterName(appName), Value: value, Type: 'String', Overwrite: true }));
}
