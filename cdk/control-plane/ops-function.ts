import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { powertoolsEnvironment } from '../../contracts/environment';
import type { MetricOwner } from '../../contracts/metrics';

export const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

/** Everything a function needs but its code. */
export interface FunctionSpec {
  /** Handler file under functions/, e.g. `backup/plan.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logGroup: logs.ILogGroup;
  readonly vpc?: ec2.IVpc;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * Builds the Lambda for a spec. The default bundles with esbuild
 * (NodejsFunction); infrastructure tests inject {@link placeholderCode} so
 * they never bundle (as instance-scheduler-on-aws does with its factory).
 */
export type FunctionFactory = (scope: Construct, id: string, spec: FunctionSpec) => lambda.Function;

/** Everything but the code: shared by both factories, so tests check what deploys. */
function commonProps(spec: FunctionSpec) {
  return {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    description: spec.description,
    environment: spec.environment,
    timeout: spec.timeout,
    memorySize: spec.memorySize,
    logGroup: spec.logGroup,
    tracing: lambda.Tracing.ACTIVE,
    vpc: spec.vpc,
    securityGroups: spec.securityGroups,
  };
}

/**
 * The esbuild options of every bundle; bench/run.ts builds with the same ones.
 * ES module builds first: the SDK's CommonJS builds defeat tree shaking
 * (with `import * as z from 'zod'` instead of `{ z }`, which keeps every
 * locale: the backup plan function went from 1.03 MB to 0.46 MB).
 */
export const BUNDLING = { minify: true, target: 'node22', format: 'cjs', external: ['pg-native'], mainFields: ['module', 'main'] } as const;

export const bundledCode: FunctionFactory = (scope, id, spec) =>
  new nodejs.NodejsFunction(scope, id, {
    ...commonProps(spec),
    entry: join(FUNCTIONS_DIR, spec.entry),
    handler: 'handler',
    bundling: {
      minify: BUNDLING.minify,
      sourceMap: true,
      target: BUNDLING.target,
      format: nodejs.OutputFormat.CJS,
      // The SDK is bundled: measured faster to load from the bundle than from the runtime's copy.
      bundleAwsSDK: true,
      externalModules: [...BUNDLING.external],
      mainFields: [...BUNDLING.mainFields],
    },
  });

export const placeholderCode: FunctionFactory = (scope, id, spec) =>
  new lambda.Function(scope, id, {
    ...commonProps(spec),
    code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("placeholder code for infrastructure tests"); };'),
    handler: 'index.handler',
  });

export interface OpsFunctionProps {
  readonly entry: string;
  readonly description: string;
  /** Whose function this is: names its Powertools service, the `service` dimension of its metrics. */
  readonly owner: MetricOwner;
  readonly environment?: Record<string, string>;
  /** @default 60 seconds */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  readonly vpc?: ec2.IVpc;
  readonly securityGroups?: ec2.ISecurityGroup[];
  readonly factory: FunctionFactory;
}

/**
 * A control-plane Lambda with the project's defaults: Node.js 22 on arm64,
 * a minified esbuild bundle, Powertools configured through the environment,
 * X-Ray tracing and a log group kept three months.
 */
export class OpsFunction extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: OpsFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.function = props.factory(this, 'Function', {
      entry: props.entry,
      description: props.description,
      environment: {
        ...powertoolsEnvironment(props.owner),
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: props.memorySize ?? 256,
      logGroup,
      vpc: props.vpc,
      securityGroups: props.securityGroups,
    });
    const role = this.function.role;
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole grants only the CloudWatch Logs writes every function needs; AWS keeps it in step with Lambda.',
      });
      if (props.vpc) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason:
            'AWSLambdaVPCAccessExecutionRole grants only the ENI management a function in a VPC needs; those EC2 actions have no ' +
            'resource-level scoping.',
        });
      }
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned on purpose to nodejs22.x, the runtime the bundles target (esbuild target node22) and the tests run against; moving ' +
        'to a newer runtime is a reviewed change, not an automatic one.',
    });
  }
}
