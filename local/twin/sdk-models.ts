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
import { javaExceptionName, javaServiceName } from './models/naming';
import { operationShapes, type OperationShapes } from './models/shapes';
import { toStepFunctions } from './models/values';

/**
 * Per service: the SDK v3 module, its client class, the casing of its SDK
 * members, the model's serviceId (from which Step Functions' error prefix is
 * derived, `Rds.DbSnapshotNotFoundException`) and the error the service
 * returns for a malformed request. Step Functions names every service's
 * members and errors the way the AWS SDK for Java v2 does (models/naming.ts);
 * ECS and Step Functions' own API are camelCase in SDK v3, the others PascalCase.
 */
export interface ServiceModel {
  readonly module: Record<string, unknown>;
  readonly clientName: string;
  readonly casing: 'pascal' | 'camel';
  /** The model's `serviceId` (the client's `config.serviceId`; a test holds them equal). */
  readonly serviceId: string;
  /**
   * What the service answers a request its model refuses with: the exception
   * the model names for it where there is one (its documentation in the
   * SDK's model is quoted beside each entry), else the error the service's
   * documentation gives. `missing` where a separate error is named for a
   * missing required parameter. A name the SDK does not model arrives as the
   * client's base exception with that name, and in Step Functions as
   * `<Service>.<Service>Exception`.
   */
  readonly malformedRequest: { readonly invalid: string; readonly missing?: string };
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
  // RDS models no invalid-request error: it answers with the query protocol's common errors, unmodeled in SDK v3
  // (InvalidParameterValue, as research-13 section 8 found; MissingParameter "A required parameter for the specified
  // action is not supplied", RDS API reference, Common Errors).
  rds: {
    module: rds,
    clientName: 'RDSClient',
    casing: 'pascal',
    serviceId: 'RDS',
    malformedRequest: { invalid: 'InvalidParameterValue', missing: 'MissingParameter' },
  },
  // "The specified parameter isn't valid. Review the available parameters for the API request."
  ecs: {
    module: ecs,
    clientName: 'ECSClient',
    casing: 'camel',
    serviceId: 'ECS',
    malformedRequest: { invalid: 'InvalidParameterException' },
  },
  // "The value for a parameter is invalid."
  elasticache: {
    module: elasticache,
    clientName: 'ElastiCacheClient',
    casing: 'pascal',
    serviceId: 'ElastiCache',
    malformedRequest: { invalid: 'InvalidParameterValueException' },
  },
  // "The input is not valid."
  route53: {
    module: route53,
    clientName: 'Route53Client',
    casing: 'pascal',
    serviceId: 'Route 53',
    malformedRequest: { invalid: 'InvalidInput' },
  },
  // "The value of an input parameter is bad or out-of-range." / "An input parameter that is required is missing."
  cloudwatch: {
    module: cloudwatch,
    clientName: 'CloudWatchClient',
    casing: 'pascal',
    serviceId: 'CloudWatch',
    malformedRequest: { invalid: 'InvalidParameterValueException', missing: 'MissingRequiredParameterException' },
  },
  // "The parameter name or value is invalid."
  secretsmanager: {
    module: secretsmanager,
    clientName: 'SecretsManagerClient',
    casing: 'pascal',
    serviceId: 'Secrets Manager',
    malformedRequest: { invalid: 'InvalidParameterException' },
  },
  // "The request isn't valid. Verify that you entered valid contents for the command and try again."
  ssm: { module: ssm, clientName: 'SSMClient', casing: 'pascal', serviceId: 'SSM', malformedRequest: { invalid: 'ValidationException' } },
  // "Indicates that a request parameter does not comply with the associated constraints."
  sns: {
    module: sns,
    clientName: 'SNSClient',
    casing: 'pascal',
    serviceId: 'SNS',
    malformedRequest: { invalid: 'InvalidParameterException' },
  },
  // "A parameter or header in your request isn't valid."
  s3: { module: s3, clientName: 'S3Client', casing: 'pascal', serviceId: 'S3', malformedRequest: { invalid: 'InvalidRequest' } },
  // Not in DynamoDB's model; its developer guide ("Error handling with DynamoDB") documents ValidationException for
  // "a required parameter that is missing, a value that is out of range, or mismatched data types".
  dynamodb: {
    module: dynamodb,
    clientName: 'DynamoDBClient',
    casing: 'pascal',
    serviceId: 'DynamoDB',
    malformedRequest: { invalid: 'ValidationException' },
  },
  // "An exception was thrown for a validation issue. Review the available parameters for the API request."
  applicationautoscaling: {
    module: appAutoScaling,
    clientName: 'ApplicationAutoScalingClient',
    casing: 'pascal',
    serviceId: 'Application Auto Scaling',
    malformedRequest: { invalid: 'ValidationException' },
  },
  // "The input does not satisfy the constraints specified by an Amazon Web Services service."
  sfn: { module: sfn, clientName: 'SFNClient', casing: 'camel', serviceId: 'SFN', malformedRequest: { invalid: 'ValidationException' } },
  // "Invalid input was provided."
  servicequotas: {
    module: servicequotas,
    clientName: 'ServiceQuotasClient',
    casing: 'pascal',
    serviceId: 'Service Quotas',
    malformedRequest: { invalid: 'IllegalArgumentException' },
  },
};

export function isServiceName(name: string): name is ServiceName {
  return Object.prototype.hasOwnProperty.call(SERVICE_MODELS, name);
}

/** The prefix of the service's errors in Step Functions (`Rds`, `ElastiCache`, `DynamoDb`), from its serviceId. */
export function stepFunctionsServiceName(service: ServiceName): string {
  return javaServiceName(SERVICE_MODELS[service].serviceId);
}

/** The operation's input and output shapes from the client's own schemas; undefined when the model has no such operation. */
export function operationModel(service: ServiceName, action: string): OperationShapes | undefined {
  return operationShapes(SERVICE_MODELS[service].module, action);
}

/** The SDK's output → what a Step Functions aws-sdk task returns (Java SDK v2 member names from the model, ISO dates). */
export function toStepFunctionsOutput(service: ServiceName, action: string, output: unknown): unknown {
  return toStepFunctions(operationModel(service, action)?.output, output);
}

/**
 * The Step Functions error name for an SDK error: `<Service>.<Name>`, where
 * Name is the Java SDK v2 exception name of the model's error shape
 * (`DBInstanceNotFoundFault` → `Rds.DbInstanceNotFoundException`); errors the
 * service model does not define (throttling, 5xx, `ValidationError`) become
 * the service's base exception, `<Service>.<Service>Exception`.
 */
export function stepFunctionsErrorName(service: ServiceName, sdkErrorName: string, modeled: boolean): string {
  const prefix = stepFunctionsServiceName(service);
  return modeled ? `${prefix}.${javaExceptionName(sdkErrorName, prefix)}` : `${prefix}.${prefix}Exception`;
}
