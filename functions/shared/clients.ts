import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * One SDK client per service and region, created on first use and kept at
 * module scope for the life of the execution environment. Handlers reach
 * other regions (the DR region, the primary during failback) through the
 * same cache. Retries follow the SDK's standard strategy.
 */
const cache = new Map<string, unknown>();

function cached<T>(key: string, create: () => T): T {
  let client = cache.get(key) as T | undefined;
  if (!client) {
    client = create();
    cache.set(key, client);
  }
  return client;
}

/**
 * A region in an outage may not refuse connections but leave them hanging: without a bound on connecting, a call
 * to it would wait out the Lambda timeout instead of failing as unreachable (functions/shared/errors.ts), which the
 * backup's deferred copy and the DR preflight's best-effort reads rely on. Only the connection phase is bounded:
 * a long answer (a multi-gigabyte CopyObject) is not cut short.
 */
const CONNECTION_TIMEOUT_MS = 5_000;

const options = (region: string) => ({ region, maxAttempts: 3, requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS } });

export const rds = (region: string) => cached(`rds:${region}`, () => new RDSClient(options(region)));
export const ecs = (region: string) => cached(`ecs:${region}`, () => new ECSClient(options(region)));
export const elasticache = (region: string) => cached(`elasticache:${region}`, () => new ElastiCacheClient(options(region)));
export const s3 = (region: string) => cached(`s3:${region}`, () => new S3Client(options(region)));
export const dynamodb = (region: string) => cached(`dynamodb:${region}`, () => new DynamoDBClient(options(region)));
export const secrets = (region: string) => cached(`secretsmanager:${region}`, () => new SecretsManagerClient(options(region)));
export const cloudwatch = (region: string) => cached(`cloudwatch:${region}`, () => new CloudWatchClient(options(region)));
export const applicationAutoScaling = (region: string) =>
  cached(`applicationautoscaling:${region}`, () => new ApplicationAutoScalingClient(options(region)));
export const ssm = (region: string) => cached(`ssm:${region}`, () => new SSMClient(options(region)));
export const sns = (region: string) => cached(`sns:${region}`, () => new SNSClient(options(region)));
export const serviceQuotas = (region: string) => cached(`servicequotas:${region}`, () => new ServiceQuotasClient(options(region)));
