import { compliantIf, RuleCompliance, type TemplateRule } from '../rule';

/**
 * Databases and caches are encrypted at rest with a customer-managed key
 * (KmsKeyId set), caches also in transit. A read replica inherits
 * encryption from its source, so for it KmsKeyId alone is checked.
 */
export const dataAtRestEncrypted: TemplateRule = {
  id: 'Lifeline-DataAtRestEncrypted',
  description:
    'RDS instances and ElastiCache replication groups must be encrypted with a customer-managed KMS key (caches also in transit)',
  check: ({ Type, Properties: p = {} }) => {
    if (Type === 'AWS::RDS::DBInstance') {
      const replica = p.SourceDBInstanceIdentifier !== undefined;
      return compliantIf(p.KmsKeyId !== undefined && (replica || p.StorageEncrypted === true));
    }
    if (Type === 'AWS::ElastiCache::ReplicationGroup') {
      return compliantIf(p.AtRestEncryptionEnabled === true && p.TransitEncryptionEnabled === true && p.KmsKeyId !== undefined);
    }
    return RuleCompliance.NOT_APPLICABLE;
  },
};
