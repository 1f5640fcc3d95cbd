import { createHash } from 'node:crypto';

/**
 * Names of the resources Lifeline creates, built from names it does not
 * control (execution names, configured identifiers): always ones AWS
 * accepts. RDS DB instance identifiers (1–63), RDS DB snapshot identifiers
 * (1–255) and ElastiCache replication group ids (1–40) share one rule: ASCII
 * letters, digits and hyphens, a letter first, no hyphen last and no two in a
 * row (API reference: CreateDBInstance, CreateDBSnapshot,
 * CreateReplicationGroup). ElastiCache stores its names lower-case, RDS its
 * instance identifiers: these are lower-case from the start.
 */
export const MAX_LENGTH = { rdsInstance: 63, rdsSnapshot: 255, cacheGroup: 40 } as const;

/** Hex digits of the digest a shortened name ends with: distinct inputs keep distinct names. */
const DIGEST_LENGTH = 8;

/** Lower case, every run of other characters one hyphen, none at either end. */
const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * `parts` joined by hyphens as a valid identifier of at most `maxLength`
 * characters. Unchanged when that join is already one (`lifeline-database-run-1`);
 * otherwise sanitized (lower case, hyphens for the rest, a letter first), cut
 * to fit, and ended with a digest of the parts: AWS would store `Run-1` as
 * `run-1`, and two execution names that sanitize or cut alike still name two
 * resources, never one run's resource taken for another's.
 */
export function resourceName(parts: readonly string[], maxLength: number): string {
  if (maxLength < DIGEST_LENGTH + 2) throw new Error(`resourceName: maxLength ${maxLength} leaves no room for a name`);
  const raw = parts.join('-');
  const joined = parts.map(slug).filter(Boolean).join('-');
  if (joined === raw && raw.length <= maxLength && /^[a-z]/.test(raw) && !raw.includes('--')) return raw;
  const name = /^[a-z]/.test(joined) ? joined : `n${joined ? `-${joined}` : ''}`;
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, DIGEST_LENGTH);
  return `${name.slice(0, maxLength - DIGEST_LENGTH - 1).replace(/-+$/, '')}-${digest}`;
}

/** The region field of an ARN (`arn:partition:service:region:account:resource`). */
export const regionOfArn = (arn: string): string => arn.split(':')[3] ?? '';
