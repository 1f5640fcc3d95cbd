import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import * as z from 'zod';
import { rds, secrets } from './clients';
import { withConnected } from './connection';
import { LifelineError } from './errors';

const credentialsSchema = z.object({ username: z.string(), password: z.string() });

/** Where and how to reach one DB instance. */
export interface DatabaseRef {
  readonly region: string;
  readonly instanceId: string;
  readonly secretId: string;
}

/**
 * Runs `work` with a connection to an RDS instance: endpoint and database
 * name from DescribeDBInstances, credentials from Secrets Manager (the
 * region's replica of the master secret). TLS is verified against the RDS
 * CA bundle the Lambda runtime ships (NODE_EXTRA_CA_CERTS); the local twin
 * sets DATABASE_TLS=disable for its loopback PostgreSQL.
 */
export async function withDatabase<T>(ref: DatabaseRef, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const described = await rds(ref.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: ref.instanceId }));
  const instance = described.DBInstances?.[0];
  const endpoint = instance?.Endpoint;
  if (!instance || !endpoint?.Address || !endpoint.Port)
    throw new LifelineError(
      'DatabaseUnavailable',
      `${ref.instanceId} in ${ref.region} has no endpoint (status ${instance?.DBInstanceStatus ?? 'unknown'})`,
    );
  const secret = await secrets(ref.region).send(new GetSecretValueCommand({ SecretId: ref.secretId }));
  const credentials = credentialsSchema.parse(JSON.parse(secret.SecretString ?? '{}'));
  const client = new pg.Client({
    host: endpoint.Address,
    port: endpoint.Port,
    database: instance.DBName ?? 'postgres',
    user: credentials.username,
    password: credentials.password,
    ssl: process.env.DATABASE_TLS === 'disable' ? false : { rejectUnauthorized: true },
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
  });
  return withConnected(client, (pgClient) => pgClient.end(), work);
}

/** Writes one heartbeat row: the recovery point later jobs read back. */
export async function insertHeartbeat(client: pg.Client, writtenAt: Date, source: string): Promise<void> {
  await client.query('INSERT INTO lifeline_heartbeat (written_at, source) VALUES ($1, $2)', [writtenAt, source]);
}

/** The newest heartbeat written at or before `atOrBefore` (undefined when the table is empty). */
export async function newestHeartbeat(client: pg.Client, atOrBefore?: Date): Promise<Date | undefined> {
  const result = await client.query<{ newest: Date | null }>(
    atOrBefore
      ? 'SELECT max(written_at) AS newest FROM lifeline_heartbeat WHERE written_at <= $1'
      : 'SELECT max(written_at) AS newest FROM lifeline_heartbeat',
    atOrBefore ? [atOrBefore] : [],
  );
  return result.rows[0]?.newest ?? undefined;
}

/** Exact row counts of every table of the public schema except the heartbeat table. */
export async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const tables = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> " +
      "'lifeline_heartbeat' ORDER BY table_name",
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table_name.replace(/"/g, '""')}"`);
    counts[table_name] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}
