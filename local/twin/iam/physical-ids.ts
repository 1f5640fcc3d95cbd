import { ALARM_CATALOG } from '../../../contracts/alarm-catalog';
import type { LifelineConfig } from '../../../contracts/config/schema';
import type { PhysicalIds, StackInfo } from './intrinsics';
import { secretArn, workloadNames } from '../seeding';

/** A logical id without the 8-hex-digit hash aws-cdk appends: the construct path, e.g. `DatabaseKey`. */
export const constructPath = (logicalId: string): string => logicalId.replace(/[0-9A-F]{8}$/, '');

/** A name CloudFormation would generate for an unnamed resource: stack name and construct path, at most `max` characters. */
const generatedName = (stack: StackInfo, logicalId: string, max = 64): string => `${stack.name}-${constructPath(logicalId)}`.slice(0, max);

const ALARM_IDS = new Map(Object.keys(ALARM_CATALOG).map((id) => [`Alarms${id.replace(/[^A-Za-z0-9]/g, '')}`, id]));

/**
 * The twin's names for what CloudFormation names in AWS: the resources the
 * twin seeds (databases, caches, keys, topics, secrets, the ledger, the
 * buckets, alarms) by the construct that deploys them, and generated names
 * for the rest (functions, roles, state machines by their definition file).
 * Policies resolved with this binding name exactly the resources the twin
 * serves, so a grant that misses one is refused as AWS would refuse it.
 */
export function twinPhysicalIds(config: LifelineConfig): PhysicalIds {
  const roleOf = (stack: StackInfo) => (stack.region === config.regions.primary ? 'primary' : 'dr');
  const namesOf = (stack: StackInfo) => workloadNames(config, stack.region);
  const arn = (service: string, stack: StackInfo, resource: string) => `arn:aws:${service}:${stack.region}:${stack.account}:${resource}`;

  const ref = (stack: StackInfo, logicalId: string, type: string, properties: Record<string, unknown>): string => {
    const path = constructPath(logicalId);
    const n = namesOf(stack);
    switch (type) {
      case 'AWS::RDS::DBInstance':
        return n.database;
      case 'AWS::RDS::DBSubnetGroup':
        return n.subnetGroup;
      case 'AWS::ElastiCache::ReplicationGroup':
        return n.cache;
      case 'AWS::ElastiCache::SubnetGroup':
        return n.cacheSubnetGroup;
      case 'AWS::ECS::Cluster':
        return n.cluster;
      case 'AWS::ECS::Service':
        return arn('ecs', stack, `service/${n.cluster}/${n.service}`);
      case 'AWS::SNS::Topic':
        return n.topicArn;
      case 'AWS::S3::Bucket':
        return path === 'ArtifactsBucket' ? n.bucket : generatedName(stack, logicalId, 63).toLowerCase();
      case 'AWS::KMS::Key':
        return keyId(stack, path);
      case 'AWS::SecretsManager::Secret':
        return secretArn(stack.region, path.includes('CacheAuthToken') ? n.cacheSecretName : n.databaseSecretName);
      case 'AWS::SecretsManager::SecretTargetAttachment':
        return secretArn(stack.region, n.databaseSecretName);
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return n.ledgerTable;
      case 'AWS::CloudWatch::Alarm':
        return typeof properties.AlarmName === 'string' ? properties.AlarmName : generatedName(stack, logicalId, 255);
      case 'AWS::SSM::Parameter':
        return typeof properties.Name === 'string' ? properties.Name : generatedName(stack, logicalId);
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', stack, `stateMachine:${definitionOf(properties) ?? generatedName(stack, logicalId, 80)}`);
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${stack.account}:policy/${generatedName(stack, logicalId, 128)}`;
      default:
        return generatedName(stack, logicalId);
    }
  };

  const keyId = (stack: StackInfo, path: string): string => {
    const n = namesOf(stack);
    const keys: Record<string, string> = { DatabaseKey: n.kmsKey, CacheKey: n.cacheKey, NotificationsKey: n.notificationsKey };
    return (keys[path] ?? `${config.appName}-${roleOf(stack)}-${path}`).split('/').pop() ?? path;
  };

  const attribute = (stack: StackInfo, logicalId: string, type: string, name: string, refValue: string): string => {
    switch (`${type}.${name}`) {
      case 'AWS::KMS::Key.Arn':
        return arn('kms', stack, `key/${refValue}`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${refValue}`;
      case 'AWS::DynamoDB::GlobalTable.Arn':
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', stack, `table/${refValue}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', stack, `function:${refValue}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${stack.account}:role/${refValue}`;
      case 'AWS::StepFunctions::StateMachine.Name':
        return refValue.split(':').pop() ?? refValue;
      case 'AWS::ECS::Service.Name':
        return namesOf(stack).service;
      case 'AWS::ECS::Cluster.Arn':
        return arn('ecs', stack, `cluster/${refValue}`);
      case 'AWS::CloudWatch::Alarm.Arn': {
        const id = ALARM_IDS.get(constructPath(logicalId));
        // The catalog's alarms by their construct; any other by its AlarmName, or the name CloudFormation generates.
        const alarm = id ? `${config.appName}-${roleOf(stack)}-${id}` : refValue;
        return arn('cloudwatch', stack, `alarm:${alarm}`);
      }
      default:
        // Not guessed: a marker that matches no ARN, so a grant on it allows nothing (these resources are ones the twin
        // does not serve: log groups, flow logs, security groups).
        return `unresolved:${stack.name}/${logicalId}.${name}`;
    }
  };

  return { ref, attribute };
}

/** The state machine's definition file (its `lifeline:definition` tag), without `.asl.json`. */
export function definitionOf(properties: Record<string, unknown>): string | undefined {
  const tags = Array.isArray(properties.Tags) ? (properties.Tags as { Key?: unknown; Value?: unknown }[]) : [];
  const tag = tags.find((t) => t.Key === 'lifeline:definition');
  return typeof tag?.Value === 'string' ? tag.Value.replace(/\.asl\.json$/, '') : undefined;
}
