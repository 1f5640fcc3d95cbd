import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { automatedBackupReplicationOn, type LifelineConfig, type RegionRole } from '../../contracts/config/schema';
import { AutomatedBackupReplication } from '../workload/backup-replication';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { databaseParameterName } from '../../contracts/inventory';
import { Cache, CACHE_PORT } from '../workload/cache';
import { Database } from '../workload/database';
import { FailoverDns } from '../workload/dns';
import { TrafficSwitch } from '../workload/traffic-switch';
import { Network } from '../workload/network';
import { securityGroupsIn } from '../workload/security-group';
import { Service } from '../workload/service';
import { WorkloadAlarms } from '../workload/alarms';
import { Artifacts } from '../control-plane/artifacts';
import { Notifications } from '../control-plane/notifications';
import { managedReplicaPrefix } from '../../contracts/naming';

export interface WorkloadStackProps extends StackProps {
  readonly config: LifelineConfig;
  readonly role: RegionRole;
  /** The primary database, for the standby's cross-region read replica (warm standby). */
  readonly primaryDatabase?: rds.IDatabaseInstance;
  /** DR: the primary's load balancer, for the Route 53 failover pair this stack owns. */
  readonly primaryLoadBalancer?: elbv2.IApplicationLoadBalancer;
  /** DR: the primary database, whose automated backups this region receives when replication is on. */
  readonly backupReplicationSource?: rds.IDatabaseInstance;
}

/**
 * The protected application in one region. The primary and the standby are
 * the same constructs with a different role: the standby runs a small (warm
 * standby) or empty (pilot light) service, and holds a read replica only in
 * warm standby. A cache runs in the standby only in warm standby; pilot light
 * restores it from a copied snapshot during failover.
 */
export class WorkloadStack extends Stack {
  readonly network: Network;
  readonly service: Service;
  readonly database: Database;
  readonly cache?: Cache;
  /** Pilot light: where a failover places the cache it creates. */
  readonly cachePlacement?: { readonly subnetGroupName: string; readonly securityGroup: ec2.SecurityGroup };
  readonly alarms: WorkloadAlarms;
  /** The region's notification topic: alarms here, and the control plane's workflows, publish to it. */
  readonly notifications: Notifications;
  /** The region's artifacts bucket (reports, cache exports and their DR copies). */
  readonly artifacts: Artifacts;
  /** DR: which region serves (the runbooks' switch). */
  readonly trafficSwitch?: TrafficSwitch;
  /** DR: the Route 53 failover pair and its health checks, when DNS is configured. */
  readonly dns?: FailoverDns;
  /**
   * Which DB instance the application in this region uses. The DR runbooks
   * repoint it (and force a new deployment) when they move the writer.
   */
  readonly databaseParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: WorkloadStackProps) {
    super(scope, id, props);
    const { config, role } = props;
    const region = role === 'primary' ? config.regions.primary : config.regions.dr;
    const warm = config.dr.strategy === 'warm-standby';
    Tags.of(this).add('lifeline:app', config.appName);
    Tags.of(this).add('lifeline:region-role', role);
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);

    this.network = new Network(this, 'Network', {
      cidr: role === 'primary' ? config.network.primaryCidr : config.network.drCidr,
      natGateways: config.network.natGateways,
      availabilityZones: config.network.azSuffixes.map((suffix) => `${region}${suffix}`),
    });
    const vpc = this.network.vpc;

    this.database =
      role === 'primary'
        ? Database.primary(this, 'Database', {
            vpc,
            ...config.database,
            secretReplicaRegion: config.regions.dr,
            replicaPrefix: managedReplicaPrefix(config.appName),
          })
        : Database.standby(this, 'Database', {
            vpc,
            instanceClass: config.database.instanceClass,
            port: config.database.port,
            source: warm ? props.primaryDatabase : undefined,
          });
    if (role === 'standby' && warm && !props.primaryDatabase) {
      throw new Error('A warm-standby DR stack needs the primary database to replicate from');
    }

    if (role === 'primary' || warm) {
      this.cache = new Cache(this, 'Cache', { vpc, ...config.cache });
    } else {
      // Pilot light runs no cache, but keeps where a failover creates one (subnet group and security group cost nothing).
      const newGroup = securityGroupsIn(this, vpc);
      const securityGroup = newGroup('CachePlacementSecurityGroup', 'Cache created by a DR failover: only the application tasks', 'none');
      const subnetGroup = new elasticache.CfnSubnetGroup(this, 'CachePlacementSubnetGroup', {
        description: 'Isolated subnets for a cache created by a DR failover',
        subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
      });
      this.cachePlacement = { subnetGroupName: subnetGroup.ref, securityGroup };
    }

    const secrets: Record<string, ecs.Secret> = {};
    const environment: Record<string, string> = { ...config.service.environment, LIFELINE_REGION_ROLE: role };
    const dbInstance = this.database.instance;
    if (this.database.credentials) {
      secrets.DATABASE_SECRET = ecs.Secret.fromSecretsManager(this.database.credentials);
    }
    if (dbInstance) {
      environment.DATABASE_HOST = dbInstance.dbInstanceEndpointAddress;
      environment.DATABASE_PORT = String(config.database.port);
    }
    if (this.cache) {
      secrets.CACHE_AUTH_TOKEN = ecs.Secret.fromSecretsManager(this.cache.authToken);
      environment.CACHE_HOST = this.cache.replicationGroup.attrPrimaryEndPointAddress;
      environment.CACHE_PORT = String(CACHE_PORT);
    }

    this.service = new Service(this, 'Service', {
      vpc,
      image: config.service.image,
      containerPort: config.service.containerPort,
      healthCheckPath: config.service.healthCheckPath,
      cpu: config.service.cpu,
      memoryMiB: config.service.memoryMiB,
      desiredCount: role === 'primary' ? config.service.desiredCount : warm ? config.service.standbyCount : 0,
      certificateArn: role === 'primary' ? config.service.certificateArns.primary : config.service.certificateArns.dr,
      secrets,
      environment,
    });
    this.database.allowFrom(this.service.taskSecurityGroup, 'Application tasks');
    this.cache?.allowFrom(this.service.taskSecurityGroup, 'Application tasks');
    this.cache?.allowFrom(this.database.controlPlaneClients, 'Lifeline control plane (key count at backup)');
    this.cache?.allowRestoresFrom(this.database.controlPlaneClients, 'Lifeline verifier');

    // Lives with the workload so its alarms can notify it without a stack cycle (the control plane depends on this stack).
    this.databaseParameter = new ssm.StringParameter(this, 'DatabaseInstanceParameter', {
      parameterName: databaseParameterName(config.appName),
      description: 'The DB instance the Lifeline-protected application uses in this region (moved by the DR runbooks)',
      // Warm standby: the DR service already uses its replica's endpoint (DATABASE_HOST above), which a promotion keeps,
      // so a failover neither repoints nor redeploys it.
      stringValue: dbInstance ? dbInstance.instanceIdentifier : 'none',
    });
    this.notifications = new Notifications(this, 'Notifications');
    this.artifacts = new Artifacts(this, 'Artifacts');
    this.alarms = new WorkloadAlarms(this, 'Alarms', {
      topic: this.notifications.topic,
      appName: config.appName,
      regionRole: role,
      databaseIsReplica: role === 'standby' && dbInstance !== undefined,
      dimensions: {
        service: { ClusterName: this.service.cluster.clusterName, ServiceName: this.service.service.serviceName },
        'load-balancer': { LoadBalancer: this.service.loadBalancer.loadBalancerFullName },
        ...(dbInstance ? { database: { DBInstanceIdentifier: dbInstance.instanceIdentifier } } : {}),
        ...(this.cache ? { cache: { ReplicationGroupId: this.cache.replicationGroup.ref } } : {}),
      },
    });

    if (role === 'standby' && automatedBackupReplicationOn(config)) {
      if (!props.backupReplicationSource) throw new Error('replicating automated backups needs the primary database');
      new AutomatedBackupReplication(this, 'AutomatedBackupReplication', {
        source: props.backupReplicationSource,
        key: this.database.key,
        retentionDays: config.backup.automatedBackupReplicationRetentionDays,
      });
    }
    if (role === 'standby') {
      this.trafficSwitch = new TrafficSwitch(this, 'TrafficSwitch', { appName: config.appName });
      const { domainName, hostedZoneId } = config.dns;
      if (domainName && hostedZoneId) {
        if (!props.primaryLoadBalancer) throw new Error('the DR workload needs the primary load balancer for its DNS failover pair');
        this.dns = new FailoverDns(this, 'Dns', {
          domainName,
          hostedZoneId,
          primary: { loadBalancer: props.primaryLoadBalancer, https: Boolean(config.service.certificateArns.primary) },
          dr: { loadBalancer: this.service.loadBalancer, https: Boolean(config.service.certificateArns.dr) },
          healthCheckPath: config.service.healthCheckPath,
          trafficAlarm: this.trafficSwitch.alarm,
          trafficAlarmRegion: region,
        });
      }
    }
  }
}
