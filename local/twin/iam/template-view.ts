import { IntrinsicResolver, type PhysicalIds, type StackInfo, type Template } from './intrinsics';
import { constructPath, definitionOf } from './physical-ids';

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** A role as deployed: the service that assumes it and every policy attached to it, resolved. */
export interface RoleView {
  readonly arn: string;
  readonly name: string;
  /** Inline and customer managed policies, by a name that says where each comes from. */
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
  /**
   * AWS managed policies attached by ARN (AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole).
   * They grant CloudWatch Logs and EC2 network-interface actions only, which no Lifeline code calls.
   */
  readonly awsManaged: readonly string[];
  readonly assumedBy: readonly string[];
}

/** What the twin's IAM needs of the synthesized app: principals, their policies, resource policies, encryption. */
export interface IamView {
  readonly roles: Readonly<Record<string, RoleView>>;
  /** Lambda functions by ARN: their region and role ARN. */
  readonly functions: Readonly<Record<string, { readonly region: string; readonly role: string; readonly construct: string }>>;
  /** State machines by `<region>/<definition file>`: ARN, role ARN and the function ARN of each placeholder. */
  readonly stateMachines: Readonly<
    Record<string, { readonly arn: string; readonly role: string; readonly substitutions: Readonly<Record<string, string>> }>
  >;
  /** EventBridge Scheduler schedules and EventBridge rules: the role each uses to reach its target. */
  readonly invokers: readonly {
    readonly kind: 'schedule' | 'rule';
    readonly region: string;
    readonly role: string;
    readonly target: string;
    /** A rule's event pattern: only the events it matches reach the target. */
    readonly pattern?: unknown;
    /** A rule target's InputTransformer ({ InputPathsMap, InputTemplate }), when it sends that instead of the event. */
    readonly inputTransformer?: unknown;
  }[];
  /** KMS key policies by key ARN. */
  readonly keyPolicies: Readonly<Record<string, PolicyDocument>>;
  /** S3 bucket policies by bucket name. */
  readonly bucketPolicies: Readonly<Record<string, PolicyDocument>>;
  /** The customer managed key of each encrypted topic and secret, by the resource's ARN. */
  readonly encryptionKeys: Readonly<Record<string, string>>;
  /** Tags of the deployed databases and caches by ARN (IAM conditions read them: `rds:db-tag/lifeline:app`). */
  readonly resourceTags: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

function asDocument(value: unknown, where: string): PolicyDocument {
  if (!isRecord(value) || !Array.isArray(value.Statement)) throw new Error(`${where}: not a policy document`);
  return value as unknown as PolicyDocument;
}

/**
 * Reads the IAM side of the synthesized stacks: every role with its inline,
 * customer managed and attached policies, which function, state machine,
 * schedule and rule uses which role, KMS key policies, bucket policies and
 * the keys that encrypt topics and secrets. Every value is resolved to the
 * string AWS would hold, with `ids` naming what CloudFormation names.
 */
export function readIamView(
  templates: Readonly<Record<string, unknown>>,
  regions: Readonly<Record<string, string>>,
  account: string,
  ids: PhysicalIds,
): IamView {
  const stacks: StackInfo[] = Object.entries(templates).map(([name, template]) => {
    const region = regions[name];
    if (!region) throw new Error(`No region for stack ${name}`);
    return { name, region, account, template: template as Template };
  });
  const resolver = new IntrinsicResolver(stacks, ids);
  const managed = new Map<string, PolicyDocument>();
  const roles: Record<string, { view: RoleView; stack: StackInfo }> = {};
  const roleArnOf = (stack: StackInfo, logicalId: string) => resolver.string(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] });
  const view = {
    roles: {} as Record<string, RoleView>,
    functions: {} as Record<string, { region: string; role: string; construct: string }>,
    stateMachines: {} as Record<string, { arn: string; role: string; substitutions: Record<string, string> }>,
    invokers: [] as {
      kind: 'schedule' | 'rule';
      region: string;
      role: string;
      target: string;
      pattern?: unknown;
      inputTransformer?: unknown;
    }[],
    keyPolicies: {} as Record<string, PolicyDocument>,
    bucketPolicies: {} as Record<string, PolicyDocument>,
    encryptionKeys: {} as Record<string, string>,
    resourceTags: {} as Record<string, Record<string, string>>,
  };
  const tagsOf = (stack: StackInfo, tags: unknown): Record<string, string> =>
    Object.fromEntries(asList(resolver.resolve(stack, tags)).flatMap((t) => (isRecord(t) ? [[String(t.Key), String(t.Value)]] : [])));

  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      const props = resource.Properties ?? {};
      const where = `${stack.name}/${logicalId}`;
      switch (resource.Type) {
        case 'AWS::IAM::ManagedPolicy':
          managed.set(resolver.string(stack, { Ref: logicalId }), asDocument(resolver.resolve(stack, props.PolicyDocument), where));
          break;
        case 'AWS::IAM::Role': {
          const arn = roleArnOf(stack, logicalId);
          const assumedBy = asList(
            props.AssumeRolePolicyDocument && (props.AssumeRolePolicyDocument as { Statement?: unknown }).Statement,
          ).flatMap((s) => (isRecord(s) && isRecord(s.Principal) ? asList(s.Principal.Service).map(String) : []));
          const inline = asList(props.Policies).map((p, i) => {
            const policy = isRecord(p) ? p : {};
            return { name: `${where}/inline-${i}`, document: asDocument(resolver.resolve(stack, policy.PolicyDocument), where) };
          });
          roles[arn] = {
            stack,
            view: {
              arn,
              name: arn.split('/').pop() ?? arn,
              policies: inline,
              awsManaged: asList(resolver.resolve(stack, props.ManagedPolicyArns)).map(String),
              assumedBy,
            },
          };
          break;
        }
        case 'AWS::Lambda::Function':
          view.functions[resolver.string(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] })] = {
            region: stack.region,
            role: resolver.string(stack, props.Role),
            construct: constructPath(logicalId),
          };
          break;
        case 'AWS::StepFunctions::StateMachine': {
          const definition = definitionOf(props);
          if (!definition) break;
          const substitutions = isRecord(props.DefinitionSubstitutions) ? props.DefinitionSubstitutions : {};
          view.stateMachines[`${stack.region}/${definition}`] = {
            arn: resolver.string(stack, { Ref: logicalId }),
            role: resolver.string(stack, props.RoleArn),
            substitutions: Object.fromEntries(Object.entries(substitutions).map(([k, v]) => [k, resolver.string(stack, v)])),
          };
          break;
        }
        case 'AWS::Scheduler::Schedule': {
          const target = isRecord(props.Target) ? props.Target : {};
          view.invokers.push({
            kind: 'schedule',
            region: stack.region,
            role: resolver.string(stack, target.RoleArn),
            target: resolver.string(stack, target.Arn),
          });
          break;
        }
        case 'AWS::Events::Rule':
          for (const target of asList(props.Targets).filter(isRecord)) {
            if (target.RoleArn === undefined) continue;
            view.invokers.push({
              kind: 'rule',
              region: stack.region,
              role: resolver.string(stack, target.RoleArn),
              target: resolver.string(stack, target.Arn),
              pattern: resolver.resolve(stack, props.EventPattern),
              // What the target receives instead of the event, when the rule transforms it (CDK's RuleTargetInput).
              ...(target.InputTransformer === undefined ? {} : { inputTransformer: resolver.resolve(stack, target.InputTransformer) }),
            });
          }
          break;
        case 'AWS::RDS::DBInstance':
          view.resourceTags[`arn:aws:rds:${stack.region}:${account}:db:${resolver.string(stack, { Ref: logicalId })}`] = tagsOf(
            stack,
            props.Tags,
          );
          break;
        case 'AWS::ElastiCache::ReplicationGroup':
          view.resourceTags[
            `arn:aws:elasticache:${stack.region}:${account}:replicationgroup:${resolver.string(stack, { Ref: logicalId })}`
          ] = tagsOf(stack, props.Tags);
          break;
        case 'AWS::KMS::Key':
          view.keyPolicies[resolver.string(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] })] = asDocument(
            resolver.resolve(stack, props.KeyPolicy),
            where,
          );
          break;
        case 'AWS::S3::BucketPolicy':
          view.bucketPolicies[resolver.string(stack, props.Bucket)] = asDocument(resolver.resolve(stack, props.PolicyDocument), where);
          break;
        case 'AWS::SNS::Topic':
          if (props.KmsMasterKeyId !== undefined) {
            view.encryptionKeys[resolver.string(stack, { Ref: logicalId })] = resolver.string(stack, props.KmsMasterKeyId);
          }
          break;
        case 'AWS::SecretsManager::Secret':
          if (props.KmsKeyId !== undefined) {
            view.encryptionKeys[resolver.string(stack, { Ref: logicalId })] = resolver.string(stack, props.KmsKeyId);
          }
          break;
      }
    }
  }

  // Policies attach to roles by name (AWS::IAM::Policy, a managed policy's own Roles) or by ARN (a role's ManagedPolicyArns).
  const attach = (roleName: string, name: string, document: PolicyDocument) => {
    const role = Object.values(roles).find((r) => r.view.name === roleName);
    if (!role) throw new Error(`${name} attaches to unknown role ${roleName}`);
    roles[role.view.arn] = { ...role, view: { ...role.view, policies: [...role.view.policies, { name, document }] } };
  };
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::IAM::ManagedPolicy' || resource.Properties?.Roles === undefined) continue;
      const arn = resolver.string(stack, { Ref: logicalId });
      for (const roleName of asList(resolver.resolve(stack, resource.Properties.Roles)).map(String)) {
        attach(roleName, arn, managed.get(arn) as PolicyDocument);
      }
    }
  }
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const props = resource.Properties ?? {};
      const document = asDocument(resolver.resolve(stack, props.PolicyDocument), `${stack.name}/${logicalId}`);
      for (const roleName of asList(resolver.resolve(stack, props.Roles)).map(String))
        attach(roleName, `${stack.name}/${logicalId}`, document);
    }
  }
  for (const [arn, { view: role }] of Object.entries(roles)) {
    const customer = role.awsManaged.filter((p) => managed.has(p));
    view.roles[arn] = {
      ...role,
      policies: [...role.policies, ...customer.map((p) => ({ name: p, document: managed.get(p) as PolicyDocument }))],
      awsManaged: role.awsManaged.filter((p) => !managed.has(p)),
    };
  }
  return view;
}
