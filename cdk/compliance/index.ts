import { isRecord, RuleCompliance, type RuleFinding, type TemplateRule } from './rule';
import { dataAtRestEncrypted } from './rules/data-at-rest-encrypted';
import { databaseDeletionProtection } from './rules/database-deletion-protection';
import { noPublicDataPort } from './rules/no-public-data-port';
import { noWildcardMutatingAction } from './rules/no-wildcard-mutating-action';
import { stateMachineLogging } from './rules/state-machine-logging';

export const LIFELINE_RULES: readonly TemplateRule[] = [
  databaseDeletionProtection,
  dataAtRestEncrypted,
  noPublicDataPort,
  noWildcardMutatingAction,
  stateMachineLogging,
];

/** Every finding of `rules` over synthesized templates (stack name → template JSON). */
export function checkTemplates(templates: Record<string, unknown>, rules: readonly TemplateRule[] = LIFELINE_RULES): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const [stack, template] of Object.entries(templates)) {
    const resources = isRecord(template) && isRecord(template.Resources) ? template.Resources : {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!isRecord(resource) || typeof resource.Type !== 'string') continue;
      const properties = isRecord(resource.Properties) ? resource.Properties : undefined;
      for (const rule of rules) {
        if (rule.check({ Type: resource.Type, Properties: properties }) === RuleCompliance.NON_COMPLIANT) {
          findings.push({ ruleId: rule.id, stack, logicalId, description: rule.description });
        }
      }
    }
  }
  return findings;
}
