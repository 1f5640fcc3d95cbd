import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** VPC CIDR; distinct per region so the VPCs can be peered later. */
  readonly cidr: string;
  /** NAT gateways (one per AZ is the resilient choice, one is the cheap one). */
  readonly natGateways: number;
  /** Availability zones by name, so three AZs need no context lookup. */
  readonly availabilityZones: readonly string[];
}

/**
 * VPC over three AZs with public (ALB), private-with-egress (tasks, functions)
 * and isolated (database, cache, temporary restores) subnets, flow logs, and
 * endpoints that keep the control plane's AWS traffic off the NAT gateways.
 *
 * AZs are named in the configuration: without an account CDK would fall back
 * to two `Fn::GetAZs` tokens, and a lookup would need credentials.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: props.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // Gateway endpoints are free: snapshot exports, reports and the ledger stay off the NAT.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    // Interface endpoints for what the tasks and in-VPC functions call on every start or run.
    const interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    };
    for (const [name, service] of Object.entries(interfaceEndpoints)) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        privateDnsEnabled: true,
      });
      for (const securityGroup of endpoint.connections.securityGroups) {
        // cdk-nag cannot resolve the VPC CIDR token and reports the rule as unevaluable.
        Validations.of(securityGroup).acknowledge({
          id: 'AwsSolutions-EC23',
          reason: 'The endpoint admits HTTPS from its own VPC CIDR only (Fn::GetAtt VpcCidrBlock), never 0.0.0.0/0.',
        });
      }
    }
  }
}
