import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateDBSnapshotCommand, type CreateDBSnapshotCommandInput, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allStates, apiActionOf } from '../../contracts/asl';
import { runDefinition } from '../../local/runner';
import { AwsCore } from '../../local/twin/aws-core';
import { AwsServices } from '../../local/twin/aws-services';
import { ModelChecker, TwinModelViolation } from '../../local/twin/models/check';
import { ENUMS_FILE, enumsFileText } from '../../local/twin/models/enum-source';
import { javaExceptionName, javaServiceName, javaUnCapitalize, stepFunctionsMemberName } from '../../local/twin/models/naming';
import { unknownParameterNames } from '../../local/twin/models/values';
import {
  isServiceName,
  operationModel,
  SERVICE_MODELS,
  SERVICE_NAMES,
  type ServiceName,
  stepFunctionsErrorName,
  stepFunctionsServiceName,
} from '../../local/twin/sdk-models';

const REGION = 'us-east-1';

/** A one-Task state machine calling `resource` with `parameters`; with `catchAll`, a Catch on States.ALL. */
function oneTask(resource: string, parameters: Record<string, unknown>, catchAll = false): StateMachineDefinition {
  return {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: resource,
        Parameters: parameters,
        End: true,
        ...(catchAll ? { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }] } : {}),
      },
      ...(catchAll ? { Caught: { Type: 'Pass', End: true } } : {}),
    },
  } as StateMachineDefinition;
}

/** What the SDK's types forbid, sent anyway: the model check must refuse it as AWS would. */
const untyped = <T>(value: unknown): T => value as T;

describe('Java SDK v2 naming (what Step Functions uses)', () => {
  it('renames members by the accessor rule: only a leading acronym changes', () => {
    expect(stepFunctionsMemberName('DBInstanceIdentifier')).toBe('DbInstanceIdentifier');
    expect(stepFunctionsMemberName('DBSnapshotIdentifier')).toBe('DbSnapshotIdentifier');
    expect(stepFunctionsMemberName('DBSnapshots')).toBe('DbSnapshots');
    expect(stepFunctionsMemberName('KmsKeyId')).toBe('KmsKeyId');
    expect(stepFunctionsMemberName('SourceDBSnapshotIdentifier')).toBe('SourceDBSnapshotIdentifier');
    expect(stepFunctionsMemberName('ARN')).toBe('Arn');
    expect(stepFunctionsMemberName('cluster')).toBe('Cluster');
    expect(javaUnCapitalize('DBInstanceIdentifier')).toBe('dbInstanceIdentifier');
  });

  it('names exceptions with every acronym cased as a word (sfnx test vectors included)', () => {
    expect(javaExceptionName('KMSInvalidStateFault', 'Rds')).toBe('KmsInvalidStateException');
    expect(javaExceptionName('InvalidARNFault', 'ElastiCache')).toBe('InvalidArnException');
    expect(javaExceptionName('DBInstanceNotFoundFault', 'Rds')).toBe('DbInstanceNotFoundException');
    expect(javaExceptionName('InvalidDBInstanceStateFault', 'Rds')).toBe('InvalidDbInstanceStateException');
    expect(javaExceptionName('ConditionalCheckFailedException', 'DynamoDb')).toBe('ConditionalCheckFailedException');
    expect(javaExceptionName('QueueDoesNotExist', 'Sqs')).toBe('QueueDoesNotExistException');
    expect(javaExceptionName('AWSOrganizationsNotInUseException', 'DynamoDb')).toBe('AwsOrganizationsNotInUseException');
    expect(javaExceptionName('KMSInvalidStateException', 'DynamoDb')).toBe('KmsInvalidStateException');
    expect(javaExceptionName('DynamoDbException', 'DynamoDb')).toBe('DefaultDynamoDbException');
  });

  it('derives service prefixes from the serviceId (sfnx test vectors), and ours from each client', () => {
    const expected: Record<string, string> = {
      DynamoDB: 'DynamoDb',
      'CloudWatch Logs': 'CloudWatchLogs',
      SFN: 'Sfn',
      'Database Migration Service': 'DatabaseMigration',
      'Elastic Load Balancing v2': 'ElasticLoadBalancingV2',
      'Lex Models V2': 'LexModelsV2',
      AWSHealth: 'Health',
      'Amazon Q': 'Q',
      RDS: 'Rds',
      ElastiCache: 'ElastiCache',
    };
    for (const [serviceId, name] of Object.entries(expected)) expect(javaServiceName(serviceId)).toBe(name);
    for (const service of SERVICE_NAMES) {
      const model = SERVICE_MODELS[service];
      const Client = model.module[model.clientName] as new (config: object) => { config: { serviceId?: string }; destroy(): void };
      const client = new Client({ region: REGION });
      expect(model.serviceId, service).toBe(client.config.serviceId);
      client.destroy();
    }
    // The prefixes the Step Functions guide's table and sfnx's measurements give.
    const prefixes: Partial<Record<ServiceName, string>> = { rds: 'Rds', elasticache: 'ElastiCache', dynamodb: 'DynamoDb', sfn: 'Sfn' };
    for (const [service, prefix] of Object.entries(prefixes))
      expect(isServiceName(service) && stepFunctionsServiceName(service)).toBe(prefix);
  });

  it('names Step Functions errors as measured in TestState', () => {
    expect(stepFunctionsErrorName('rds', 'DBInstanceNotFoundFault', true)).toBe('Rds.DbInstanceNotFoundException');
    expect(stepFunctionsErrorName('rds', 'Throttling', false)).toBe('Rds.RdsException');
    expect(stepFunctionsErrorName('elasticache', 'Throttling', false)).toBe('ElastiCache.ElastiCacheException');
    expect(stepFunctionsErrorName('sfn', 'InvalidArn', true)).toBe('Sfn.InvalidArnException');
    expect(stepFunctionsErrorName('dynamodb', 'Throttling', false)).toBe('DynamoDb.DynamoDbException');
  });

  it('maps Step Functions names back to the SDK members from the model, recursively', () => {
    const restore = operationModel('rds', 'RestoreDBInstanceFromDBSnapshot');
    expect(restore?.input.byStepFunctionsName.get('DbInstanceIdentifier')?.name).toBe('DBInstanceIdentifier');
    expect(restore?.input.byStepFunctionsName.get('DBInstanceIdentifier')).toBeUndefined();
    const tags = restore?.input.byStepFunctionsName.get('Tags')?.shape;
    expect(tags?.kind === 'list' && tags.member.kind === 'structure' ? [...tags.member.byStepFunctionsName.keys()] : []).toEqual([
      'Key',
      'Value',
    ]);
    const described = operationModel('rds', 'DescribeDBInstances')?.output.members.get('DBInstances');
    expect(described?.stepFunctionsName).toBe('DbInstances');
    const instance = described?.shape.kind === 'list' ? described.shape.member : undefined;
    expect(instance?.kind === 'structure' ? instance.members.get('DBInstanceStatus')?.stepFunctionsName : undefined).toBe(
      'DbInstanceStatus',
    );
  });

  it('enums.json is what the installed SDK clients ship (regenerate: node --import tsx local/twin/models/write-enums.ts)', async () => {
    expect(readFileSync(ENUMS_FILE, 'utf8')).toBe(await enumsFileText());
  });

  it('every aws-sdk Task of every state machine names only parameters its model has (as CreateStateMachine checks)', () => {
    const dir = join(__dirname, '../../state-machines');
    const problems: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.asl.json'))) {
      const definition = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Parameters<typeof allStates>[0];
      for (const [name, state] of allStates(definition)) {
        const api = typeof state.Resource === 'string' && state.Resource.includes(':aws-sdk:') ? apiActionOf(state.Resource) : undefined;
        if (!api) continue;
        const model = isServiceName(api.service) ? operationModel(api.service, api.action) : undefined;
        if (!model) {
          problems.push(`${file} ${name}: no model for ${api.service}:${api.action}`);
          continue;
        }
        for (const v of unknownParameterNames(model.input, state.Parameters)) problems.push(`${file} ${name}: ${v.path}: ${v.message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('requests checked against the model', () => {
  let services: AwsServices;
  let restoreSdk: () => void;
  beforeAll(() => {
    services = new AwsServices({ regions: [REGION], start: new Date('2026-05-01T00:00:00.000Z') });
    restoreSdk = services.interceptSdk();
  });
  afterAll(() => restoreSdk?.());

  const bindings = () => ({ twin: services.core, region: REGION, substitutions: {}, functions: {} });
  const rds = () => new RDSClient({ region: REGION });

  describe('through the SDK (a handler-like client.send)', () => {
    it('passes a valid call and counts it', async () => {
      // Prepare
      const before = { ...services.core.modelChecks };

      // Act
      const output = await rds().send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'engine', Values: ['postgres'] }] }));

      // Assess
      expect(output.DBInstances).toEqual([]);
      expect(services.core.modelChecks.calls).toBe(before.calls + 1);
      expect(services.core.modelChecks.requestViolations).toBe(before.requestViolations);
    });

    it('refuses a missing required member, naming the operation, the path and the rule', async () => {
      const input = untyped<CreateDBSnapshotCommandInput>({ DBInstanceIdentifier: 'db-1' });
      await expect(rds().send(new CreateDBSnapshotCommand(input))).rejects.toMatchObject({
        name: 'MissingParameter',
        message: expect.stringMatching(
          /CreateDBSnapshot: 'DBSnapshotIdentifier': CreateDBSnapshotMessage requires DBSnapshotIdentifier \[required\]/,
        ),
      });
    });

    it('refuses a member the input shape does not have', async () => {
      const input = untyped<CreateDBSnapshotCommandInput>({ DBInstanceIdentifier: 'db-1', DBSnapshotIdentifier: 's-1', Colour: 'red' });
      await expect(rds().send(new CreateDBSnapshotCommand(input))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: expect.stringContaining("CreateDBSnapshot: 'Colour': CreateDBSnapshotMessage has no member Colour [unknown member]"),
      });
    });

    it('refuses a wrong type', async () => {
      const input = untyped<CreateDBSnapshotCommandInput>({ DBInstanceIdentifier: 42, DBSnapshotIdentifier: 's-1' });
      await expect(rds().send(new CreateDBSnapshotCommand(input))).rejects.toMatchObject({
        message: expect.stringContaining("'DBInstanceIdentifier': expected a string, got a number (42) [type]"),
      });
    });

    it('refuses an unknown member nested in a list of structures', async () => {
      const input = untyped<CreateDBSnapshotCommandInput>({
        DBInstanceIdentifier: 'db-1',
        DBSnapshotIdentifier: 's-1',
        Tags: [
          { Key: 'team', Value: 'dr' },
          { Key: 'env', Value: 'drill', Colour: 'red' },
        ],
      });
      await expect(rds().send(new CreateDBSnapshotCommand(input))).rejects.toMatchObject({
        message: expect.stringContaining("CreateDBSnapshot: 'Tags[1].Colour': Tag has no member Colour [unknown member]"),
      });
    });

    it('fails with the error the service model names, on a camelCase service too', async () => {
      const ecs = new ECSClient({ region: REGION });
      await expect(ecs.send(new DescribeServicesCommand(untyped({ cluster: 'c' })))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining("DescribeServices: 'services': DescribeServicesRequest requires services [required]"),
      });
    });

    it("refuses a value outside the member's enum (from the typed model)", async () => {
      const cloudwatch = new CloudWatchClient({ region: REGION });
      const command = new SetAlarmStateCommand({ AlarmName: 'a', StateValue: untyped<StateValue>('ALERT'), StateReason: 'r' });
      await expect(cloudwatch.send(command)).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        message: expect.stringContaining(
          `SetAlarmState: 'StateValue': "ALERT" is not a value of StateValue (ALARM, INSUFFICIENT_DATA, OK) [enum]`,
        ),
      });
    });
  });

  describe('through the runner (an aws-sdk task with Step Functions parameter names)', () => {
    const createSnapshot = 'arn:aws:states:::aws-sdk:rds:createDBSnapshot';

    it('passes a valid call and answers with Step Functions names', async () => {
      const result = await runDefinition(oneTask('arn:aws:states:::aws-sdk:rds:describeDBInstances', {}), {}, bindings());
      expect(result.status).toBe('SUCCEEDED');
      expect(result.output).toEqual({ DbInstances: [] });
    });

    it('maps DbInstanceIdentifier to the model member, so the service answers (here: no such instance)', async () => {
      const params = { DbInstanceIdentifier: 'nope', DbSnapshotIdentifier: 's-1' };
      const result = await runDefinition(oneTask(createSnapshot, params), {}, bindings());
      expect(result.error).toBe('Rds.DbInstanceNotFoundException');
    });

    it('refuses a missing required member', async () => {
      const result = await runDefinition(oneTask(createSnapshot, { DbInstanceIdentifier: 'db-1' }), {}, bindings());
      expect(result.error).toBe('Rds.RdsException');
      expect(result.cause).toContain(
        "CreateDBSnapshot: 'DbSnapshotIdentifier': CreateDBSnapshotMessage requires DbSnapshotIdentifier [required]",
      );
      expect(result.cause).toContain('Error Code: MissingParameter');
    });

    it('refuses a parameter name Step Functions does not use (the SDK spelling), saying which it does', async () => {
      const result = await runDefinition(
        oneTask(createSnapshot, { DBInstanceIdentifier: 'db-1', DbSnapshotIdentifier: 's-1' }),
        {},
        bindings(),
      );
      expect(result.error).toBe('Rds.RdsException');
      expect(result.cause).toContain(
        "'DBInstanceIdentifier': CreateDBSnapshotMessage has no member DBInstanceIdentifier " +
          '(Step Functions names DBInstanceIdentifier "DbInstanceIdentifier") [unknown member]',
      );
    });

    it('refuses a wrong type', async () => {
      const result = await runDefinition(
        oneTask(createSnapshot, { DbInstanceIdentifier: ['db-1'], DbSnapshotIdentifier: 's-1' }),
        {},
        bindings(),
      );
      expect(result.cause).toContain("CreateDBSnapshot: 'DbInstanceIdentifier': expected a string, got a list [type]");
    });

    it('refuses a nested unknown member', async () => {
      const params = { DbInstanceIdentifier: 'db-1', DbSnapshotIdentifier: 's-1', Tags: [{ Key: 'k', Value: 'v', Colour: 'red' }] };
      const result = await runDefinition(oneTask(createSnapshot, params), {}, bindings());
      expect(result.cause).toContain("CreateDBSnapshot: 'Tags[0].Colour': Tag has no member Colour [unknown member]");
    });

    it("refuses a value outside the member's enum", async () => {
      const params = { AlarmName: 'a', StateValue: 'ALERT', StateReason: 'r' };
      const result = await runDefinition(oneTask('arn:aws:states:::aws-sdk:cloudwatch:setAlarmState', params), {}, bindings());
      expect(result.error).toBe('CloudWatch.InvalidParameterValueException');
      expect(result.cause).toContain(`'StateValue': "ALERT" is not a value of StateValue`);
    });

    it("fails with the model's error in Step Functions naming on a modeled service", async () => {
      const result = await runDefinition(oneTask('arn:aws:states:::aws-sdk:ecs:describeServices', { Cluster: 'c' }), {}, bindings());
      expect(result.error).toBe('Ecs.InvalidParameterException');
      expect(result.cause).toContain("DescribeServices: 'Services': DescribeServicesRequest requires Services [required]");
    });
  });
});

describe('twin responses checked against the model', () => {
  /** A core whose "rds" answers DescribeDBInstances with `instance`. */
  function coreAnswering(instance: object): AwsCore {
    const core = new AwsCore({ regions: [REGION] });
    core.register({ name: 'rds', actions: { DescribeDBInstances: () => ({ DBInstances: [instance] }) } });
    return core;
  }

  it('throws a twin bug naming service, operation and member path for a member the API does not have', async () => {
    const core = coreAnswering({ DBInstanceIdentifier: 'db-1', Colour: 'red' });
    await expect(core.call('rds', 'DescribeDBInstances', REGION, {})).rejects.toThrow(
      "twin bug: rds:DescribeDBInstances returned a response its model does not allow: 'DBInstances[0].Colour': " +
        'DBInstance has no member Colour',
    );
    expect(core.modelChecks.responseViolations).toBe(1);
  });

  it('throws for a wrong type (a timestamp as a string)', async () => {
    const core = coreAnswering({ DBInstanceIdentifier: 'db-1', InstanceCreateTime: '2026-05-01T00:00:00Z' });
    await expect(core.call('rds', 'DescribeDBInstances', REGION, {})).rejects.toBeInstanceOf(TwinModelViolation);
  });

  it('fails the execution past any Catch: a twin bug is no AWS error', async () => {
    const core = coreAnswering({ Colour: 'red' });
    const definition = oneTask('arn:aws:states:::aws-sdk:rds:describeDBInstances', {}, true);
    const result = await runDefinition(definition, {}, { twin: core, region: REGION, substitutions: {}, functions: {} });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TwinModelViolation');
  });

  it('throws for a value outside an enum', () => {
    const checker = new ModelChecker();
    const group = { ReplicationGroupId: 'g', MultiAZ: 'Enabled' };
    expect(() => checker.response('elasticache', 'DescribeReplicationGroups', { ReplicationGroups: [group] })).toThrow(
      `'ReplicationGroups[0].MultiAZ': "Enabled" is not a value of MultiAZStatus (disabled, enabled) [enum]`,
    );
  });

  it('only reports a finding on the allowlist', () => {
    const checker = new ModelChecker(true, [
      { service: 'rds', action: 'DescribeDBInstances', path: 'DBInstances[].Colour', rule: 'unknown member', why: 'test' },
    ]);
    expect(() => checker.response('rds', 'DescribeDBInstances', { DBInstances: [{ Colour: 'red' }] })).not.toThrow();
    expect(checker.findings).toEqual([expect.objectContaining({ path: 'DBInstances[].Colour', allowlisted: true, count: 1 })]);
  });
});
