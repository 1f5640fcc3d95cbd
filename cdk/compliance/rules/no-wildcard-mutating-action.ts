import { mayUseWildcardResource } from '../iam-actions';
import { asArray, compliantIf, isRecord, RuleCompliance, type TemplateRule } from '../rule';

function grantsMutationOnEverything(statement: unknown): boolean {
  if (!isRecord(statement) || statement.Effect !== 'Allow') return false;
  const everyResource = asArray(statement.Resource).some((r) => r === '*');
  if (!everyResource) return false;
  return asArray(statement.Action).some((action) => typeof action !== 'string' || action.includes('*') || !mayUseWildcardResource(action));
}

/** No IAM policy allows a mutating (or wildcard) action on Resource "*", except the few AWS offers no resource scoping for. */
export const noWildcardMutatingAction: TemplateRule = {
  id: 'Lifeline-NoWildcardMutatingAction',
  description: 'IAM policies must not allow a mutating action on every resource',
  check: ({ Type, Properties: p = {} }) => {
    const documents: unknown[] = [];
    if (Type === 'AWS::IAM::Policy' || Type === 'AWS::IAM::ManagedPolicy') documents.push(p.PolicyDocument);
    else if (Type === 'AWS::IAM::Role')
      documents.push(...asArray(p.Policies).map((pol) => (isRecord(pol) ? pol.PolicyDocument : undefined)));
    else return RuleCompliance.NOT_APPLICABLE;
    const statements = documents.flatMap((doc) => (isRecord(doc) ? asArray(doc.Statement) : []));
    return compliantIf(!statements.some(grantsMutationOnEverything));
  },
};
