import { describe, expect, it } from 'vitest';
import { checkTemplates, LIFELINE_RULES } from '../../../cdk/compliance';
import { RuleCompliance, type TemplateResource, type TemplateRule } from '../../../cdk/compliance/rule';
import { dataAtRestEncrypted } from '../../../cdk/compliance/rules/data-at-rest-encrypted';
import { databaseDeletionProtection } from '../../../cdk/compliance/rules/database-deletion-protection';
import { noPublicDataPort } from '../../../cdk/compliance/rules/no-public-data-port';
import { noWildcardMutatingAction } from '../../../cdk/compliance/rules/no-wildcard-mutating-action';
import { stateMachineLogging } from '../../../cdk/compliance/rules/state-machine-logging';

// Each rule: a compliant and a non-compliant resource, as cdk-nag tests its rules.
const cases: [TemplateRule, TemplateResource, TemplateResource][] = [
  [
    databaseDeletionProtection,
    { Type: 'AWS::RDS::DBInstance', Properties: { DeletionProtection: true } },
    { Type: 'AWS::RDS::DBInstance', Properties: { DeletionProtection: false } },
  ],
  [
    dataAtRestEncrypted,
    { Type: 'AWS::RDS::DBInstance', Properties: { StorageEncrypted: true, KmsKeyId: 'arn:key' } },
    { Type: 'AWS::RDS::DBInstance', Properties: { StorageEncrypted: true } },
  ],
  [
    dataAtRestEncrypted,
    { Type: 'AWS::RDS::DBInstance', Properties: { SourceDBInstanceIdentifier: 'arn:db', KmsKeyId: 'arn:key' } },
    { Type: 'AWS::RDS::DBInstance', Properties: { SourceDBInstanceIdentifier: 'arn:db' } },
  ],
  [
    dataAtRestEncrypted,
    {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      Properties: { AtRestEncryptionEnabled: true, TransitEncryptionEnabled: true, KmsKeyId: 'k' },
    },
    {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      Properties: { AtRestEncryptionEnabled: true, TransitEncryptionEnabled: false, KmsKeyId: 'k' },
    },
  ],
  [
    noPublicDataPort,
    { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }] } },
    { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [{ CidrIp: '0.0.0.0/0', FromPort: 5432, ToPort: 5432 }] } },
  ],
  [
    noPublicDataPort,
    { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { CidrIp: '10.0.0.0/16', FromPort: 6379, ToPort: 6379 } },
    { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { CidrIpv6: '::/0', FromPort: 0, ToPort: 65535 } },
  ],
  [
    noWildcardMutatingAction,
    {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: '*' },
            { Effect: 'Allow', Action: 'rds:DeleteDBSnapshot', Resource: 'arn:aws:rds:*:*:snapshot:lifeline-*' },
          ],
        },
      },
    },
    {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'rds:DeleteDBSnapshot', Resource: '*' }] } },
    },
  ],
  [
    noWildcardMutatingAction,
    {
      Type: 'AWS::IAM::Role',
      Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] } }] },
    },
    {
      Type: 'AWS::IAM::Role',
      Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] } }] },
    },
  ],
  [
    stateMachineLogging,
    {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true }, TracingConfiguration: { Enabled: true } },
    },
    {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: true }, TracingConfiguration: { Enabled: true } },
    },
  ],
];

describe('template rules', () => {
  it.each(cases.map(([rule, good, bad]) => [rule.id, good.Type, rule, good, bad] as const))(
    '%s judges %s',
    (_id, _type, rule, good, bad) => {
      expect(rule.check(good)).toBe(RuleCompliance.COMPLIANT);
      expect(rule.check(bad)).toBe(RuleCompliance.NON_COMPLIANT);
      expect(rule.check({ Type: 'AWS::SNS::Topic', Properties: {} })).toBe(RuleCompliance.NOT_APPLICABLE);
    },
  );

  it('reports each non-compliant resource of a template by stack and logical id', () => {
    const findings = checkTemplates({
      Demo: {
        Resources: {
          Db: { Type: 'AWS::RDS::DBInstance', Properties: { DeletionProtection: false, StorageEncrypted: true, KmsKeyId: 'k' } },
        },
      },
    });
    expect(findings).toEqual([
      { ruleId: databaseDeletionProtection.id, stack: 'Demo', logicalId: 'Db', description: databaseDeletionProtection.description },
    ]);
  });

  it('covers every rule with a case', () => {
    expect(new Set(cases.map(([rule]) => rule.id))).toEqual(new Set(LIFELINE_RULES.map((r) => r.id)));
  });
});
