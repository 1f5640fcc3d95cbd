/** IAM action facts shared by the template rule, the cdk-nag evidence and the workflow construct. */

/** Read-only actions by name; everything else mutates. */
export function isReadOnlyAction(iamAction: string): boolean {
  return /^[a-z0-9-]+:(Describe|List|Get|BatchGet|Query|Scan|Head)[A-Za-z0-9]*$/.test(iamAction);
}

/**
 * Actions AWS documents without resource-level permissions: X-Ray, the ENI
 * calls of functions in a VPC, PutMetricData, and the CloudWatch Logs
 * delivery APIs Step Functions logging needs. "*" is the only resource they take.
 */
export const NO_RESOURCE_LEVEL_ACTIONS: ReadonlySet<string> = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'cloudwatch:PutMetricData',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

/** An action that may be granted on "*": read-only, or without resource-level permissions. */
export function mayUseWildcardResource(iamAction: string): boolean {
  return isReadOnlyAction(iamAction) || NO_RESOURCE_LEVEL_ACTIONS.has(iamAction);
}
