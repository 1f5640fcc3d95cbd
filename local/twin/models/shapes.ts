import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedSchema } from '@smithy/core/schema';
import { stepFunctionsMemberName } from './naming';

/**
 * The service models, read from the schemas the SDK v3 clients ship and use
 * themselves to serialize requests: each client exports `<Operation>$`
 * (`[9, namespace, name, traits, () => Input$, () => Output$]`) from its CJS
 * and ES builds alike, and `@smithy/core/schema`'s `NormalizedSchema` walks
 * them (structures, lists, maps, unions, scalar kinds, member traits). Smithy
 * itself reads a structure's required members from the schema's seventh slot,
 * a count: the first `requiredCount` members are required (the same rule
 * `@smithy/core`'s protocols apply). Each shape is compiled once, lazily (the
 * models are recursive: DynamoDB's AttributeValue holds maps of itself), and
 * cached by the schema object.
 *
 * Why this source: it is the model the very client versions the product
 * deploys with serialize from (what the twin accepts is what the SDK would
 * send), it ships with them (nothing to download or keep in step), and a
 * Smithy library reads it (no hand parsing). The `.d.ts` files hold the same
 * shapes as types only, and parsing them takes the TypeScript compiler over a
 * second per boot; AWS's Smithy JSON models are not installed and would be a
 * second copy that can drift from the clients.
 *
 * Not in these schemas: enum values, length, range and pattern traits, and
 * the difference between integer and floating-point numbers. Enums are
 * shipped otherwise: the clients' `.d.ts` type a member with its enum and
 * export each enum's values as an `as const` object; enum-source.ts joins the
 * two into enums.json (generated, held fresh by a test), read here. Lengths,
 * ranges and patterns are shipped nowhere but in documentation comments.
 */

export type ScalarKind = 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document' | 'bigInteger' | 'bigDecimal';

export interface ScalarShape {
  readonly kind: ScalarKind;
  readonly name: string;
}

export interface ListShape {
  readonly kind: 'list';
  readonly name: string;
  readonly member: Shape;
}

export interface MapShape {
  readonly kind: 'map';
  readonly name: string;
  readonly value: Shape;
}

export interface Member {
  /** The SDK v3 (model) member name, `DBInstanceIdentifier`. */
  readonly name: string;
  /** What Step Functions calls it, `DbInstanceIdentifier` (AWS SDK for Java v2 naming). */
  readonly stepFunctionsName: string;
  readonly required: boolean;
  /** The SDK fills a missing idempotency token itself, so a required one may be absent from a command's input. */
  readonly idempotencyToken: boolean;
  readonly streaming: boolean;
  readonly shape: Shape;
  /** The member's enum (for a list member, its items'), where the typed model names one. */
  readonly enum?: MemberEnum;
}

export interface MemberEnum {
  readonly name: string;
  readonly values: ReadonlySet<string>;
  readonly list: boolean;
}

export interface StructureShape {
  readonly kind: 'structure' | 'union';
  readonly name: string;
  readonly members: ReadonlyMap<string, Member>;
  readonly byStepFunctionsName: ReadonlyMap<string, Member>;
  /** The members a request must carry: required, and not an idempotency token the SDK fills in. */
  readonly mustCarry: readonly Member[];
}

export type Shape = ScalarShape | ListShape | MapShape | StructureShape;

export interface OperationShapes {
  readonly name: string;
  readonly input: StructureShape;
  readonly output: StructureShape;
}

const shapes = new Map<unknown, Shape>();

interface EnumFile {
  readonly [namespace: string]: { readonly enums: Record<string, string[]>; readonly members: Record<string, Record<string, string>> };
}

let enumFile: EnumFile | undefined;

/** The enum of member `member` of structure `qualified` (`namespace#Name`), from enums.json. */
function memberEnum(qualified: string, member: string): MemberEnum | undefined {
  enumFile ??= JSON.parse(readFileSync(join(__dirname, 'enums.json'), 'utf8')) as EnumFile;
  const [namespace, structure] = qualified.split('#');
  const entry = enumFile[namespace];
  const type = entry?.members[structure]?.[member];
  if (!entry || !type) return undefined;
  const name = type.replace(/\[\]$/, '');
  const values = entry.enums[name];
  return values ? { name, values: new Set(values), list: type.endsWith('[]') } : undefined;
}

function scalarKind(schema: NormalizedSchema): ScalarKind {
  if (schema.isTimestampSchema()) return 'timestamp';
  if (schema.isBlobSchema()) return 'blob';
  if (schema.isBooleanSchema()) return 'boolean';
  if (schema.isNumericSchema()) return 'number';
  if (schema.isStringSchema()) return 'string';
  if (schema.isBigIntegerSchema()) return 'bigInteger';
  if (schema.isBigDecimalSchema()) return 'bigDecimal';
  return 'document';
}

/** A structure's members, built on first access (models are recursive). */
class LazyStructure implements StructureShape {
  private built?: { members: Map<string, Member>; byStepFunctionsName: Map<string, Member>; mustCarry: Member[] };
  constructor(
    readonly kind: 'structure' | 'union',
    readonly name: string,
    private readonly schema: NormalizedSchema,
  ) {}

  private get qualifiedName(): string {
    return this.schema.getName(true) ?? this.name;
  }

  get members(): ReadonlyMap<string, Member> {
    return this.build().members;
  }

  get byStepFunctionsName(): ReadonlyMap<string, Member> {
    return this.build().byStepFunctionsName;
  }

  get mustCarry(): readonly Member[] {
    return this.build().mustCarry;
  }

  private build() {
    if (this.built) return this.built;
    const members = new Map<string, Member>();
    const byStepFunctionsName = new Map<string, Member>();
    if (!this.schema.isUnitSchema()) {
      const raw = this.schema.getSchema();
      const requiredCount = Array.isArray(raw) && typeof raw[6] === 'number' ? raw[6] : 0;
      let index = 0;
      for (const [name, memberSchema] of this.schema.structIterator()) {
        const member: Member = {
          name,
          stepFunctionsName: stepFunctionsMemberName(name),
          required: index < requiredCount,
          idempotencyToken: memberSchema.isIdempotencyToken(),
          streaming: memberSchema.isStreaming(),
          enum: memberEnum(this.qualifiedName, name),
          get shape() {
            const shape = shapeOf(memberSchema);
            Object.defineProperty(this, 'shape', { value: shape });
            return shape;
          },
        };
        index += 1;
        members.set(name, member);
        const clash = byStepFunctionsName.get(member.stepFunctionsName);
        if (clash) throw new Error(`${this.name}: ${clash.name} and ${name} both map to Step Functions ${member.stepFunctionsName}`);
        byStepFunctionsName.set(member.stepFunctionsName, member);
      }
    }
    const mustCarry = [...members.values()].filter((m) => m.required && !m.idempotencyToken);
    this.built = { members, byStepFunctionsName, mustCarry };
    return this.built;
  }
}

class LazyList implements ListShape {
  readonly kind = 'list';
  constructor(
    readonly name: string,
    private readonly schema: NormalizedSchema,
  ) {}
  private cached?: Shape;
  get member(): Shape {
    // getValueSchema() builds a new NormalizedSchema on every call: read once per list, not per item.
    return (this.cached ??= shapeOf(this.schema.getValueSchema()));
  }
}

class LazyMap implements MapShape {
  readonly kind = 'map';
  constructor(
    readonly name: string,
    private readonly schema: NormalizedSchema,
  ) {}
  private cached?: Shape;
  get value(): Shape {
    return (this.cached ??= shapeOf(this.schema.getValueSchema()));
  }
}

/** The compiled shape of a schema (a member's target), cached by the schema object. */
export function shapeOf(schema: NormalizedSchema): Shape {
  const key = schema.getSchema();
  const cached = shapes.get(key);
  if (cached) return cached;
  // Only static (object) schemas carry a shape name; a numeric one is a plain kind (0 string, 64|0 list of strings…).
  const named = typeof key === 'object' && key !== null ? schema.getName() : undefined;
  let shape: Shape;
  if (schema.isUnitSchema()) shape = new LazyStructure('structure', 'Unit', schema);
  else if (schema.isStructSchema()) shape = new LazyStructure(schema.isUnionSchema() ? 'union' : 'structure', named ?? 'structure', schema);
  else if (schema.isListSchema()) shape = new LazyList(named ?? 'list', schema);
  else if (schema.isMapSchema()) shape = new LazyMap(named ?? 'map', schema);
  else {
    const kind = scalarKind(schema);
    shape = { kind, name: kind };
  }
  shapes.set(key, shape);
  return shape;
}

const operations = new WeakMap<object, OperationShapes>();

/** The input and output shapes of `action` in an SDK v3 client module, or undefined when the module has no such operation. */
export function operationShapes(module: Readonly<Record<string, unknown>>, action: string): OperationShapes | undefined {
  const operation = module[`${action}$`];
  if (!Array.isArray(operation) || operation[0] !== 9) return undefined;
  const cached = operations.get(operation);
  if (cached) return cached;
  const structure = (ref: unknown): StructureShape => {
    const shape = shapeOf(NormalizedSchema.of(ref as Parameters<typeof NormalizedSchema.of>[0]));
    if (shape.kind !== 'structure') throw new Error(`${action}: its input or output is a ${shape.kind}, not a structure`);
    return shape;
  };
  const shapesOf: OperationShapes = { name: String(operation[2]), input: structure(operation[4]), output: structure(operation[5]) };
  operations.set(operation, shapesOf);
  return shapesOf;
}
