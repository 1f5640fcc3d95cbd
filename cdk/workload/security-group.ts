import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/**
 * What may leave a security group: nothing for what only answers (data stores and their restores; the ALB
 * adds its one rule to the tasks), anything for a client that calls out.
 */
export type Egress = 'none' | 'all';

/** Makes the security groups of `scope` in `vpc`; each admits nothing until a rule names a peer. */
export function securityGroupsIn(scope: Construct, vpc: ec2.IVpc) {
  return (id: string, description: string, egress: Egress): ec2.SecurityGroup =>
    new ec2.SecurityGroup(scope, id, { vpc, description, allowAllOutbound: egress === 'all' });
}
