import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalBoolean, optionalString, requireString, shortId } from '../util';

/** Secrets Manager: secret strings by name or ARN, per region. */
export class SecretsManagerTwin implements TwinService {
  readonly name = 'secretsmanager' as const;
  readonly secrets = new Map<string, Map<string, { arn: string; value: string; version: number }>>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      GetSecretValue: (region: string, input: Input) => this.get(region, input),
      PutSecretValue: (region: string, input: Input) => this.put(region, input),
    };
  }

  seed(
    region: string,
    name: string,
    value: string,
    arn = this.core.arn('secretsmanager', region, `secret:${name}-${shortId().slice(-6)}`),
  ): string {
    let map = this.secrets.get(region);
    if (!map) this.secrets.set(region, (map = new Map()));
    map.set(name, { arn, value, version: 1 });
    return arn;
  }

  /** A secret's ARN by name or ARN, if the region has it. */
  arnOf(region: string, id: string): string | undefined {
    for (const [name, secret] of this.secrets.get(region) ?? []) if (name === id || secret.arn === id) return secret.arn;
    return undefined;
  }

  private find(region: string, id: string): { name: string; secret: { arn: string; value: string; version: number } } {
    for (const [name, secret] of this.secrets.get(region) ?? []) if (name === id || secret.arn === id) return { name, secret };
    throw serviceError('secretsmanager', 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  /**
   * Runs before a secret is read. Functions read the database's master secret right before they connect (and then
   * read or write rows directly, which the twin cannot see): the twin catches the heartbeats up here.
   */
  beforeRead: (name: string) => Promise<void> = async () => undefined;

  async get(region: string, input: Input): Promise<object> {
    const { name, secret } = this.find(region, requireString('secretsmanager', input, 'SecretId'));
    await this.beforeRead(name);
    return {
      ARN: secret.arn,
      Name: name,
      SecretString: secret.value,
      VersionId: `v${secret.version}`,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(this.core.clock.now()),
    };
  }

  async put(region: string, input: Input): Promise<object> {
    const { name, secret } = this.find(region, requireString('secretsmanager', input, 'SecretId'));
    secret.value = requireString('secretsmanager', input, 'SecretString');
    secret.version += 1;
    this.core.mutate(region, 'secretsmanager', 'PutSecretValue', 'modify', secret.arn);
    return { ARN: secret.arn, Name: name, VersionId: `v${secret.version}`, VersionStages: ['AWSCURRENT'] };
  }
}

/** Systems Manager Parameter Store. */
export class SsmTwin implements TwinService {
  readonly name = 'ssm' as const;
  readonly parameters = new Map<string, Map<string, { value: string; type: string; version: number; modified: number }>>();
  /** Every value each parameter had and since when (GetParameterHistory keeps them in AWS), by region and name. */
  private readonly history = new Map<string, { value: string; since: number }[]>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      GetParameter: (region: string, input: Input) => this.get(region, input),
      PutParameter: (region: string, input: Input) => this.put(region, input),
    };
  }

  private map(region: string): Map<string, { value: string; type: string; version: number; modified: number }> {
    let map = this.parameters.get(region);
    if (!map) this.parameters.set(region, (map = new Map()));
    return map;
  }

  seed(region: string, name: string, value: string): void {
    this.map(region).set(name, { value, type: 'String', version: 1, modified: this.core.clock.now() });
    this.history.set(`${region}|${name}`, [{ value, since: this.core.clock.now() }]);
  }

  value(region: string, name: string): string | undefined {
    return this.map(region).get(name)?.value;
  }

  /** The value a reader got at `at` (undefined before the parameter existed). */
  valueAt(region: string, name: string, at: number): string | undefined {
    return (this.history.get(`${region}|${name}`) ?? []).filter((h) => h.since <= at).at(-1)?.value;
  }

  async get(region: string, input: Input): Promise<object> {
    const name = requireString('ssm', input, 'Name');
    const parameter = this.map(region).get(name);
    if (!parameter) throw serviceError('ssm', 'ParameterNotFound', `Parameter ${name} not found.`);
    return {
      Parameter: {
        Name: name,
        Value: parameter.value,
        Type: parameter.type,
        Version: parameter.version,
        LastModifiedDate: new Date(parameter.modified),
        ARN: this.core.arn('ssm', region, `parameter${name.startsWith('/') ? '' : '/'}${name}`),
      },
    };
  }

  async put(region: string, input: Input): Promise<object> {
    const name = requireString('ssm', input, 'Name');
    const value = requireString('ssm', input, 'Value');
    const existing = this.map(region).get(name);
    if (existing && !optionalBoolean(input, 'Overwrite'))
      throw serviceError('ssm', 'ParameterAlreadyExists', `The parameter ${name} already exists.`);
    const version = (existing?.version ?? 0) + 1;
    this.map(region).set(name, {
      value,
      type: optionalString(input, 'Type') ?? existing?.type ?? 'String',
      version,
      modified: this.core.clock.now(),
    });
    const key = `${region}|${name}`;
    this.history.set(key, [...(this.history.get(key) ?? []), { value, since: this.core.clock.now() }]);
    this.core.mutate(region, 'ssm', 'PutParameter', existing ? 'modify' : 'create', name);
    return { Version: version, Tier: 'Standard' };
  }
}

export interface PublishedMessage {
  readonly at: string;
  readonly region: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
}

/** SNS: topics per region; published messages are kept for tests and reports. */
export class SnsTwin implements TwinService {
  readonly name = 'sns' as const;
  readonly topics = new Set<string>();
  readonly messages: PublishedMessage[] = [];
  /** Called with every message published (an operator reading the topic, in tests and the drill). */
  readonly subscribers: ((message: PublishedMessage) => void)[] = [];
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = { Publish: (region: string, input: Input) => this.publish(region, input) };
  }

  seedTopic(region: string, name: string): string {
    const arn = this.core.arn('sns', region, name);
    this.topics.add(arn);
    return arn;
  }

  async publish(region: string, input: Input): Promise<object> {
    const topicArn = requireString('sns', input, 'TopicArn');
    if (!this.topics.has(topicArn) || topicArn.split(':')[3] !== region)
      throw serviceError('sns', 'NotFoundException', 'Topic does not exist');
    const message: PublishedMessage = {
      at: this.core.clock.iso(),
      region,
      topicArn,
      subject: optionalString(input, 'Subject'),
      message: requireString('sns', input, 'Message'),
    };
    this.messages.push(message);
    for (const subscriber of this.subscribers) subscriber(message);
    return { MessageId: shortId('msg-') };
  }
}

/** Service Quotas: applied quota values by service and quota code, per region. */
export class ServiceQuotasTwin implements TwinService {
  readonly name = 'servicequotas' as const;
  readonly quotas = new Map<string, { name: string; value: number }>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = { GetServiceQuota: (region: string, input: Input) => this.get(region, input) };
  }

  seed(region: string, serviceCode: string, quotaCode: string, name: string, value: number): void {
    this.quotas.set(`${region}/${serviceCode}/${quotaCode}`, { name, value });
  }

  async get(region: string, input: Input): Promise<object> {
    const serviceCode = requireString('servicequotas', input, 'ServiceCode');
    const quotaCode = requireString('servicequotas', input, 'QuotaCode');
    const quota = this.quotas.get(`${region}/${serviceCode}/${quotaCode}`);
    if (!quota)
      throw serviceError(
        'servicequotas',
        'NoSuchResourceException',
        `The request failed because the specified quota ${serviceCode}/${quotaCode} does not exist.`,
      );
    return {
      Quota: {
        ServiceCode: serviceCode,
        QuotaCode: quotaCode,
        QuotaName: quota.name,
        Value: quota.value,
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false,
        QuotaArn: this.core.arn('servicequotas', region, `${serviceCode}/${quotaCode}`),
      },
    };
  }
}
