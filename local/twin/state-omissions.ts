/**
 * Members AWS leaves out of an answer while a resource is in some statuses, in
 * one place. Every member of the SDK's shapes is optional (`?:`), and these are
 * the ones a caller meets missing: a state machine reading one with a
 * JSONPath fails with States.Runtime, which no Retry or Catch handles. The
 * services render a resource in full and pass it through
 * {@link omitByStatus}, so every answer that carries the shape (describe,
 * create, copy, delete) leaves out what AWS leaves out.
 */

/** Present only while the status is one of `only`, or while it is none of `not`. */
type Presence = { readonly only: readonly string[] } | { readonly not: readonly string[] };

export interface Omission {
  readonly service: 'rds' | 'elasticache';
  /** The SDK shape the rendered object is. */
  readonly shape: string;
  /** Dotted path inside the shape; `[]` walks every element of a list. */
  readonly member: string;
  /** The shape's own status member decides (`DBSnapshot.Status`, `DBInstance.DBInstanceStatus`, `Snapshot.SnapshotStatus`). */
  readonly presentWhen: Presence;
  readonly source: string;
}

const SNAPSHOT_TIMES_SOURCE =
  'boto/boto3#952 ("If the snapshot status is not available it will not be present"); awslabs/rds-snapshot-tool#45 and PR #46; ' +
  'hashicorp/terraform-provider-aws PR #2178; SDK client-rds CreateDBSnapshotCommand.d.ts and CopyDBSnapshotCommand.d.ts examples ' +
  '(Status "creating", no SnapshotCreateTime, OriginalSnapshotCreateTime or SnapshotDatabaseTime)';
const INSTANCE_CREATING_SOURCE =
  'prowler-cloud/prowler#1906 ("not present in the DescribeDBInstances response when the instance is still in the creating state"); ' +
  'boto/boto3#805; aws/aws-cli#4165; percona/pmm PR #955; hortonworks/cloud-haunter PR #44 and #47; SDK client-rds ' +
  'CreateDBInstanceCommand.d.ts and RestoreDBInstanceFromDBSnapshotCommand.d.ts examples ' +
  '(status "creating", no Endpoint or InstanceCreateTime)';

export const STATE_OMISSIONS: readonly Omission[] = [
  {
    service: 'rds',
    shape: 'DBSnapshot',
    member: 'SnapshotCreateTime',
    presentWhen: { only: ['available'] },
    source: SNAPSHOT_TIMES_SOURCE,
  },
  {
    service: 'rds',
    shape: 'DBSnapshot',
    member: 'OriginalSnapshotCreateTime',
    presentWhen: { only: ['available'] },
    source: `${SNAPSHOT_TIMES_SOURCE}; SDK models_0.d.ts DBSnapshot: "the system time that the snapshot completed"`,
  },
  {
    service: 'rds',
    shape: 'DBSnapshot',
    member: 'SnapshotDatabaseTime',
    presentWhen: { only: ['available'] },
    source: SNAPSHOT_TIMES_SOURCE,
  },
  { service: 'rds', shape: 'DBInstance', member: 'Endpoint', presentWhen: { not: ['creating'] }, source: INSTANCE_CREATING_SOURCE },
  {
    service: 'rds',
    shape: 'DBInstance',
    member: 'InstanceCreateTime',
    presentWhen: { not: ['creating'] },
    source: INSTANCE_CREATING_SOURCE,
  },
  {
    service: 'elasticache',
    shape: 'Snapshot',
    member: 'NodeSnapshots[].SnapshotCreateTime',
    presentWhen: { not: ['creating'] },
    source:
      'SDK client-elasticache CreateSnapshotCommand.d.ts examples "CreateSnapshot - NonClustered Redis, no read-replicas" and ' +
      '"CreateSnapshot-clustered Redis" (SnapshotStatus "creating", no node SnapshotCreateTime); ' +
      'awsdocs/amazon-elasticache-docs doc_source/backups-manual.md',
  },
];

const present = (presence: Presence, status: string): boolean =>
  'only' in presence ? presence.only.includes(status) : !presence.not.includes(status);

function drop(target: unknown, path: readonly string[]): void {
  if (typeof target !== 'object' || target === null || path.length === 0) return;
  const [head, ...rest] = path;
  const list = head.endsWith('[]');
  const key = list ? head.slice(0, -2) : head;
  const record = target as Record<string, unknown>;
  if (rest.length === 0 && !list) {
    delete record[key];
    return;
  }
  const inner = record[key];
  if (list && Array.isArray(inner)) for (const item of inner) drop(item, rest);
  else if (!list) drop(inner, rest);
}

/** `rendered` (a `service` `shape` in `status`) without the members AWS leaves out in that status; changed in place and returned. */
export function omitByStatus<T extends object>(service: Omission['service'], shape: string, status: string, rendered: T): T {
  for (const omission of STATE_OMISSIONS)
    if (omission.service === service && omission.shape === shape && !present(omission.presentWhen, status))
      drop(rendered, omission.member.split('.'));
  return rendered;
}
