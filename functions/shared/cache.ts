import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import Redis from 'ioredis';
import { elasticache, secrets } from './clients';
import { withConnected } from './connection';
import { LifelineError } from './errors';

/** Where and how to reach one replication group. */
export interface CacheRef {
  readonly region: string;
  readonly replicationGroupId: string;
  /** The AUTH token's secret; a temporary restore has no token (only the verifier's security group reaches it). */
  readonly authSecretId?: string;
}

/**
 * Runs `work` with a connection to a replication group's primary endpoint:
 * the address from DescribeReplicationGroups, the AUTH token from Secrets
 * Manager, TLS (in-transit encryption is on); the local twin sets
 * CACHE_TLS=disable for its loopback endpoint.
 */
export async function withCache<T>(ref: CacheRef, work: (client: Redis) => Promise<T>): Promise<T> {
  const described = await elasticache(ref.region).send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: ref.replicationGroupId }),
  );
  const endpoint = described.ReplicationGroups?.[0]?.NodeGroups?.[0]?.PrimaryEndpoint;
  if (!endpoint?.Address || !endpoint.Port)
    throw new LifelineError('CacheUnavailable', `${ref.replicationGroupId} in ${ref.region} has no endpoint`);
  const token = ref.authSecretId
    ? (await secrets(ref.region).send(new GetSecretValueCommand({ SecretId: ref.authSecretId }))).SecretString
    : undefined;
  const client = new Redis({
    host: endpoint.Address,
    port: endpoint.Port,
    password: token,
    tls: process.env.CACHE_TLS === 'disable' ? undefined : {},
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 10_000,
  });
  return withConnected(client, (redis) => redis.disconnect(), work);
}
