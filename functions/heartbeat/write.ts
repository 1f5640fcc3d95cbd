import { METRICS } from '../../contracts/metrics';
import { DBInstanceNotFoundFault, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { dynamodb, rds } from '../shared/clients';
import { heartbeatRecord, put } from '../shared/ledger';
import { insertHeartbeat, withDatabase } from '../shared/database';
import { jsonEnv, requiredEnv } from '../shared/env';
import { databaseIdOf, type Inventory, inventorySchema } from '../../contracts/inventory';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../shared/powertools';
import { publishTraffic, readTraffic } from '../shared/traffic';

export interface HeartbeatResult {
  readonly written: boolean;
  readonly instanceId?: string;
  readonly at?: string;
  readonly reason?: string;
}

/**
 * Writes one timestamped row into lifeline_heartbeat of this region's
 * writable database. Every copy of the data (snapshot, restore, promoted
 * replica) then carries its own recovery point. A read replica or a region
 * without a database is skipped, so the same function runs in both regions
 * and takes over in the DR region once a failover promotes its database.
 */
export async function writeHeartbeat(inventory: Inventory, role: 'primary' | 'dr', now: Date): Promise<HeartbeatResult> {
  const regional = inventory[role];
  // The region's database by its name: pilot light's DR region has one only once a failover restored it.
  const instanceId = databaseIdOf(inventory, role);
  let instance;
  try {
    const described = await rds(regional.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
    instance = described.DBInstances?.[0];
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return { written: false, instanceId, reason: `no database in ${regional.region}` };
    throw error;
  }
  if (instance?.ReadReplicaSourceDBInstanceIdentifier) return { written: false, instanceId, reason: 'read replica (not writable)' };
  if (instance?.DBInstanceStatus !== 'available')
    return { written: false, instanceId, reason: `database is ${instance?.DBInstanceStatus ?? 'missing'}` };
  await withDatabase({ region: regional.region, instanceId, secretId: inventory.databaseSecretId }, async (client) => {
    await client.query(
      'CREATE TABLE IF NOT EXISTS lifeline_heartbeat (id bigserial PRIMARY KEY, written_at timestamptz NOT NULL, source text NOT NULL)',
    );
    await insertHeartbeat(client, now, `heartbeat-${role}`);
  });
  // Best effort: the row in the database is the recovery point; the ledger note only tells the DR side how recent it is.
  const table = process.env.LEDGER_TABLE;
  if (table) {
    await put({ client: dynamodb(regional.region), table }, heartbeatRecord(instanceId, now, instance.DbiResourceId)).catch(
      (error: unknown) => logger.warn('heartbeat not recorded in the ledger', { error }),
    );
  }
  logger.info('heartbeat written', { instanceId, at: now.toISOString() });
  return { written: true, instanceId, at: now.toISOString() };
}

const inventory = jsonEnv('INVENTORY', inventorySchema);
const role = requiredEnv('REGION_ROLE') === 'dr' ? 'dr' : 'primary';

/**
 * Seen from the DR region: does the primary's endpoint answer healthy? One
 * data point a minute (1 or 0); the DR runbooks' alarm proposes a failover
 * when it stays below 1.
 */
export async function probePrimary(inventory: Inventory, path: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${inventory.primary.endpoint}${path}`, { signal: AbortSignal.timeout(5000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The traffic switch's datapoint of this minute, from the parameter the runbooks set (functions/shared/traffic.ts):
 * Route 53's check reads the alarm's data stream, so the switch must keep publishing. A failed read publishes
 * nothing (the check keeps its last status) rather than a guess.
 */
export async function publishSwitch(inventory: Inventory): Promise<void> {
  try {
    await publishTraffic(inventory.dr.region, inventory.appName, await readTraffic(inventory.dr.region, inventory.appName));
  } catch (error) {
    logger.warn('traffic switch not published', { error });
  }
}

export const handler = async (): Promise<HeartbeatResult> => {
  // The probe first: it never throws, so a failing write below cannot hide the primary's health.
  if (role === 'dr') {
    metrics.addMetric(
      METRICS.heartbeat.names.primaryEndpointHealthy,
      MetricUnit.Count,
      (await probePrimary(inventory, process.env.HEALTH_CHECK_PATH ?? '/health')) ? 1 : 0,
    );
    metrics.publishStoredMetrics();
    await publishSwitch(inventory);
  }
  return writeHeartbeat(inventory, role, new Date());
};
