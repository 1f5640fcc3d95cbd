/**
 * CloudFormation's intrinsic functions, evaluated over the synthesized
 * templates of the whole app so that IAM and resource policies become the
 * concrete strings AWS would hold after deployment. The physical names of
 * resources CloudFormation names itself come from a {@link PhysicalIds}
 * binding (the twin's names for them).
 *
 * Supported: Ref (resources and the pseudo parameters), Fn::GetAtt,
 * Fn::Join, Fn::Select, Fn::Split, Fn::Sub, Fn::ImportValue (stack exports)
 * and the cross-region references aws-cdk writes with its
 * Custom::CrossRegionExportWriter and reads with Custom::CrossRegionExportReader.
 * Anything else is an error: a policy the twin cannot read is not guessed.
 */

export type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
};

export interface StackInfo {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly template: Template;
}

/** The physical id (`Ref`) or an attribute of a resource CloudFormation created; undefined when the binding has none. */
export interface PhysicalIds {
  ref(stack: StackInfo, logicalId: string, type: string, properties: Record<string, unknown>): string;
  attribute(stack: StackInfo, logicalId: string, type: string, attribute: string, ref: string): string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class IntrinsicResolver {
  private readonly exports = new Map<string, { stack: StackInfo; value: unknown }>();
  private readonly crossRegion = new Map<string, { stack: StackInfo; value: unknown }>();

  constructor(
    private readonly stacks: readonly StackInfo[],
    private readonly ids: PhysicalIds,
  ) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (!isRecord(output) || !isRecord(output.Export)) continue;
        const name = this.resolve(stack, output.Export.Name);
        if (typeof name === 'string') this.exports.set(name, { stack, value: output.Value });
      }
      for (const resource of Object.values(stack.template.Resources)) {
        if (resource.Type !== 'Custom::CrossRegionExportWriter') continue;
        const writer = resource.Properties?.WriterProps;
        const exports = isRecord(writer) && isRecord(writer.exports) ? writer.exports : {};
        for (const [parameter, value] of Object.entries(exports)) this.crossRegion.set(parameter, { stack, value });
      }
    }
  }

  stack(name: string): StackInfo {
    const found = this.stacks.find((s) => s.name === name);
    if (!found) throw new Error(`No stack ${name}`);
    return found;
  }

  /** `value` with every intrinsic of `stack` evaluated: strings, arrays and objects of them. */
  resolve(stack: StackInfo, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.intrinsic(stack, keys[0], value[keys[0]]);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(stack, value[k])]));
  }

  /** Like {@link resolve}, for a value that must come out a string. */
  string(stack: StackInfo, value: unknown): string {
    const resolved = this.resolve(stack, value);
    if (typeof resolved !== 'string') throw new Error(`${stack.name}: expected a string from ${JSON.stringify(value).slice(0, 200)}`);
    return resolved;
  }

  private intrinsic(stack: StackInfo, fn: string, arg: unknown): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(stack, String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return this.getAtt(stack, logicalId, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        const resolved = this.resolve(stack, parts);
        if (!Array.isArray(resolved)) throw new Error(`${stack.name}: Fn::Join of a non-list`);
        return resolved.map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const resolved = this.resolve(stack, list);
        if (!Array.isArray(resolved)) throw new Error(`${stack.name}: Fn::Select from a non-list`);
        const i = Number(this.resolve(stack, index));
        if (!(i in resolved)) throw new Error(`${stack.name}: Fn::Select index ${i} out of ${resolved.length}`);
        return resolved[i];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return this.string(stack, source).split(separator);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (name in vars) return this.string(stack, vars[name]);
          if (name.includes('.')) return String(this.getAtt(stack, name.split('.')[0], name.split('.').slice(1).join('.')));
          return this.ref(stack, name);
        });
      }
      case 'Fn::ImportValue': {
        const name = this.string(stack, arg);
        const found = this.exports.get(name);
        if (!found) throw new Error(`${stack.name}: no stack exports ${name}`);
        return this.resolve(found.stack, found.value);
      }
      default:
        throw new Error(`${stack.name}: the twin's policy reader does not evaluate ${fn}`);
    }
  }

  private ref(stack: StackInfo, name: string): string {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return stack.region;
      case 'AWS::AccountId':
        return stack.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.name;
      case 'AWS::NoValue':
        return '';
    }
    const resource = stack.template.Resources[name];
    if (!resource) throw new Error(`${stack.name}: Ref to unknown ${name}`);
    return this.ids.ref(stack, name, resource.Type, resource.Properties ?? {});
  }

  private getAtt(stack: StackInfo, logicalId: string, attribute: string): unknown {
    const resource = stack.template.Resources[logicalId];
    if (!resource) throw new Error(`${stack.name}: Fn::GetAtt of unknown ${logicalId}`);
    if (resource.Type === 'Custom::CrossRegionExportReader') {
      // aws-cdk's cross-region reference: an SSM parameter the producing stack's writer puts in this region.
      const found = this.crossRegion.get(attribute);
      if (!found) throw new Error(`${stack.name}: no cross-region export ${attribute}`);
      return this.resolve(found.stack, found.value);
    }
    return this.ids.attribute(stack, logicalId, resource.Type, attribute, this.ref(stack, logicalId));
  }
}
