import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBInstanceReadReplicaCommand,
  DBInstanceAlreadyExistsFault,
  type DBInstance,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { cloudwatch, rds } from '../shared/clients';
import type { RegionalWorkload } from '../../contracts/inventory';
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

/** The name a superseded instance is kept under. */
export const staleName = (id: string, now: Date): string => `${id}-stale-${now.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;

/** The tags of everything a runbook creates. */
export const runTags = (run: Run) => [
  { Key: 'lifeline:managed', Value: 'true' },
  { Key: 'lifeline:created-by', Value: `dr-${run.direction}` },
  { Key: 'lifeline:execution', Value: run.executionName },
];

/**
 * Makes `id` in `placement`'s region a read replica of `source`: an instance
 * of that name that is anything else is renamed out of the way (kept, never
 * deleted) first. Idempotent: a replica of `source` already there is left as
 * it is. Returns the name the superseded instance now has, if any.
 */
export async function replaceWithReplica(props: {
  id: string;
  source: DBInstance;
  placement: RegionalWorkload;
  multiAz: boolean;
  run: Run;
  now: Date;
  staleId?: string;
}): Promise<string | undefined> {
  const { id, source, placement } = props;
  const region = placement.region;
  const current = await describeInstance(region, id);
  if (current?.ReadReplicaSourceDBInstanceIdentifier?.endsWith(`:db:${source.DBInstanceIdentifier}`)) return undefined;
  const renamed = current ? (props.staleId ?? staleName(id, props.now)) : undefined;
  if (renamed)
    await rds(region).send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, NewDBInstanceIdentifier: renamed, ApplyImmediately: true }),
    );
  try {
    await rds(region).send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: source.DBInstanceArn,
        KmsKeyId: placement.kmsKeyArn,
        DBSubnetGroupName: placement.dbSubnetGroupName,
        VpcSecurityGroupIds: placement.databaseSecurityGroupId ? [placement.databaseSecurityGroupId] : undefined,
        MultiAZ: props.multiAz,
        Tags: runTags(props.run),
      }),
    );
  } catch (error) {
    if (!(error instanceof DBInstanceAlreadyExistsFault)) throw error;
  }
  return renamed;
}

/** Route 53 and ALB names compare without case, trailing dot or the dualstack. prefix. */
export const normalizeDns = (name: string | undefined): string =>
  (name ?? '')
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^dualstack\./, '');

/** The region of an SNS topic, from its ARN (the DR functions publish to their own region's topic). */
export const topicRegion = (topicArn: string): string => topicArn.split(':')[3];
