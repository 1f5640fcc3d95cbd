import { compliantIf, RuleCompliance, type TemplateRule } from '../rule';

/** Every RDS instance (primary or replica) has deletion protection. */
export const databaseDeletionProtection: TemplateRule = {
  id: 'Lifeline-DatabaseDeletionProtection',
  description: 'RDS instances must have DeletionProtection enabled',
  check: (resource) =>
    resource.Type === 'AWS::RDS::DBInstance'
      ? compliantIf(resource.Properties?.DeletionProtection === true)
      : RuleCompliance.NOT_APPLICABLE,
};
