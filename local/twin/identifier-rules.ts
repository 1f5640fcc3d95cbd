/**
 * The names AWS accepts for the resources the twin creates, read from the API
 * reference (the SDK models' member docs). The twin's own copy, on purpose:
 * the product builds its names with contracts/identifiers.ts, and the twin
 * measures them against these rules rather than sharing that code.
 */
export interface IdentifierRule {
  /** The parameter, as the error names it. */
  readonly parameter: string;
  readonly maxLength: number;
  readonly source: string;
}

const RDS_RULES =
  'SDK client-rds models_0.d.ts: "Must contain from 1 to {max} letters, numbers, or hyphens", "First character must be a letter", ' +
  '"Can\'t end with a hyphen or contain two consecutive hyphens"';

export const RDS_INSTANCE_ID = (parameter: string): IdentifierRule => ({
  parameter,
  maxLength: 63,
  source:
    `${RDS_RULES.replace('{max}', '63')} ` +
    '(CreateDBInstanceMessage.DBInstanceIdentifier, ModifyDBInstanceMessage.NewDBInstanceIdentifier)',
});

export const RDS_SNAPSHOT_ID = (parameter: string): IdentifierRule => ({
  parameter,
  maxLength: 255,
  source:
    `${RDS_RULES.replace('{max}', '255')} ` +
    '(CreateDBSnapshotMessage.DBSnapshotIdentifier, CopyDBSnapshotMessage.TargetDBSnapshotIdentifier)',
});

export const CACHE_GROUP_ID: IdentifierRule = {
  parameter: 'ReplicationGroupId',
  maxLength: 40,
  source:
    'SDK client-elasticache models_0.d.ts CreateReplicationGroupMessage.ReplicationGroupId: "A name must contain from 1 to 40 ' +
    'alphanumeric characters or hyphens", "The first character must be a letter", "A name cannot end with a hyphen or contain two ' +
    'consecutive hyphens"',
};

/**
 * What is wrong with `value` under `rule`, in the words AWS answers with
 * (InvalidParameterValue: "The parameter FinalDBSnapshotIdentifier is not a
 * valid identifier. Identifiers must begin with a letter; …", a botocore
 * ClientError quoted in public code), or undefined when it is valid.
 */
export function identifierProblem(rule: IdentifierRule, value: string): string | undefined {
  const valid =
    value.length >= 1 &&
    value.length <= rule.maxLength &&
    /^[A-Za-z][A-Za-z0-9-]*$/.test(value) &&
    !value.endsWith('-') &&
    !value.includes('--');
  if (valid) return undefined;
  return (
    `The parameter ${rule.parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, ` +
    `digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens (1 to ${rule.maxLength} characters).`
  );
}
