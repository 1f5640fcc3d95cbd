import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamodb } from './clients';
import { requiredEnv } from './env';

/**
 * The ledger's records: `pk` names what a record is about (`backup#<target>`,
 * `run#<execution>`), `sk` orders it (ISO time or a name). Helpers take their
 * client and table as arguments, so tests and the twin pass their own.
 */
export interface LedgerRecord {
  readonly pk: string;
  readonly sk: string;
  readonly [field: string]: unknown;
}

export interface LedgerRef {
  readonly client: DynamoDBClient;
  readonly table: string;
}

/** The ledger a function was deployed with: LEDGER_TABLE, read in the function's own region (its replica). */
export function ledgerFromEnv(fallbackRegion: string): LedgerRef {
  return { client: dynamodb(process.env.AWS_REGION ?? fallbackRegion), table: requiredEnv('LEDGER_TABLE') };
}

/** Writes `record` unless one with its key exists; returns false when it did (a re-run). */
export async function putOnce(ledger: LedgerRef, record: LedgerRecord): Promise<boolean> {
  try {
    await ledger.client.send(
      new PutItemCommand({
        TableName: ledger.table,
        Item: marshall(record, { removeUndefinedValues: true, convertClassInstanceToMap: true }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Writes `record` only if no record with its key exists or the existing one's
 * `field` is below `below` (an expired lock). Returns false when the
 * condition failed: somebody else holds it.
 */
export async function putUnlessHeld(ledger: LedgerRef, record: LedgerRecord, field: string, below: string): Promise<boolean> {
  try {
    await ledger.client.send(
      new PutItemCommand({
        TableName: ledger.table,
        Item: marshall(record, { removeUndefinedValues: true }),
        ConditionExpression: 'attribute_not_exists(pk) OR #field < :below',
        ExpressionAttributeNames: { '#field': field },
        ExpressionAttributeValues: marshall({ ':below': below }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Writes `record`, replacing any previous one with its key. */
export async function put(ledger: LedgerRef, record: LedgerRecord): Promise<void> {
  await ledger.client.send(
    new PutItemCommand({
      TableName: ledger.table,
      Item: marshall(record, { removeUndefinedValues: true, convertClassInstanceToMap: true }),
    }),
  );
}

/** Records of `pk`, newest sort key first, optionally only those whose sort key starts with `prefix`. */
export async function newestFirst(
  ledger: LedgerRef,
  pk: string,
  options: { prefix?: string; limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  const result = await ledger.client.send(
    new QueryCommand({
      TableName: ledger.table,
      KeyConditionExpression: options.prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      ExpressionAttributeValues: marshall(options.prefix ? { ':pk': pk, ':prefix': options.prefix } : { ':pk': pk }),
      ScanIndexForward: false,
      Limit: options.limit,
    }),
  );
  return (result.Items ?? []).map((item) => unmarshall(item));
}

/**
 * The heartbeat function's newest successful write into a database, kept in
 * the (global) ledger: after the primary region is lost, the DR side still
 * knows up to when the primary took writes, which is what an RPO is measured
 * against.
 */
export const heartbeatRecord = (instanceId: string, writtenAt: Date, dbiResourceId?: string): LedgerRecord => ({
  pk: `heartbeat#${instanceId}`,
  sk: 'latest',
  writtenAt: writtenAt.toISOString(),
  // Which instance of that name it was (a failback replaces the instance under the same name): RDS's resource id.
  dbiResourceId,
});

/** The heartbeat function's newest write into `instanceId` (when, and into which instance of that name), if recorded. */
async function lastHeartbeat(ledger: LedgerRef, instanceId: string): Promise<Record<string, unknown> | undefined> {
  const [latest] = await newestFirst(ledger, `heartbeat#${instanceId}`, { prefix: 'latest', limit: 1 });
  return latest;
}

/** When the heartbeat function last wrote into `instanceId`, if recorded. */
export async function lastHeartbeatWrite(ledger: LedgerRef, instanceId: string): Promise<Date | undefined> {
  const latest = await lastHeartbeat(ledger, instanceId);
  return typeof latest?.writtenAt === 'string' ? new Date(latest.writtenAt) : undefined;
}

/** The resource id of the instance named `instanceId` the heartbeat function last wrote into, if recorded. */
export async function lastHeartbeatResourceId(ledger: LedgerRef, instanceId: string): Promise<string | undefined> {
  const latest = await lastHeartbeat(ledger, instanceId);
  return typeof latest?.dbiResourceId === 'string' ? latest.dbiResourceId : undefined;
}
