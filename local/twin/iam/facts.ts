import type { AwsServices } from '../aws-services';
import type { Tag } from '../util';
import type { ResourceFacts } from './requirements';
import type { IamView } from './template-view';

/** `<region>` and `<type>:<id>` of an `arn:aws:<service>:<region>:<account>:<type>:<id>` ARN. */
function parts(arn: string): { service: string; region: string; type: string; id: string } {
  const [, , service = '', region = '', , type = '', ...rest] = arn.split(':');
  return { service, region, type, id: rest.join(':') };
}

const asRecord = (tags: readonly Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

/** An identifier or the ARN of one: the identifier. */
const idOf = (value: string): string => (value.startsWith('arn:') ? parts(value).id : value);

/** The twin's resource an ARN names, among those whose tags IAM conditions read (databases, caches, snapshots, alarms). */
export function taggedResource(aws: AwsServices, arn: string): { tags: Tag[] } | undefined {
  const { service, region, type, id } = parts(arn);
  if (service === 'rds' && type === 'db') return aws.rds.instances.get(region)?.get(id);
  if (service === 'rds' && type === 'snapshot') return aws.rds.snapshots.get(region)?.get(id);
  if (service === 'elasticache' && type === 'replicationgroup') return aws.elasticache.groups.get(region)?.get(id);
  if (service === 'elasticache' && type === 'snapshot') return aws.elasticache.snapshots.get(region)?.get(id);
  if (service === 'cloudwatch' && type === 'alarm') return aws.cloudwatch.alarms.get(region)?.get(id);
  return undefined;
}

/** What the IAM evaluation reads of the twin's state: tags for conditions, keys of snapshots and instances, secrets' ARNs. */
export function twinResourceFacts(aws: AwsServices, view: IamView, account: string): ResourceFacts {
  return {
    account,
    rdsEngineVersion: () => aws.rds.engineVersion,
    tags: (arn) => asRecord(taggedResource(aws, arn)?.tags),
    rdsSnapshot: (region, id) => aws.rds.snapshots.get(region)?.get(idOf(id)),
    rdsInstance: (region, id) => aws.rds.instances.get(region)?.get(idOf(id)),
    secretArn: (region, id) => aws.secrets.arnOf(region, id),
    encryptionKey: (arn) => view.encryptionKeys[arn],
    rdsAutomatedBackupsKey: (region, arn) => aws.rds.automatedBackupsKey(region, arn),
    rdsAutomatedBackupsArn: (sourceRegion, sourceId, region) => {
      const instance = aws.rds.instances.get(sourceRegion)?.get(idOf(sourceId));
      return instance ? aws.rds.automatedBackupsArn(instance, region) : undefined;
    },
  };
}
