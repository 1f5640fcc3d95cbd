import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapshotName } from '../../contracts/backup';
import { MAX_LENGTH, resourceName } from '../../contracts/identifiers';
import { staleName } from '../../functions/dr/aws';
import { managedReplicaPrefix } from '../../contracts/naming';
import { CACHE_GROUP_ID, identifierProblem, RDS_INSTANCE_ID, RDS_SNAPSHOT_ID } from '../../local/twin/identifier-rules';

/**
 * The names Lifeline builds from names it does not control are checked
 * against the twin's own reading of the API reference (local/twin/identifier-rules.ts),
 * not against the code that builds them.
 */
const RULES = { rdsInstance: RDS_INSTANCE_ID('DBInstanceIdentifier'), rdsSnapshot: RDS_SNAPSHOT_ID('DBSnapshotIdentifier') };

/** Step Functions execution names: 1–80 characters, any but whitespace, brackets, wildcards and " # % \ ^ | ~ ` $ & , ; : / . */
const executionName = fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }).filter((s) => !/[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(s));
/** Anything at all, for the parts that come from configuration. */
const anyText = fc.string({ maxLength: 120, unit: 'binary' });
/** A valid RDS DB instance identifier (what a configured instance is called). */
const instanceId = fc
  .stringMatching(/^[a-z](?:-?[a-z0-9]){0,62}$/)
  .filter((id) => id.length <= MAX_LENGTH.rdsInstance && identifierProblem(RULES.rdsInstance, id) === undefined);
const validFor =
  (rule: Parameters<typeof identifierProblem>[0]) =>
  (name: string): void => {
    expect(identifierProblem(rule, name), name).toBeUndefined();
  };

describe('resource names built from execution names', () => {
  it('are always valid identifiers for the length asked, whatever the parts', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 4 }), fc.constantFrom(...Object.values(MAX_LENGTH)), (parts, max) => {
        const name = resourceName(parts, max);
        validFor({ parameter: 'name', maxLength: max, source: 'test' })(name);
      }),
    );
  });

  it('are the same for the same execution (a re-run asks for the same resource) and differ between executions', () => {
    fc.assert(
      fc.property(executionName, executionName, (a, b) => {
        expect(snapshotName('database', a)).toBe(snapshotName('database', a));
        if (a !== b) expect(snapshotName('database', a)).not.toBe(snapshotName('database', b));
        const temporary = (name: string) => resourceName(['lifeline-verify', name], MAX_LENGTH.cacheGroup);
        if (a !== b) expect(temporary(a)).not.toBe(temporary(b));
      }),
    );
  });

  it('leave a name that is already valid and short enough as it is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9](?:-?[a-z0-9]){0,40}$/), (name) => {
        expect(snapshotName('database', name)).toBe(`lifeline-database-${name}`);
      }),
    );
    expect(snapshotName('database', 'run-1')).toBe('lifeline-database-run-1');
  });

  it('give backup snapshots valid RDS snapshot identifiers, even for names with nothing alphanumeric', () => {
    fc.assert(fc.property(anyText, executionName, (target, name) => validFor(RULES.rdsSnapshot)(snapshotName(target, name))));
    for (const name of ['_.-', 'Nightly_Backup', '-', 'x'.repeat(80)]) validFor(RULES.rdsSnapshot)(snapshotName('database', name));
  });

  it('give restore verification valid temporary instance and group ids under the prefix the sweeper looks for', () => {
    fc.assert(
      fc.property(executionName, (name) => {
        const instance = resourceName(['lifeline-verify', name], MAX_LENGTH.rdsInstance);
        const group = resourceName(['lifeline-verify', name], MAX_LENGTH.cacheGroup);
        validFor(RULES.rdsInstance)(instance);
        validFor(CACHE_GROUP_ID)(group);
        expect(instance.startsWith('lifeline-verify-') && group.startsWith('lifeline-verify-')).toBe(true);
      }),
    );
  });

  it('give the DR stale instance a valid identifier however long the configured one is', () => {
    fc.assert(
      fc.property(instanceId, fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }), (id, at) =>
        validFor(RULES.rdsInstance)(staleName(id, at)),
      ),
    );
    expect(staleName('shop-primary-db', new Date('2026-07-01T11:50:00.000Z'))).toBe('shop-primary-db-stale-202607011150');
  });

  it('give the scaling read replicas valid identifiers for every valid app name', () => {
    // The configuration's rule for appName (fast-check's regex generator has no lookahead: `--` is filtered).
    const appName = fc.stringMatching(/^[a-z][a-z0-9-]{0,29}[a-z0-9]$/).filter((name) => !name.includes('--'));
    fc.assert(
      fc.property(appName, fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }), (app, at) => {
        const replica = `${managedReplicaPrefix(app)}${at.getTime().toString(36)}`;
        validFor(RULES.rdsInstance)(replica);
      }),
    );
  });
});
