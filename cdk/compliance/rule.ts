/**
 * Template-wide rules in cdk-nag's shape: one pure function per rule, in its
 * own file, judging one CloudFormation resource. They run over synthesized
 * templates (tests and `checkTemplates`), so they see the final properties,
 * including escape-hatch overrides that cdk-nag's construct visit misses.
 */
export enum RuleCompliance {
  COMPLIANT = 'compliant',
  NON_COMPLIANT = 'non-compliant',
  NOT_APPLICABLE = 'not-applicable',
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface TemplateRule {
  readonly id: string;
  readonly description: string;
  readonly check: (resource: TemplateResource) => RuleCompliance;
}

export interface RuleFinding {
  readonly ruleId: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly description: string;
}

export function compliantIf(condition: boolean): RuleCompliance {
  return condition ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
