import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ALARM_CATALOG, ALARM_TAG } from '../../contracts/alarm-catalog';
import { isRecord } from '../../cdk/compliance/rule';
import { synthLifeline } from '../../cdk/synth';
import { managedReplicaPrefix } from '../../contracts/naming';
import { DOMAIN_AND_CERTIFICATES, PILOT_LIGHT } from '../support/configs';

const PRIMARY = 'Lifeline-Workload-Primary';
const STANDBY = 'Lifeline-Workload-Standby';

function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

/** Logical id of the only resource of `type` whose logical id contains `hint`. */
function logicalIdOf(template: Template, type: string, hint: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(hint));
  expect(ids, `${type} matching ${hint}`).toHaveLength(1);
  return ids[0];
}

describe('workload stacks (warm standby, no DNS)', () => {
  const { templates } = synthLifeline({});
  const primary = templates[PRIMARY];
  const standby = templates[STANDBY];

  it('scopes the replica-scaling policy to the names the scaling function gives its read replicas', () => {
    const policies = Object.values(resourcesOf(primary, 'AWS::IAM::ManagedPolicy')).filter((p) =>
      JSON.stringify(p.Properties).includes('rds:CreateDBInstanceReadReplica'),
    );
    expect(policies).toHaveLength(1);
    const replicaName = `${managedReplicaPrefix('lifeline')}mh2k0x3qf`;
    const replicaArns = JSON.stringify(policies[0].Properties)
      .match(/:db:([a-z0-9*-]+)/g)
      ?.map((arn) => arn.slice(':db:'.length))
      .filter((name) => name.endsWith('*'));
    expect(replicaArns?.length).toBeGreaterThan(0);
    for (const pattern of replicaArns ?? []) expect(replicaName.startsWith(pattern.slice(0, -1)), pattern).toBe(true);
  });

  it('builds a VPC over three AZs with public, private and isolated subnets, flow logs and endpoints in each region', () => {
    for (const t of [primary, standby]) {
      t.resourceCountIs('AWS::EC2::VPC', 1);
      t.resourceCountIs('AWS::EC2::Subnet', 9);
      const azs = new Set(Object.values(resourcesOf(t, 'AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone));
      expect(azs.size).toBe(3);
      t.resourceCountIs('AWS::EC2::FlowLog', 1);
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('.s3$')])]) }),
      });
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        ServiceName: Match.stringLikeRegexp('secretsmanager'),
      });
    }
    expect(Object.values(resourcesOf(primary, 'AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone)).toContain('us-east-1c');
    expect(Object.values(resourcesOf(standby, 'AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone)).toContain('us-west-2c');
  });

  it('runs a Multi-AZ, CMK-encrypted, deletion-protected PostgreSQL primary with 30 days of backups and Performance Insights', () => {
    const keyId = logicalIdOf(primary, 'AWS::KMS::Key', 'Database');
    primary.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '16.4',
      MultiAZ: true,
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      DeletionProtection: true,
      BackupRetentionPeriod: 30,
      EnablePerformanceInsights: true,
      PubliclyAccessible: false,
      MasterUsername: 'lifeline_admin',
    });
    primary.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // Master credentials are generated into Secrets Manager, replicated to the DR region, and rotated.
    primary.hasResourceProperties('AWS::SecretsManager::Secret', { ReplicaRegions: [{ Region: 'us-west-2' }] });
    primary.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  it('replicates the database to the DR region with a KMS key of that region', () => {
    const replicaKey = logicalIdOf(standby, 'AWS::KMS::Key', 'Database');
    standby.hasResourceProperties('AWS::RDS::DBInstance', {
      SourceDBInstanceIdentifier: Match.anyValue(),
      KmsKeyId: { 'Fn::GetAtt': [replicaKey, 'Arn'] },
      DeletionProtection: true,
      StorageEncrypted: Match.absent(),
    });
  });

  it('runs a Multi-AZ cache with automatic failover, encryption at rest and in transit, an AUTH token secret and snapshots', () => {
    for (const t of [primary, standby]) {
      t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
        Engine: 'valkey',
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
        AtRestEncryptionEnabled: true,
        TransitEncryptionEnabled: true,
        KmsKeyId: Match.anyValue(),
        AuthToken: {
          'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('^CacheAuthToken') }, ':SecretString:::}}']],
        },
        SnapshotRetentionLimit: 7,
        ReplicasPerNodeGroup: 1,
      });
    }
  });

  it('runs the Fargate service non-root with a read-only root filesystem, logs, circuit breaker and Container Insights', () => {
    primary.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }] });
    primary.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          User: '65534:65534',
          ReadonlyRootFilesystem: true,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'DATABASE_SECRET' }), Match.objectLike({ Name: 'CACHE_AUTH_TOKEN' })]),
        }),
      ],
    });
    primary.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    standby.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1 });
    primary.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health', TargetType: 'ip' });
    primary.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  it('lets only the ALB reach the tasks, and only the tasks reach the database and cache', () => {
    const albSg = logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'LoadBalancerSecurityGroup');
    const taskSg = logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'TaskSecurityGroup');
    const dbSg = logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'DatabaseSecurityGroup');
    const cacheSg = logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'CacheSecurityGroup');
    const controlPlaneSg = logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'ControlPlaneClients');
    const ingress = Object.values(resourcesOf(primary, 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    const into = (sg: string) => ingress.filter((r) => JSON.stringify(r.GroupId).includes(sg));
    const source = (r: Record<string, unknown>) =>
      isRecord(r.SourceSecurityGroupId) ? JSON.stringify(r.SourceSecurityGroupId) : String(r.CidrIp);

    expect(into(taskSg).length).toBeGreaterThan(0);
    expect(into(taskSg).map(source)).toEqual(into(taskSg).map(() => expect.stringContaining(albSg)));
    expect(into(taskSg).every((r) => r.FromPort === 8080 && r.ToPort === 8080)).toBe(true);
    // The tasks on the database port, the secret-rotation function that changes the master password,
    // and the control plane's database clients (heartbeat, recovery point, verifier).
    const rotationSg = logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'RotationSingleUser');
    expect(into(dbSg).map(source).sort()).toEqual([
      expect.stringContaining(controlPlaneSg),
      expect.stringContaining(rotationSg),
      expect.stringContaining(taskSg),
    ]);
    // Temporary restores admit only those control-plane clients.
    expect(into(logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'DatabaseRestoreSecurityGroup')).map(source)).toEqual([
      expect.stringContaining(controlPlaneSg),
    ]);
    expect(into(logicalIdOf(primary, 'AWS::EC2::SecurityGroup', 'CacheRestoreSecurityGroup')).map(source)).toEqual([
      expect.stringContaining(controlPlaneSg),
    ]);
    expect(into(dbSg).find((r) => source(r).includes(taskSg))).toMatchObject({ FromPort: 5432, ToPort: 5432 });
    expect(into(cacheSg).map(source).sort()).toEqual([expect.stringContaining(controlPlaneSg), expect.stringContaining(taskSg)]);
    expect(into(cacheSg).every((r) => r.FromPort === 6379 && r.ToPort === 6379)).toBe(true);
    // The database and cache groups carry no inline rules that could widen this.
    for (const sg of [dbSg, cacheSg]) {
      expect(primary.toJSON().Resources[sg].Properties.SecurityGroupIngress).toBeUndefined();
    }
  });

  it('creates every catalog alarm with its threshold and tags it with the metadata the scaling workflow reads', () => {
    const alarms = Object.values(resourcesOf(primary, 'AWS::CloudWatch::Alarm'));
    const primaryIds = alarms.map(
      (a) => (a.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === ALARM_TAG.alarmId)?.Value,
    );
    expect(primaryIds.sort()).toEqual(
      Object.keys(ALARM_CATALOG)
        .filter((id) => id !== 'database-replica-lag-high')
        .sort(),
    );
    for (const def of Object.values(ALARM_CATALOG)) {
      if (def.onlyWhen) continue;
      primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: def.threshold,
        EvaluationPeriods: def.evaluationPeriods,
        DatapointsToAlarm: def.datapointsToAlarm,
        ComparisonOperator: def.comparison,
        Tags: Match.arrayWith([
          // CDK renders tags sorted by key.
          { Key: ALARM_TAG.alarmId, Value: def.id },
          { Key: ALARM_TAG.regionRole, Value: 'primary' },
          { Key: ALARM_TAG.scales, Value: def.scales },
        ]),
      });
    }
    standby.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReplicaLag',
      Threshold: 60,
      Tags: Match.arrayWith([{ Key: ALARM_TAG.alarmId, Value: 'database-replica-lag-high' }]),
    });
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p95', MetricName: 'TargetResponseTime', Threshold: 1 });
  });

  it('notifies the encrypted SNS topic of its region on ALARM and OK', () => {
    const topic = logicalIdOf(primary, 'AWS::SNS::Topic', 'Notifications');
    primary.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    for (const alarm of Object.values(resourcesOf(primary, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('makes no DNS records without a domain', () => {
    primary.resourceCountIs('AWS::Route53::RecordSet', 0);
    primary.resourceCountIs('AWS::Route53::HealthCheck', 0);
  });
});

describe('workload stacks (pilot light)', () => {
  const { templates } = synthLifeline(PILOT_LIGHT);
  const standby = templates[STANDBY];

  it('keeps only the placement a restore needs in the DR region: no replica, no cache, service at 0', () => {
    standby.resourceCountIs('AWS::RDS::DBInstance', 0);
    standby.resourceCountIs('AWS::RDS::DBSubnetGroup', 1);
    standby.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    standby.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    // The catalog's alarms on what runs there, and the traffic switch's.
    standby.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      Object.values(ALARM_CATALOG).filter((d) => d.subject === 'service' || d.subject === 'load-balancer').length + 1,
    );
  });

  it('still runs the full primary', () => {
    templates[PRIMARY].hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true, DeletionProtection: true });
  });

  it("replicates the primary's automated backups into the DR region under its key, started there and stopped on removal", () => {
    const [replication] = Object.values(standby.findResources('Custom::AWS'));
    const create = JSON.stringify(replication?.Properties?.Create);
    expect(create).toContain('startDBInstanceAutomatedBackupsReplication');
    expect(create).toContain('BackupRetentionPeriod');
    expect(create).toMatch(/DatabaseKey/);
    expect(JSON.stringify(replication?.Properties?.Delete)).toContain('stopDBInstanceAutomatedBackupsReplication');
    standby.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['rds:StartDBInstanceAutomatedBackupsReplication', 'rds:StopDBInstanceAutomatedBackupsReplication'],
          }),
        ]),
      },
    });
  });
});

describe('cross-Region automated backups by configuration', () => {
  it('are off for a warm standby unless asked for, and can be turned off for pilot light', () => {
    const count = (config: Parameters<typeof synthLifeline>[0]) =>
      Object.keys(synthLifeline(config).templates[STANDBY].findResources('Custom::AWS')).length;
    expect(count({})).toBe(0);
    expect(count({ backup: { automatedBackupReplication: true } })).toBe(1);
    expect(count({ ...PILOT_LIGHT, backup: { automatedBackupReplication: false } })).toBe(0);
  });

  it("let the failback re-protect by starting the rebuilt primary's replication only when they are on", () => {
    // The DR runbooks' policies (in the DR control plane) that allow starting a replication, and on what.
    const starts = (config: Parameters<typeof synthLifeline>[0]) =>
      Object.entries(synthLifeline(config).templates['Lifeline-ControlPlane-Standby'].findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.startsWith('DrRunbooks'))
        .flatMap(([, policy]) => (policy.Properties?.PolicyDocument?.Statement ?? []) as { Action: unknown; Resource: unknown }[])
        .filter((statement) => [statement.Action].flat().includes('rds:StartDBInstanceAutomatedBackupsReplication'))
        .map((statement) => JSON.stringify(statement.Resource));
    expect(starts({})).toEqual([]);
    const granted = starts(PILOT_LIGHT);
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatch(/rds:us-east-1:.*:db:\*/);
    expect(granted[0]).toMatch(/rds:us-west-2:.*:auto-backup:\*/);
  });
});

describe('workload stacks (domain and certificates)', () => {
  const { templates } = synthLifeline(DOMAIN_AND_CERTIFICATES);

  it('puts the failover pair in the DR stack: the PRIMARY record needs the primary healthy AND the traffic alarm not in ALARM', () => {
    const t = templates[STANDBY];
    templates[PRIMARY].resourceCountIs('AWS::Route53::RecordSet', 0);
    templates[PRIMARY].resourceCountIs('AWS::Route53::HealthCheck', 0);
    const checks = resourcesOf(t, 'AWS::Route53::HealthCheck');
    const idOf = (type: string) => {
      const ids = Object.keys(checks).filter((id) => (checks[id].Properties.HealthCheckConfig as { Type: string }).Type === type);
      expect(ids, type).toHaveLength(type === 'HTTPS' ? 2 : 1);
      return ids;
    };
    const [calculated] = idOf('CALCULATED');
    const [alarmCheck] = idOf('CLOUDWATCH_METRIC');
    const endpoints = idOf('HTTPS');
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        // The alarm of this stack (a Ref: CloudFormation creates it before the check), in this region.
        AlarmIdentifier: { Name: { Ref: logicalIdOf(t, 'AWS::CloudWatch::Alarm', 'TrafficSwitch') }, Region: 'us-west-2' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
      },
    });
    const config = checks[calculated].Properties.HealthCheckConfig as { ChildHealthChecks: unknown[]; HealthThreshold: number };
    expect(config.HealthThreshold).toBe(2);
    expect(config.ChildHealthChecks).toContainEqual({ 'Fn::GetAtt': [alarmCheck, 'HealthCheckId'] });
    for (const [failover, check] of [
      ['PRIMARY', calculated],
      ['SECONDARY', endpoints.find((id) => id.includes('Dr'))],
    ] as const) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'app.example.com.',
        Type: 'A',
        Failover: failover,
        HostedZoneId: 'Z0123456789ABC',
        HealthCheckId: { 'Fn::GetAtt': [check, 'HealthCheckId'] },
        AliasTarget: Match.objectLike({ EvaluateTargetHealth: true }),
      });
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'lifeline-traffic-to-dr',
      Namespace: 'Lifeline',
      MetricName: 'TrafficToDr',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      TreatMissingData: 'ignore',
    });
  });

  it('serves HTTPS with the configured certificate and redirects HTTP', () => {
    const t = templates[PRIMARY];
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/p' }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) })],
    });
  });
});
