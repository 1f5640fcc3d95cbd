import { stepFunctionsMemberName } from './naming';
import type { Member, Shape, StructureShape } from './shapes';

/** One way a value breaks its shape: where (member path) and which rule. */
export interface Violation {
  /** `DBInstanceIdentifier`, `Tags[0].Key`, `Metadata["k"]`; Step Functions names on the Step Functions path. */
  readonly path: string;
  readonly rule: 'required' | 'unknown member' | 'type' | 'union' | 'enum';
  readonly message: string;
}

export type Direction = 'request' | 'response';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return 'a structure';
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);
const item = (path: string, index: number) => `${path}[${index}]`;
const entry = (path: string, key: string) => `${path}[${JSON.stringify(key)}]`;

function typeViolation(path: string, expected: string, value: unknown): Violation {
  return { path, rule: 'type', message: `expected ${expected}, got ${describe(value)}` };
}

/** A string member (or a list member's items) outside its enum; other types are the type check's to report. */
function enumViolations(member: Member, value: unknown, path: string): Violation[] {
  const spec = member.enum;
  if (!spec) return [];
  const entries: [string, unknown][] = spec.list ? (Array.isArray(value) ? value.map((v, i) => [item(path, i), v]) : []) : [[path, value]];
  const outside = entries.filter(([, v]) => typeof v === 'string' && !spec.values.has(v));
  if (outside.length === 0) return [];
  const shown = [...spec.values].slice(0, 8).join(', ') + (spec.values.size > 8 ? ', …' : '');
  return outside.map(([at, v]) => ({
    path: at,
    rule: 'enum' as const,
    message: `${JSON.stringify(v)} is not a value of ${spec.name} (${shown})`,
  }));
}

/** Does `value` have the scalar kind of `shape` as the SDK v3 types it (Date for timestamps, bytes or string for blobs)? */
function scalarMatches(shape: Shape, value: unknown, direction: Direction, streaming: boolean): boolean {
  switch (shape.kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'blob':
      // A streaming body is a stream (or, on a request, anything the SDK accepts as one: string, bytes, Readable).
      if (streaming) return typeof value === 'string' || (typeof value === 'object' && value !== null);
      return value instanceof Uint8Array || (direction === 'request' && typeof value === 'string');
    case 'bigInteger':
      return typeof value === 'number' || typeof value === 'bigint';
    case 'bigDecimal':
      return typeof value === 'number' || typeof value === 'string' || (typeof value === 'object' && value !== null);
    default:
      return true;
  }
}

/**
 * Checks an SDK v3 value (a command's input or a service's output) against
 * its shape and appends every violation: members the shape does not have (at
 * every level), missing required members (requests only), wrong types, a
 * union with other than one member set.
 */
export function checkValue(shape: Shape, value: unknown, path: string, direction: Direction, out: Violation[], streaming = false): void {
  switch (shape.kind) {
    case 'structure':
    case 'union':
      checkStructure(shape, value, path, direction, out);
      return;
    case 'list':
      if (!Array.isArray(value)) {
        out.push(typeViolation(path, `a list (${shape.name})`, value));
        return;
      }
      value.forEach((inner, i) => {
        if (inner === null || inner === undefined) out.push(typeViolation(item(path, i), 'a list item', inner));
        else checkValue(shape.member, inner, item(path, i), direction, out);
      });
      return;
    case 'map':
      if (!isRecord(value)) {
        out.push(typeViolation(path, `a map (${shape.name})`, value));
        return;
      }
      for (const [key, inner] of Object.entries(value)) {
        if (inner === undefined) continue;
        if (inner === null) out.push(typeViolation(entry(path, key), 'a map value', inner));
        else checkValue(shape.value, inner, entry(path, key), direction, out);
      }
      return;
    default:
      if (!scalarMatches(shape, value, direction, streaming)) out.push(typeViolation(path, expectedScalar(shape.kind, direction), value));
  }
}

function expectedScalar(kind: Shape['kind'], direction: Direction): string {
  if (kind === 'timestamp') return 'a timestamp (Date)';
  if (kind === 'blob') return direction === 'request' ? 'a blob (bytes or string)' : 'a blob (bytes)';
  return `a ${kind}`;
}

function checkStructure(shape: StructureShape, value: unknown, path: string, direction: Direction, out: Violation[]): void {
  if (!isRecord(value)) {
    out.push(typeViolation(path, `a structure (${shape.name})`, value));
    return;
  }
  let set = 0;
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || inner === null) continue;
    // `$metadata` is the SDK's own; `$unknown` is how SDK v3 carries a union member newer than the client.
    if ((key === '$metadata' && !path) || (key === '$unknown' && shape.kind === 'union')) {
      set += 1;
      continue;
    }
    const member = shape.members.get(key);
    if (!member) {
      out.push({ path: child(path, key), rule: 'unknown member', message: `${shape.name} has no member ${key}` });
      continue;
    }
    set += 1;
    checkValue(member.shape, inner, child(path, key), direction, out, member.streaming);
    out.push(...enumViolations(member, inner, child(path, key)));
  }
  if (direction === 'request') out.push(...missingRequired(shape, value, path, (m) => m.name));
  if (shape.kind === 'union' && set !== 1) {
    out.push({ path: path || shape.name, rule: 'union', message: `${shape.name} is a union: exactly one member must be set, got ${set}` });
  }
}

function missingRequired(shape: StructureShape, value: Json, path: string, nameOf: (member: Member) => string): Violation[] {
  const missing: Violation[] = [];
  for (const member of shape.mustCarry) {
    const present = value[member.name];
    if (present === undefined || present === null) {
      missing.push({ path: child(path, nameOf(member)), rule: 'required', message: `${shape.name} requires ${nameOf(member)}` });
    }
  }
  return missing;
}

/**
 * Step Functions parameters (Java SDK v2 member names, JSON values) → the
 * SDK v3 input: each key is looked up among the shape's members by its Step
 * Functions name, recursively (map keys are data and stay as they are),
 * timestamps become Dates (ISO 8601 strings, or epoch seconds), JSON nulls
 * are absent members. Violations name Step Functions paths.
 */
export function fromStepFunctions(shape: Shape, value: unknown, path: string, out: Violation[]): unknown {
  switch (shape.kind) {
    case 'structure':
    case 'union': {
      if (!isRecord(value)) {
        out.push(typeViolation(path, `a structure (${shape.name})`, value));
        return value;
      }
      const sdk: Json = {};
      for (const [key, inner] of Object.entries(value)) {
        if (inner === undefined || inner === null) continue;
        const member = shape.byStepFunctionsName.get(key);
        if (!member) {
          const hint =
            shape.members.get(key) ?? [...shape.members.values()].find((m) => m.stepFunctionsName.toLowerCase() === key.toLowerCase());
          const suffix = hint ? ` (Step Functions names ${hint.name} "${hint.stepFunctionsName}")` : '';
          out.push({ path: child(path, key), rule: 'unknown member', message: `${shape.name} has no member ${key}${suffix}` });
          continue;
        }
        sdk[member.name] = fromStepFunctions(member.shape, inner, child(path, key), out);
        out.push(...enumViolations(member, inner, child(path, key)));
      }
      out.push(...missingRequired(shape, sdk, path, (m) => m.stepFunctionsName));
      const set = Object.keys(sdk).length;
      if (shape.kind === 'union' && set !== 1) {
        out.push({
          path: path || shape.name,
          rule: 'union',
          message: `${shape.name} is a union: exactly one member must be set, got ${set}`,
        });
      }
      return sdk;
    }
    case 'list':
      if (!Array.isArray(value)) {
        out.push(typeViolation(path, `a list (${shape.name})`, value));
        return value;
      }
      return value.map((inner, i) => fromStepFunctions(shape.member, inner, item(path, i), out));
    case 'map':
      if (!isRecord(value)) {
        out.push(typeViolation(path, `a map (${shape.name})`, value));
        return value;
      }
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key, fromStepFunctions(shape.value, inner, entry(path, key), out)]),
      );
    case 'timestamp': {
      const date = typeof value === 'string' ? new Date(value) : typeof value === 'number' ? new Date(value * 1000) : undefined;
      if (!date || Number.isNaN(date.getTime())) {
        out.push(typeViolation(path, 'a timestamp (ISO 8601 string or epoch seconds)', value));
        return value;
      }
      return date;
    }
    default:
      if (!scalarMatches(shape, value, 'request', false)) out.push(typeViolation(path, expectedScalar(shape.kind, 'request'), value));
      return value;
  }
}

/**
 * An SDK v3 output → what a Step Functions aws-sdk task returns: Java SDK v2
 * member names, ISO 8601 dates, map keys as they are. Members the model does
 * not have (only an allowlisted twin response can carry one) are renamed by
 * the same rule.
 */
export function toStepFunctions(shape: Shape | undefined, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((inner) => toStepFunctions(shape?.kind === 'list' ? shape.member : undefined, inner));
  if (!isRecord(value)) return value;
  // A document (or a stream) is data, not members: its keys stay as they are.
  if (shape && shape.kind !== 'structure' && shape.kind !== 'union' && shape.kind !== 'map') return value;
  if (shape?.kind === 'map')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toStepFunctions(shape.value, inner)]));
  const structure = shape?.kind === 'structure' || shape?.kind === 'union' ? shape : undefined;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$metadata') continue;
    const member = structure?.members.get(key);
    out[member?.stepFunctionsName ?? stepFunctionsMemberName(key)] = toStepFunctions(member?.shape, inner);
  }
  return out;
}

/**
 * The static keys of a Task's `Parameters` that the model does not have,
 * checked the way Step Functions checks them when a state machine is created
 * (`"Foo.$"` is the member `Foo`; static objects and lists of them are
 * followed into their members; values from paths are not known yet).
 */
export function unknownParameterNames(shape: Shape, parameters: unknown, path = ''): Violation[] {
  if (Array.isArray(parameters)) {
    return shape.kind === 'list' ? parameters.flatMap((inner, i) => unknownParameterNames(shape.member, inner, item(path, i))) : [];
  }
  if (!isRecord(parameters) || (shape.kind !== 'structure' && shape.kind !== 'union')) return [];
  return Object.entries(parameters).flatMap(([key, inner]) => {
    const dynamic = key.endsWith('.$');
    const name = dynamic ? key.slice(0, -2) : key;
    const member = shape.byStepFunctionsName.get(name);
    if (!member) return [{ path: child(path, name), rule: 'unknown member' as const, message: `${shape.name} has no member ${name}` }];
    return dynamic ? [] : unknownParameterNames(member.shape, inner, child(path, name));
  });
}
