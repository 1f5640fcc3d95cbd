import * as appAutoScaling from '@aws-sdk/client-application-auto-scaling';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ecs from '@aws-sdk/client-ecs';
import * as elasticache from '@aws-sdk/client-elasticache';
import * as rds from '@aws-sdk/client-rds';
import * as route53 from '@aws-sdk/client-route-53';
import * as s3 from '@aws-sdk/client-s3';
import * as secretsmanager from '@aws-sdk/client-secrets-manager';
import * as servicequotas from '@aws-sdk/client-service-quotas';
import * as sfn from '@aws-sdk/client-sfn';
import * as sns from '@aws-sdk/client-sns';
import * as ssm from '@aws-sdk/client-ssm';

/**
 * Per service: the SDK v3 module, its client class, the casing of its SDK
 * inputs and outputs, and the PascalCase name Step Functions prefixes its
 * errors with (`Rds.DbSnapshotNotFoundException`). Step Functions writes
 * every service's parameters in PascalCase; ECS and Step Functions' own API
 * are camelCase in SDK v3, the others PascalCase.
 */
export interface ServiceModel {
  readonly module: Record<string, unknown>;
  readonly clientName: string;
  readonly casing: 'pascal' | 'camel';
  readonly stepFunctionsName: string;
  /**
   * Acronyms the SDK v3 model spells in capitals and Step Functions (which
   * follows the Java SDK v2 names) does not: RDS `DBInstanceIdentifier` is
   * `DbInstanceIdentifier` in a state machine, in parameters and results alike.
   */
  readonly acronyms?: readonly (readonly [sdk: string, stepFunctions: string])[];
}

export const SERVICE_NAMES = [
  'rds',
  'ecs',
  'elasticache',
  'route53',
  'cloudwatch',
  'secretsmanager',
  'ssm',
  'sns',
  's3',
  'dynamodb',
  'applicationautoscaling',
  'sfn',
  'servicequotas',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const SERVICE_MODELS: Readonly<Record<ServiceName, ServiceModel>> = {
  rds: { module: rds, clientName: 'RDSClient', casing: 'pascal', stepFunctionsName: 'Rds', acronyms: [['DB', 'Db']] },
  ecs: { module: ecs, clientName: 'ECSClient', casing: 'camel', stepFunctionsName: 'Ecs' },
  elasticache: { module: elasticache, clientName: 'ElastiCacheClient', casing: 'pascal', stepFunctionsName: 'ElastiCache' },
  route53: { module: route53, clientName: 'Route53Client', casing: 'pascal', stepFunctionsName: 'Route53' },
  cloudwatch: { module: cloudwatch, clientName: 'CloudWatchClient', casing: 'pascal', stepFunctionsName: 'CloudWatch' },
  secretsmanager: { module: secretsmanager, clientName: 'SecretsManagerClient', casing: 'pascal', stepFunctionsName: 'SecretsManager' },
  ssm: { module: ssm, clientName: 'SSMClient', casing: 'pascal', stepFunctionsName: 'Ssm' },
  sns: { module: sns, clientName: 'SNSClient', casing: 'pascal', stepFunctionsName: 'Sns' },
  s3: { module: s3, clientName: 'S3Client', casing: 'pascal', stepFunctionsName: 'S3' },
  dynamodb: { module: dynamodb, clientName: 'DynamoDBClient', casing: 'pascal', stepFunctionsName: 'DynamoDb' },
  applicationautoscaling: {
    module: appAutoScaling,
    clientName: 'ApplicationAutoScalingClient',
    casing: 'pascal',
    stepFunctionsName: 'ApplicationAutoScaling',
  },
  sfn: { module: sfn, clientName: 'SFNClient', casing: 'camel', stepFunctionsName: 'Sfn' },
  servicequotas: { module: servicequotas, clientName: 'ServiceQuotasClient', casing: 'pascal', stepFunctionsName: 'ServiceQuotas' },
};

export function isServiceName(name: string): name is ServiceName {
  return Object.prototype.hasOwnProperty.call(SERVICE_MODELS, name);
}

type Json = unknown;

function mapKeys(value: Json, rename: (key: string) => string): Json {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, Json> = {};
    for (const [key, inner] of Object.entries(value)) out[rename(key)] = mapKeys(inner, rename);
    return out;
  }
  return value;
}

const lowerFirst = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);
const upperFirst = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

function fromStepFunctionsKey(service: ServiceName, key: string): string {
  let out = key;
  for (const [sdk, sfn] of SERVICE_MODELS[service].acronyms ?? []) out = out.replace(new RegExp(`${sfn}(?=[A-Z]|s?$)`, 'g'), sdk);
  return SERVICE_MODELS[service].casing === 'camel' ? lowerFirst(out) : out;
}

function toStepFunctionsKey(service: ServiceName, key: string): string {
  let out = SERVICE_MODELS[service].casing === 'camel' ? upperFirst(key) : key;
  for (const [sdk, sfn] of SERVICE_MODELS[service].acronyms ?? []) out = out.split(sdk).join(sfn);
  return out;
}

/** Step Functions parameters (PascalCase, Java SDK v2 names) → the SDK v3 input. */
export function toSdkInput(service: ServiceName, parameters: Json): Json {
  return mapKeys(parameters, (key) => fromStepFunctionsKey(service, key));
}

/** The SDK's output → what a Step Functions aws-sdk task returns (PascalCase keys, ISO dates). */
export function toStepFunctionsOutput(service: ServiceName, output: Json): Json {
  const { $metadata: _metadata, ...rest } = typeof output === 'object' && output !== null ? (output as Record<string, Json>) : {};
  return mapKeys(rest, (key) => toStepFunctionsKey(service, key));
}

/**
 * The Step Functions error name for an SDK error: `<Service>.<Name>Exception`,
 * where Name follows the Java SDK v2 model names Step Functions uses ("Fault"
 * becomes "Exception", the acronym "DB" becomes "Db"); errors the service
 * model does not define (throttling, 5xx) become `<Service>.<Service>Exception`.
 */
export function stepFunctionsErrorName(service: ServiceName, sdkErrorName: string, modeled: boolean): string {
  const prefix = SERVICE_MODELS[service].stepFunctionsName;
  if (!modeled) return `${prefix}.${prefix}Exception`;
  const base = sdkErrorName.replace(/(Fault|Exception)$/, '').replace(/DB/g, 'Db');
  return `${prefix}.${base}Exception`;
}
