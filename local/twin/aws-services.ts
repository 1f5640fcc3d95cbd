import { mockClient } from 'aws-sdk-client-mock';
import { AwsCore, type AwsCoreOptions, type TwinService } from './aws-core';
import { SERVICE_MODELS } from './sdk-models';
import { AutoScalingTwin } from './services/autoscaling';
import { CloudWatchTwin } from './services/cloudwatch';
import { DynamoDbTwin } from './services/dynamodb';
import { EcsTwin } from './services/ecs';
import { ElastiCacheTwin } from './services/elasticache';
import { RdsTwin } from './services/rds';
import { Route53Twin } from './services/route53';
import { S3Twin } from './services/s3';
import { SecretsManagerTwin, ServiceQuotasTwin, SnsTwin, SsmTwin } from './services/small';
import { StepFunctionsTwin } from './services/states';
import type { Input } from './util';

type MockedClient = Parameters<typeof mockClient>[0];
type MockedCommand = Parameters<ReturnType<typeof mockClient>['on']>[0];

/** An SDK v3 client or command export is a class; the service model says which export is which. */
const isClass = <T>(value: unknown): value is T => typeof value === 'function';

/**
 * The simulated AWS: every service twin, registered with one {@link AwsCore}
 * (which routes each call to its service), and the interception that points
 * real SDK v3 clients at that core.
 */
export class AwsServices {
  readonly core: AwsCore;
  readonly rds: RdsTwin;
  readonly ecs: EcsTwin;
  readonly elasticache: ElastiCacheTwin;
  readonly route53: Route53Twin;
  readonly cloudwatch: CloudWatchTwin;
  readonly secrets: SecretsManagerTwin;
  readonly ssm: SsmTwin;
  readonly sns: SnsTwin;
  readonly s3: S3Twin;
  readonly dynamodb: DynamoDbTwin;
  readonly autoscaling: AutoScalingTwin;
  readonly states: StepFunctionsTwin;
  readonly quotas: ServiceQuotasTwin;
  /** In registration order, which is also the order the SDK clients are intercepted in. */
  private readonly registered: readonly TwinService[];

  constructor(options: AwsCoreOptions) {
    this.core = new AwsCore(options);
    this.s3 = new S3Twin(this.core);
    this.rds = new RdsTwin(this.core);
    this.ecs = new EcsTwin(this.core);
    this.elasticache = new ElastiCacheTwin(this.core, this.s3);
    this.cloudwatch = new CloudWatchTwin(this.core);
    this.route53 = new Route53Twin(this.core, (region, name) => this.cloudwatch.dataStream(this.cloudwatch.alarmOf(region, name)));
    this.secrets = new SecretsManagerTwin(this.core);
    this.ssm = new SsmTwin(this.core);
    this.sns = new SnsTwin(this.core);
    this.dynamodb = new DynamoDbTwin(this.core);
    this.autoscaling = new AutoScalingTwin(this.core);
    this.states = new StepFunctionsTwin(this.core);
    this.quotas = new ServiceQuotasTwin(this.core);
    this.registered = [
      this.s3,
      this.rds,
      this.ecs,
      this.elasticache,
      this.route53,
      this.cloudwatch,
      this.secrets,
      this.ssm,
      this.sns,
      this.dynamodb,
      this.autoscaling,
      this.states,
      this.quotas,
    ];
    for (const service of this.registered) this.core.register(service);
    // CloudWatch reports an RDS replica's lag from the RDS twin's state, as AWS derives it from the replica.
    this.cloudwatch.addProvider((region, namespace, metric, dims) => {
      if (namespace !== 'AWS/RDS' || metric !== 'ReplicaLag') return undefined;
      const id = dims.find((d) => d.Name === 'DBInstanceIdentifier')?.Value;
      const instance = id ? this.rds.instances.get(region)?.get(id) : undefined;
      return instance ? this.rds.replicaLagSeconds(instance) : undefined;
    });
  }

  get clock() {
    return this.core.clock;
  }

  /**
   * Intercepts every SDK v3 client of the registered services: each command
   * the twin implements is answered by the core's `call` in the client's own
   * region; any other command fails loudly. Returns the restore function.
   */
  interceptSdk(): () => void {
    const mocks: { restore: () => void }[] = [];
    for (const service of this.registered) {
      const { name } = service;
      const model = SERVICE_MODELS[name];
      const client = model.module[model.clientName];
      if (!isClass<MockedClient>(client)) throw new Error(`twin bug: ${name} has no ${model.clientName}`);
      // aws-sdk-client-mock stubs send() on the class prototype: module-scope clients are intercepted too.
      const mock = mockClient(client);
      mock.onAnyCommand().rejects(new Error(`The twin does not implement this ${name} command`));
      for (const action of Object.keys(service.actions)) {
        const command = model.module[`${action}Command`];
        if (!isClass<MockedCommand>(command)) throw new Error(`twin bug: ${name} has no ${action}Command`);
        mock
          .on(command)
          .callsFake(async (input: Input, getClient: () => { config: unknown }) =>
            this.core.call(name, action, await clientRegion(getClient().config), input ?? {}),
          );
      }
      mocks.push(mock);
    }
    return () => {
      for (const mock of mocks.reverse()) mock.restore();
    };
  }
}

/** The region an SDK v3 client was configured with (its config holds an async provider). */
async function clientRegion(config: unknown): Promise<string> {
  const region = typeof config === 'object' && config !== null && 'region' in config ? config.region : undefined;
  const value: unknown = typeof region === 'function' ? await region() : region;
  if (typeof value !== 'string') throw new Error('SDK client has no region configured');
  return value;
}
