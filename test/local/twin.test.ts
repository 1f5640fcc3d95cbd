import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  ListTagsForResourceCommand as CwTags,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
} from '@aws-sdk/client-elasticache';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DBSnapshotAlreadyExistsFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultShorthand } from '../../local/twin/faults';
import type { Twin } from '../../local/twin';
import { startTwin } from '../support/twin';

describe('twin services through real SDK v3 clients', () => {
  let twin: Twin;
  let primary: string;
  let dr: string;
  beforeAll(async () => {
    twin = await startTwin(
      { dns: { domainName: 'app.example.com', hostedZoneId: 'Z0TWIN123' } },
      { start: new Date('2026-04-01T00:00:00.000Z') },
    );
    primary = twin.primaryRegion;
    dr = twin.drRegion;
  });
  afterAll(async () => twin?.stop());

  /** Lets virtual time pass between calls (outside an execution). */
  const pass = (seconds: number) => twin.clock.advance(seconds * 1000);

  it('RDS: snapshot creating → available, copy across regions needs a KmsKeyId, duplicates fail with the SDK fault class', async () => {
    const rds = new RDSClient({ region: primary });
    const db = twin.inventory.primary.databaseInstanceId ?? '';
    const created = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: 'twin-s1' }));
    expect(created.DBSnapshot?.Status).toBe('creating');
    await expect(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: 'twin-s1' })),
    ).rejects.toBeInstanceOf(DBSnapshotAlreadyExistsFault);
    pass(twin.core.seconds('rdsSnapshotCreate'));
    const drRds = new RDSClient({ region: dr });
    await expect(
      drRds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: created.DBSnapshot?.DBSnapshotArn,
          TargetDBSnapshotIdentifier: 'twin-s1-copy',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    const copy = await drRds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: created.DBSnapshot?.DBSnapshotArn,
        TargetDBSnapshotIdentifier: 'twin-s1-copy',
        KmsKeyId: twin.inventory.dr.kmsKeyArn,
      }),
    );
    expect(copy.DBSnapshot).toMatchObject({ Status: 'creating', SourceRegion: primary, KmsKeyId: twin.inventory.dr.kmsKeyArn });
  });

  it('RDS: a restore carries the data, deletion protection blocks deletes, deleting → gone', async () => {
    const rds = new RDSClient({ region: primary });
    await twin.writeSampleRows(7, 'before-restore-snapshot');
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: twin.inventory.primary.databaseInstanceId, DBSnapshotIdentifier: 'twin-s2' }),
    );
    await twin.writeSampleRows(5, 'after-restore-snapshot');
    pass(twin.core.seconds('rdsSnapshotCreate'));
    const restored = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'twin-restore',
        DBSnapshotIdentifier: 'twin-s2',
        DeletionProtection: true,
      }),
    );
    expect(restored.DBInstance?.DBInstanceStatus).toBe('creating');
    pass(twin.core.seconds('rdsRestore'));
    const instance = twin.rds.instance(primary, 'twin-restore');
    const rows = await twin.core.dataPlane.query<{ customer: string; n: string }>(
      instance.physical ?? '',
      "SELECT split_part(customer, '-', 1) AS customer, count(*) AS n FROM orders WHERE customer LIKE '%restore-snapshot%' GROUP BY 1",
    );
    expect(rows.rows).toEqual([{ customer: 'before', n: '7' }]);
    await expect(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'twin-restore', SkipFinalSnapshot: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'twin-restore', DeletionProtection: false, ApplyImmediately: true }),
    );
    pass(twin.core.seconds('rdsModifyInstance'));
    const deleting = await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'twin-restore', SkipFinalSnapshot: true }));
    expect(deleting.DBInstance?.DBInstanceStatus).toBe('deleting');
    pass(twin.core.seconds('rdsDeleteInstance'));
    await expect(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'twin-restore' }))).rejects.toMatchObject({
      name: 'DBInstanceNotFoundFault',
    });
  });

  it('RDS: a promoted replica has lost exactly the writes of its replica lag', async () => {
    const lag = twin.core.seconds('rdsReplicaLag');
    const source = twin.rds.instance(primary, twin.inventory.primary.databaseInstanceId ?? '');
    pass(600);
    await twin.writeSampleRows(3, 'old-enough');
    pass(lag + 1);
    await twin.writeSampleRows(4, 'within-lag');
    const drRds = new RDSClient({ region: dr });
    await drRds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: twin.inventory.dr.databaseInstanceId }));
    const promoted = twin.rds.instance(dr, twin.inventory.dr.databaseInstanceId ?? '');
    const count = async (physical: string, customer: string) =>
      Number(
        (
          await twin.core.dataPlane.query<{ n: string }>(physical, 'SELECT count(*) AS n FROM orders WHERE customer LIKE $1', [
            `${customer}-%`,
          ])
        ).rows[0].n,
      );
    expect(await count(promoted.physical ?? '', 'old-enough')).toBe(3);
    expect(await count(promoted.physical ?? '', 'within-lag')).toBe(0);
    expect(await count(source.physical ?? '', 'within-lag')).toBe(4);
    const newest = await twin.core.dataPlane.newestHeartbeat(promoted.physical ?? '');
    expect(twin.clock.now() - (newest?.getTime() ?? 0)).toBeGreaterThan(lag * 1000);
    const status = await drRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: promoted.id }));
    expect(status.DBInstances?.[0]).toMatchObject({ DBInstanceStatus: 'modifying', ReadReplicaSourceDBInstanceIdentifier: undefined });
    pass(twin.core.seconds('rdsPromoteReplica'));
    expect(
      (await drRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: promoted.id }))).DBInstances?.[0].DBInstanceStatus,
    ).toBe('available');
  });

  it('ECS: running count converges on desired count at the task-start time; a capacity shortfall says why', async () => {
    const ecs = new ECSClient({ region: primary });
    const { cluster, service } = twin.inventory.primary;
    await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 5 }));
    let described = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    expect(described).toMatchObject({ desiredCount: 5, runningCount: 2, pendingCount: 3 });
    expect(described?.deployments?.[0].rolloutState).toBe('IN_PROGRESS');
    pass(twin.core.seconds('ecsTaskStart'));
    described = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    expect(described).toMatchObject({ runningCount: 5, pendingCount: 0 });
    expect(described?.events?.[0].message).toMatch(/has reached a steady state/);
    twin.core.faults.add({ kind: 'capacity-shortfall', region: primary, maxTasks: 6 }, twin.clock.now());
    await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 8 }));
    pass(twin.core.seconds('ecsTaskStart') * 2);
    described = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    expect(described).toMatchObject({ desiredCount: 8, runningCount: 6 });
    expect(described?.events?.some((e) => /unable to place a task.*Capacity is unavailable/.test(e.message ?? ''))).toBe(true);
    twin.core.faults.clear('capacity-shortfall');
    await expect(ecs.send(new UpdateServiceCommand({ cluster, service: 'nope', desiredCount: 1 }))).rejects.toMatchObject({
      name: 'ServiceNotFoundException',
    });
  });

  it('ElastiCache: snapshot, S3 export in-region only, restore from the RDB with its keys, replicas modifying → available', async () => {
    const cache = new ElastiCacheClient({ region: primary });
    const group = twin.inventory.primary.cacheReplicationGroupId ?? '';
    await cache.send(new CreateSnapshotCommand({ ReplicationGroupId: group, SnapshotName: 'twin-c1' }));
    await expect(cache.send(new CopySnapshotCommand({ SourceSnapshotName: 'twin-c1', TargetSnapshotName: 'x' }))).rejects.toMatchObject({
      name: 'InvalidSnapshotStateFault',
    });
    pass(twin.core.seconds('elasticacheSnapshotCreate'));
    await expect(
      cache.send(
        new CopySnapshotCommand({ SourceSnapshotName: 'twin-c1', TargetSnapshotName: 'x', TargetBucket: twin.inventory.dr.bucket }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await cache.send(
      new CopySnapshotCommand({
        SourceSnapshotName: 'twin-c1',
        TargetSnapshotName: 'twin-c1-export',
        TargetBucket: twin.inventory.primary.bucket,
      }),
    );
    pass(twin.core.seconds('elasticacheSnapshotExport'));
    // Seeded in the bucket's region: its policy grants that region's ElastiCache principal (test/local/twin-fidelity-s3.test.ts).
    await cache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'twin-restored-cache',
        ReplicationGroupDescription: 'restored',
        SnapshotArns: [`arn:aws:s3:::${twin.inventory.primary.bucket}/twin-c1-export-0001.rdb`],
      }),
    );
    expect(twin.elasticache.group(primary, 'twin-restored-cache').keyCount).toBe(5000);
    await expect(
      cache.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: group, NewReplicaCount: 2, ApplyImmediately: true })),
    ).resolves.toBeDefined();
    expect((await cache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: group }))).ReplicationGroups?.[0].Status).toBe(
      'modifying',
    );
    pass(twin.core.seconds('elasticacheModifyReplicas'));
    expect((await cache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: group }))).ReplicationGroups?.[0]).toMatchObject({
      Status: 'available',
      MemberClusters: [expect.any(String), expect.any(String), expect.any(String)],
    });
  });

  it('Route 53: a change goes PENDING → INSYNC after the documented 60 s; failover resolves by health', async () => {
    const r53 = new Route53Client({ region: primary });
    const zone = twin.inventory.dns?.hostedZoneId ?? '';
    const change = await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: { Name: 'probe.example.com.', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"x"' }] },
            },
          ],
        },
      }),
    );
    expect(change.ChangeInfo?.Status).toBe('PENDING');
    pass(59);
    expect((await r53.send(new GetChangeCommand({ Id: change.ChangeInfo?.Id }))).ChangeInfo?.Status).toBe('PENDING');
    pass(1);
    expect((await r53.send(new GetChangeCommand({ Id: change.ChangeInfo?.Id }))).ChangeInfo?.Status).toBe('INSYNC');
    await expect(
      r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zone,
          ChangeBatch: {
            Changes: [
              {
                Action: 'CREATE',
                ResourceRecordSet: { Name: 'probe.example.com.', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"y"' }] },
              },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    expect(twin.route53.resolve(zone, 'app.example.com')?.Failover).toBe('PRIMARY');
  });

  it('Route 53 data plane: answers follow the DR traffic switch, not SetAlarmState; its API goes down with us-east-1', async () => {
    const zone = twin.inventory.dns?.hostedZoneId ?? '';
    const answer = () => twin.route53.resolve(zone, 'app.example.com')?.Failover;
    const cw = new CloudWatchClient({ region: dr });
    const alarmState = async () =>
      (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['lifeline-traffic-to-dr'] }))).MetricAlarms?.[0]?.StateValue;
    const flip = async (value: 'primary' | 'dr') => {
      twin.ssm.seed(dr, '/lifeline/dr/traffic', value);
      const datapoint = { MetricName: 'TrafficToDr', Dimensions: [{ Name: 'App', Value: 'lifeline' }], Value: value === 'dr' ? 1 : 0 };
      await cw.send(new PutMetricDataCommand({ Namespace: 'Lifeline', MetricData: [datapoint] }));
    };
    pass(60 - ((twin.clock.now() / 1000) % 60) + 5);
    expect(answer()).toBe('PRIMARY');

    // SetAlarmState changes the alarm's state, not its data stream, which is what Route 53 reads.
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'lifeline-traffic-to-dr', StateValue: 'ALARM', StateReason: 'test' }));
    expect(await alarmState()).toBe('ALARM');
    expect(answer()).toBe('PRIMARY');
    pass(60);
    expect(await alarmState()).toBe('OK');

    // The switch's datapoint counts once its minute has ended: then the PRIMARY record's calculated check fails.
    await flip('dr');
    expect(answer()).toBe('PRIMARY');
    pass(55);
    expect(answer()).toBe('SECONDARY');
    expect(await alarmState()).toBe('ALARM');
    // The heartbeat keeps publishing the parameter: traffic stays in the DR region.
    pass(600);
    expect(answer()).toBe('SECONDARY');

    // us-east-1 down: Route 53's API fails there (whatever region the client names); DNS answers go on.
    twin.core.faults.add({ kind: 'region-outage', region: 'us-east-1' }, twin.clock.now());
    await expect(new Route53Client({ region: dr }).send(new GetChangeCommand({ Id: '/change/C1' }))).rejects.toMatchObject({
      message: expect.stringMatching(/us-east-1 is unreachable .*route53's control plane is there/),
    });
    expect(answer()).toBe('SECONDARY');
    twin.core.faults.clear('region-outage', 'us-east-1');

    // Back: the minute of the flip also holds the heartbeat's datapoint 1 and the alarm's statistic is Maximum,
    // so the primary serves again one whole period later.
    await flip('primary');
    pass(60);
    expect(answer()).toBe('SECONDARY');
    pass(60);
    expect(answer()).toBe('PRIMARY');
  });

  it('CloudWatch: SetAlarmState emits the EventBridge event; ReplicaLag from the RDS twin; alarms carry their catalog tags', async () => {
    const cw = new CloudWatchClient({ region: primary });
    const alarm = [...(twin.cloudwatch.alarms.get(primary)?.values() ?? [])].find((a) => a.name.endsWith('service-cpu-high'));
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarm?.name, StateValue: 'ALARM', StateReason: 'test' }));
    const event = twin.core.events.at(-1);
    expect(event).toMatchObject({
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      resources: [alarm?.arn],
      detail: { alarmName: alarm?.name, state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    });
    const tags = await cw.send(new CwTags({ ResourceARN: alarm?.arn }));
    expect(tags.Tags).toEqual(expect.arrayContaining([{ Key: 'lifeline:alarm-id', Value: 'service-cpu-high' }]));
    expect(await replicaLagOfFreshReplica()).toBe(twin.core.seconds('rdsReplicaLag'));
  });

  async function replicaLagOfFreshReplica(): Promise<number> {
    // The promoted replica above is no longer a replica; ask for a replica's lag on a fresh seed.
    const replica = twin.rds.seedReplica(dr, 'lag-probe', twin.rds.instance(primary, twin.inventory.primary.databaseInstanceId ?? ''), {
      kmsKeyId: 'k',
      subnetGroup: 's',
      securityGroupIds: [],
    });
    const cw = new CloudWatchClient({ region: dr });
    const now = twin.clock.date();
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 600_000),
        EndTime: now,
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: { Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replica.id }] },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    return data.MetricDataResults?.[0].Values?.[0] ?? 0;
  }

  it('DynamoDB: conditional writes refuse duplicates; queries by key prefix', async () => {
    const ddb = new DynamoDBClient({ region: dr });
    const table = twin.controlPlane.ledgerTable;
    const put = (sk: string) =>
      ddb.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'test#1' }, sk: { S: sk } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put('a-1');
    await put('a-2');
    await expect(put('a-1')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const queried = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': { S: 'test#1' }, ':p': { S: 'a-' } },
        ScanIndexForward: false,
      }),
    );
    expect(queried.Items?.map((i) => i.sk.S)).toEqual(['a-2', 'a-1']);
  });

  it('faults: a region outage fails every call to that region and nothing else; throttles count down; shorthand parses', async () => {
    twin.core.faults.add(parseFaultShorthand(`region-outage:${primary}`), twin.clock.now());
    await expect(
      new S3Client({ region: primary }).send(new PutObjectCommand({ Bucket: twin.inventory.primary.bucket, Key: 'k', Body: 'v' })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    await new S3Client({ region: dr }).send(new PutObjectCommand({ Bucket: twin.inventory.dr.bucket, Key: 'k', Body: 'v' }));
    const got = await new S3Client({ region: dr }).send(new GetObjectCommand({ Bucket: twin.inventory.dr.bucket, Key: 'k' }));
    expect(await got.Body?.transformToString()).toBe('v');
    expect(twin.healthOf(primary)).toMatchObject({ healthy: false, reasons: [`${primary} is down`] });
    twin.core.faults.clear('region-outage');
    expect(parseFaultShorthand('throttle:rds:CopyDBSnapshot:3')).toEqual({
      kind: 'throttle',
      service: 'rds',
      action: 'CopyDBSnapshot',
      count: 3,
    });
    expect(() => parseFaultShorthand('explode:everything')).toThrow(/Invalid fault "explode:everything"/);
  });

  it('keeps a mutation log of every create, delete and modify with virtual time and region', () => {
    const kinds = new Set(twin.core.mutations.map((m) => `${m.service}:${m.action}:${m.kind}`));
    expect([...kinds]).toEqual(
      expect.arrayContaining([
        'rds:CreateDBSnapshot:create',
        'rds:DeleteDBInstance:delete',
        'rds:ModifyDBInstance:modify',
        'ecs:UpdateService:modify',
        'route53:ChangeResourceRecordSets:modify',
      ]),
    );
    for (const m of twin.core.mutations) expect(m.at).toMatch(/^2026-04-01T/);
  });
});
