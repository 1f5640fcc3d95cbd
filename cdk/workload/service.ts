import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LogBucket } from './log-bucket';
import { securityGroupsIn } from './security-group';

export interface ServiceProps {
  readonly vpc: ec2.IVpc;
  readonly image: string;
  readonly containerPort: number;
  readonly healthCheckPath: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Tasks to run now: the configured count in the primary, the standby count (or 0) in the DR region. */
  readonly desiredCount: number;
  /** ACM certificate: with it the ALB serves HTTPS and redirects HTTP. */
  readonly certificateArn?: string;
  /** Secrets injected into the container (database credentials, cache AUTH token). */
  readonly secrets?: Readonly<Record<string, ecs.Secret>>;
  /** Plain settings injected into the container (endpoints, never credentials). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * ECS cluster (Container Insights) running one Fargate service behind an
 * internet-facing ALB. Tasks run as a non-root user with a read-only root
 * filesystem, log to CloudWatch, and roll back a failing deployment.
 */
export class Service extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly taskSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    taskDefinition.addContainer('app', {
      image: ecs.ContainerImage.fromRegistry(props.image),
      portMappings: [{ containerPort: props.containerPort, name: 'http' }],
      // 65534 is "nobody": the task never runs as root.
      user: '65534:65534',
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup }),
      secrets: props.secrets ? { ...props.secrets } : undefined,
      environment: props.environment ? { ...props.environment } : undefined,
    });
    if (props.environment) {
      Validations.of(taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason:
          'Only non-secret endpoints and ports are plain environment variables; ' +
          'credentials are injected as ECS secrets from Secrets Manager.',
      });
    }

    const newGroup = securityGroupsIn(this, props.vpc);
    const albSecurityGroup = newGroup('LoadBalancerSecurityGroup', 'Internet-facing ALB: HTTP and HTTPS from anywhere', 'none');
    this.taskSecurityGroup = newGroup('TaskSecurityGroup', 'Application tasks: reachable from the ALB only', 'all');

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      securityGroup: albSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(new LogBucket(this, 'AccessLogs', { receives: 'ALB access logs' }).bucket);
    for (const port of props.certificateArn ? [80, 443] : [80]) {
      albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `HTTP${port === 443 ? 'S' : ''} from the internet`);
    }
    Validations.of(albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The public application load balancer must accept HTTP(S) from any address; tasks accept traffic only from this security group.',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: props.desiredCount,
      securityGroups: [this.taskSecurityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableExecuteCommand: false,
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: props.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: props.healthCheckPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    // ALB → tasks on the container port only; nothing else reaches the tasks.
    this.taskSecurityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(props.containerPort), 'ALB to tasks');
    albSecurityGroup.addEgressRule(this.taskSecurityGroup, ec2.Port.tcp(props.containerPort), 'ALB to tasks');

    if (props.certificateArn) {
      this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: false,
      });
      this.loadBalancer.addListener('Http', {
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      this.loadBalancer.addListener('Http', { port: 80, open: false, defaultTargetGroups: [this.targetGroup] });
    }
  }
}
