import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format } from 'prettier';
import ts from 'typescript';
import { SERVICE_MODELS, SERVICE_NAMES, type ServiceName } from '../sdk-models';

/**
 * Which members are enums, read from what the SDK v3 clients ship: the
 * run-time schemas type an enum member as a plain string, but the generated
 * `.d.ts` types it with the enum (`MultiAZ?: MultiAZStatus | undefined`), and
 * the enum's values are the client's `as const` object (`MultiAZStatus`). A
 * member is kept only when both line up: the interface is a structure of the
 * run-time schemas (`ReplicationGroup$`) that has the member, and the type is
 * an enum the client exports. Written to enums.json by write-enums.ts (the
 * TypeScript parser takes over a second, too slow for every twin boot); a
 * test holds the file fresh.
 */
export const ENUMS_FILE = join(__dirname, 'enums.json');

/** Per model namespace (`com.amazonaws.rds`): its enums' values, and which structure members are enums. */
export type EnumMap = Record<string, NamespaceEnums>;

export interface NamespaceEnums {
  /** Enum values by enum name. */
  readonly enums: Record<string, string[]>;
  /** By structure, each enum member: `EnumName` (a value) or `EnumName[]` (a list of values). */
  readonly members: Record<string, Record<string, string>>;
}

/** The npm package of each client (its `dist-types` hold the typed models). */
const PACKAGES: Readonly<Record<ServiceName, string>> = {
  rds: 'rds',
  ecs: 'ecs',
  elasticache: 'elasticache',
  route53: 'route-53',
  cloudwatch: 'cloudwatch',
  secretsmanager: 'secrets-manager',
  ssm: 'ssm',
  sns: 'sns',
  s3: 's3',
  dynamodb: 'dynamodb',
  applicationautoscaling: 'application-auto-scaling',
  sfn: 'sfn',
  servicequotas: 'service-quotas',
};

function modelFiles(service: ServiceName): string[] {
  const entry = require.resolve(`@aws-sdk/client-${PACKAGES[service]}`);
  const dir = join(dirname(entry), '..', 'dist-types', 'models');
  return readdirSync(dir)
    .filter((f) => /^models_\d+\.d\.ts$/.test(f))
    .map((f) => join(dir, f));
}

/** `X | undefined` → X; `X[] | undefined` → X[] (as text), when X is a plain type name. */
function memberType(node: ts.TypeNode | undefined): string | undefined {
  if (!node) return undefined;
  const parts = ts.isUnionTypeNode(node) ? node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword) : [node];
  if (parts.length !== 1) return undefined;
  const [type] = parts;
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && !type.typeArguments) return type.typeName.text;
  if (ts.isArrayTypeNode(type) && ts.isTypeReferenceNode(type.elementType) && ts.isIdentifier(type.elementType.typeName)) {
    return `${type.elementType.typeName.text}[]`;
  }
  return undefined;
}

/** The enum map of every service the twin simulates, from the installed clients. */
export function readEnumMap(): EnumMap {
  const map: Record<string, { enums: Record<string, string[]>; members: Record<string, Record<string, string>> }> = {};
  for (const service of SERVICE_NAMES) {
    const { module } = SERVICE_MODELS[service];
    for (const file of modelFiles(service)) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
      for (const statement of source.statements) {
        if (!ts.isInterfaceDeclaration(statement)) continue;
        const schema = module[`${statement.name.text}$`];
        if (!Array.isArray(schema) || schema[0] !== 3 || !Array.isArray(schema[4])) continue;
        const memberNames: unknown[] = schema[4];
        for (const property of statement.members) {
          if (!ts.isPropertySignature(property) || !ts.isIdentifier(property.name)) continue;
          const type = memberType(property.type);
          const enumName = type?.replace(/\[\]$/, '');
          const values = enumName ? module[enumName] : undefined;
          if (!type || !enumName || !memberNames.includes(property.name.text) || typeof values !== 'object' || values === null) continue;
          const strings = Object.values(values).filter((v): v is string => typeof v === 'string');
          if (strings.length === 0) continue;
          const namespace = (map[String(schema[1])] ??= { enums: {}, members: {} });
          namespace.enums[enumName] = strings.sort();
          (namespace.members[statement.name.text] ??= {})[property.name.text] = type;
        }
      }
    }
  }
  const sorted = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  return sorted(
    Object.fromEntries(Object.entries(map).map(([ns, { enums, members }]) => [ns, { enums: sorted(enums), members: sorted(members) }])),
  );
}

/** enums.json as write-enums.ts writes it (Prettier-formatted, so `npm run format:check` holds). */
export async function enumsFileText(map: EnumMap = readEnumMap()): Promise<string> {
  return format(JSON.stringify(map), { parser: 'json', printWidth: 140 });
}
