import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { rds } from '../shared/clients';
import { parseInput } from '../shared/errors';
import { type BackupItem, backupItemSchema } from '../../contracts/backup';

/** The status of this item's RDS copy in the DR region (a Describe in another region than the state machine's). */
export async function copyStatus(item: BackupItem): Promise<{ status: string }> {
  const described = await rds(item.drRegion).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: item.snapshotId }));
  return { status: described.DBSnapshots?.[0]?.Status ?? 'missing' };
}

export const handler = async (event: unknown) => copyStatus(parseInput(backupItemSchema, event, 'backup item'));
