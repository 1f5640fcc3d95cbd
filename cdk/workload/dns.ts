import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface FailoverDnsProps {
  readonly domainName: string;
  readonly hostedZoneId: string;
  /** PRIMARY in the primary region, SECONDARY in the DR region. */
  readonly failover: 'PRIMARY' | 'SECONDARY';
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly healthCheckPath: string;
  /** HTTPS when the load balancer has a certificate. */
  readonly https: boolean;
}

/**
 * One half of a Route 53 failover pair: an alias record to this region's ALB
 * with a health check on it. Each region's stack owns its own half, so
 * switching or repairing DNS never needs the other region's stack.
 */
export class FailoverDns extends Construct {
  readonly healthCheck: route53.CfnHealthCheck;
  readonly record: route53.CfnRecordSet;
  readonly domainName: string;
  readonly hostedZoneId: string;

  constructor(scope: Construct, id: string, props: FailoverDnsProps) {
    super(scope, id);
    this.domainName = props.domainName;
    this.hostedZoneId = props.hostedZoneId;
    this.healthCheck = new route53.CfnHealthCheck(this, 'HealthCheck', {
      healthCheckConfig: {
        type: props.https ? 'HTTPS' : 'HTTP',
        fullyQualifiedDomainName: props.loadBalancer.loadBalancerDnsName,
        port: props.https ? 443 : 80,
        resourcePath: props.healthCheckPath,
        requestInterval: 10,
        failureThreshold: 3,
      },
      healthCheckTags: [{ key: 'Name', value: `${props.domainName} ${props.failover.toLowerCase()}` }],
    });
    this.record = new route53.CfnRecordSet(this, 'Record', {
      hostedZoneId: props.hostedZoneId,
      name: `${props.domainName}.`,
      type: 'A',
      setIdentifier: props.failover.toLowerCase(),
      failover: props.failover,
      healthCheckId: this.healthCheck.attrHealthCheckId,
      aliasTarget: {
        dnsName: props.loadBalancer.loadBalancerDnsName,
        hostedZoneId: props.loadBalancer.loadBalancerCanonicalHostedZoneId,
        evaluateTargetHealth: true,
      },
    });
  }
}
