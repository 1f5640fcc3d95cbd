import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** One region's side of the pair: its load balancer, checked over HTTPS when it has a certificate. */
export interface FailoverSide {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly https: boolean;
}

export interface FailoverDnsProps {
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly primary: FailoverSide;
  readonly dr: FailoverSide;
  readonly healthCheckPath: string;
  /** The DR region's traffic alarm: in ALARM, the primary record answers unhealthy and DNS answers the DR region. */
  readonly trafficAlarm: cloudwatch.IAlarm;
  readonly trafficAlarmRegion: string;
}

/**
 * The Route 53 failover pair, owned by the DR region's stack with the switch it follows. Which region serves is
 * decided on Route 53's data plane, by health checks, as in AWS's "standby takes over primary" pattern: the PRIMARY
 * record's check is calculated from the primary load balancer's check AND a check on the DR region's traffic alarm,
 * so the runbooks move traffic by moving that alarm (a metric in their own region), and the records are never
 * changed during a recovery (Well-Architected REL11-BP04: Route 53's control plane is in us-east-1).
 */
export class FailoverDns extends Construct {
  /** The PRIMARY record's (calculated) health check and the SECONDARY record's. */
  readonly primaryHealthCheck: route53.CfnHealthCheck;
  readonly secondaryHealthCheck: route53.CfnHealthCheck;
  readonly records: route53.CfnRecordSet[];

  constructor(scope: Construct, id: string, props: FailoverDnsProps) {
    super(scope, id);
    const endpointCheck = (name: string, side: FailoverSide) =>
      new route53.CfnHealthCheck(this, `${name}HealthCheck`, {
        healthCheckConfig: {
          type: side.https ? 'HTTPS' : 'HTTP',
          fullyQualifiedDomainName: side.loadBalancer.loadBalancerDnsName,
          port: side.https ? 443 : 80,
          resourcePath: props.healthCheckPath,
          requestInterval: 10,
          failureThreshold: 3,
        },
        healthCheckTags: [{ key: 'Name', value: `${props.domainName} ${name.toLowerCase()} load balancer` }],
      });
    const primaryEndpoint = endpointCheck('Primary', props.primary);
    const traffic = new route53.CfnHealthCheck(this, 'TrafficHealthCheck', {
      healthCheckConfig: {
        type: 'CLOUDWATCH_METRIC',
        alarmIdentifier: { name: props.trafficAlarm.alarmName, region: props.trafficAlarmRegion },
        // The DR heartbeat publishes every minute; a gap keeps the last status instead of flipping traffic.
        insufficientDataHealthStatus: 'LastKnownStatus',
      },
      healthCheckTags: [{ key: 'Name', value: `${props.domainName} traffic stays on the primary` }],
    });
    this.primaryHealthCheck = new route53.CfnHealthCheck(this, 'PrimaryServesHealthCheck', {
      healthCheckConfig: {
        type: 'CALCULATED',
        childHealthChecks: [primaryEndpoint.attrHealthCheckId, traffic.attrHealthCheckId],
        healthThreshold: 2,
      },
      healthCheckTags: [{ key: 'Name', value: `${props.domainName} primary serves` }],
    });
    this.secondaryHealthCheck = endpointCheck('Dr', props.dr);
    this.records = (
      [
        ['PRIMARY', props.primary, this.primaryHealthCheck],
        ['SECONDARY', props.dr, this.secondaryHealthCheck],
      ] as const
    ).map(
      ([failover, side, check]) =>
        new route53.CfnRecordSet(this, `${failover === 'PRIMARY' ? 'Primary' : 'Secondary'}Record`, {
          hostedZoneId: props.hostedZoneId,
          name: `${props.domainName}.`,
          type: 'A',
          setIdentifier: failover.toLowerCase(),
          failover,
          healthCheckId: check.attrHealthCheckId,
          aliasTarget: {
            dnsName: side.loadBalancer.loadBalancerDnsName,
            hostedZoneId: side.loadBalancer.loadBalancerCanonicalHostedZoneId,
            evaluateTargetHealth: true,
          },
        }),
    );
  }
}
