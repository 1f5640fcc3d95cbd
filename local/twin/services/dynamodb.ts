import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { serviceError, TwinServiceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalNumber, optionalString, record, requireString } from '../util';

type Item = Record<string, AttributeValue>;

interface Table {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly items: Map<string, Item>;
}

/**
 * DynamoDB for the ledger, as a global table: one store answers in every
 * region (replication to the DR region is treated as immediate; AWS
 * documents "typically within a second"). A regional outage still fails the
 * calls made to that region's endpoint.
 *
 * Expressions: the subset the ledger uses — conditions with
 * attribute_exists / attribute_not_exists and comparisons joined by AND/OR,
 * key conditions `pk = :v [AND sk op :w | AND begins_with(sk, :p) | AND sk BETWEEN :a AND :b]`,
 * and `SET a = :v, …` updates. Anything else is rejected with a ValidationException.
 */
export class DynamoDbTwin implements TwinService {
  readonly name = 'dynamodb' as const;
  readonly tables = new Map<string, Table>();
  readonly actions;
  /** Runs before a read of partition `pk` (the twin brings heartbeat records up to date). */
  beforeRead: (pk: unknown) => Promise<void> = async () => undefined;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      PutItem: (region: string, input: Input) => this.putItem(region, input),
      GetItem: (region: string, input: Input) => this.getItem(region, input),
      UpdateItem: (region: string, input: Input) => this.updateItem(region, input),
      DeleteItem: (region: string, input: Input) => this.deleteItem(region, input),
      Query: (region: string, input: Input) => this.query(region, input),
    };
  }

  seedTable(name: string, partitionKey: string, sortKey?: string): void {
    this.tables.set(name, { name, partitionKey, sortKey, items: new Map() });
  }

  private table(input: Input): Table {
    const name = requireString('dynamodb', input, 'TableName');
    const table = this.tables.get(name);
    if (!table) throw serviceError('dynamodb', 'ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    return table;
  }

  private keyOf(table: Table, item: Item): string {
    const pk = item[table.partitionKey];
    const sk = table.sortKey ? item[table.sortKey] : undefined;
    if (!pk || (table.sortKey && !sk)) throw validation('One or more parameter values were invalid: Missing the key in the item');
    return JSON.stringify([pk, sk ?? null]);
  }

  /** Writes an item the way a function outside the workflows under test would (no mutation is logged). */
  putInternal(tableName: string, item: Record<string, unknown>): void {
    const table = this.tables.get(tableName);
    if (!table) throw new Error(`No table ${tableName}`);
    const attributes = Object.fromEntries(
      Object.entries(item).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: String(v) }]),
    ) as Item;
    table.items.set(this.keyOf(table, attributes), attributes);
  }

  /** All items, as plain objects (for tests and reports). */
  scan(tableName: string): Record<string, unknown>[] {
    return [...(this.tables.get(tableName)?.items.values() ?? [])].map((item) => unmarshall(item));
  }

  async putItem(region: string, input: Input): Promise<object> {
    const table = this.table(input);
    const item = attributeMap(input.Item);
    const key = this.keyOf(table, item);
    this.check(table.items.get(key), input);
    table.items.set(key, item);
    this.core.mutate(region, 'dynamodb', 'PutItem', 'create', `${table.name}/${key}`);
    return {};
  }

  async getItem(_region: string, input: Input): Promise<object> {
    const table = this.table(input);
    await this.beforeRead(plain(attributeMap(input.Key)[table.partitionKey]));
    const item = table.items.get(this.keyOf(table, attributeMap(input.Key)));
    return item ? { Item: item } : {};
  }

  async deleteItem(region: string, input: Input): Promise<object> {
    const table = this.table(input);
    const key = this.keyOf(table, attributeMap(input.Key));
    this.check(table.items.get(key), input);
    if (table.items.delete(key)) this.core.mutate(region, 'dynamodb', 'DeleteItem', 'delete', `${table.name}/${key}`);
    return {};
  }

  async updateItem(region: string, input: Input): Promise<object> {
    const table = this.table(input);
    const keyItem = attributeMap(input.Key);
    const key = this.keyOf(table, keyItem);
    const existing = table.items.get(key);
    this.check(existing, input);
    const names = stringMap(input.ExpressionAttributeNames);
    const values = attributeMap(input.ExpressionAttributeValues);
    const expression = optionalString(input, 'UpdateExpression') ?? '';
    const match = /^\s*SET\s+(.+)$/i.exec(expression);
    if (!match) throw validation(`The twin supports "SET a = :v, ..." update expressions only, not: ${expression}`);
    const updated: Item = { ...(existing ?? keyItem) };
    for (const assignment of match[1].split(',')) {
      const [left, right] = assignment.split('=').map((s) => s.trim());
      const value = values[right];
      if (!left || !value) throw validation(`Invalid assignment "${assignment}"`);
      updated[names[left] ?? left] = value;
    }
    table.items.set(key, updated);
    this.core.mutate(region, 'dynamodb', 'UpdateItem', existing ? 'modify' : 'create', `${table.name}/${key}`);
    return optionalString(input, 'ReturnValues') === 'ALL_NEW' ? { Attributes: updated } : {};
  }

  async query(_region: string, input: Input): Promise<object> {
    const table = this.table(input);
    const names = stringMap(input.ExpressionAttributeNames);
    const values = attributeMap(input.ExpressionAttributeValues);
    const expression = requireString('dynamodb', input, 'KeyConditionExpression');
    const [pkPart, skPart] = expression.split(/\s+AND\s+(?![^(]*\))/i).reduce<string[]>((parts, part) => {
      // BETWEEN :a AND :b contains an AND of its own.
      if (parts.length && /BETWEEN\s+\S+$/i.test(parts[parts.length - 1])) parts[parts.length - 1] += ` AND ${part}`;
      else parts.push(part);
      return parts;
    }, []);
    const pkMatch = /^\s*(\S+)\s*=\s*(:\w+)\s*$/.exec(pkPart ?? '');
    if (!pkMatch) throw validation(`Unsupported key condition: ${expression}`);
    const pkName = names[pkMatch[1]] ?? pkMatch[1];
    const pkValue = plain(values[pkMatch[2]]);
    await this.beforeRead(pkValue);
    let items = [...table.items.values()].filter((item) => pkName === table.partitionKey && plain(item[pkName]) === pkValue);
    if (skPart) {
      const skCondition = parseSortCondition(skPart, names, values);
      items = items.filter((item) => skCondition(item));
    }
    const sortKey = table.sortKey;
    if (sortKey) items.sort((a, b) => compare(plain(a[sortKey]), plain(b[sortKey])));
    if (input.ScanIndexForward === false) items.reverse();
    const limit = optionalNumber(input, 'Limit');
    if (limit !== undefined) items = items.slice(0, limit);
    return { Items: items, Count: items.length, ScannedCount: items.length };
  }

  private check(existing: Item | undefined, input: Input): void {
    const expression = optionalString(input, 'ConditionExpression');
    if (!expression) return;
    const names = stringMap(input.ExpressionAttributeNames);
    const values = attributeMap(input.ExpressionAttributeValues);
    if (!evaluateCondition(expression, existing ?? {}, names, values)) {
      throw serviceError('dynamodb', 'ConditionalCheckFailedException', 'The conditional request failed');
    }
  }
}

function validation(message: string): Error {
  return new TwinServiceError('dynamodb', 'ValidationException', message, false);
}

function attributeMap(value: unknown): Item {
  const map = record(value) ?? {};
  const out: Item = {};
  for (const [key, inner] of Object.entries(map)) if (record(inner)) out[key] = inner as AttributeValue;
  return out;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, inner] of Object.entries(record(value) ?? {})) out[key] = String(inner);
  return out;
}

function plain(value: AttributeValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  return JSON.stringify(value);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

const OPERATORS: Record<string, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

function parseSortCondition(text: string, names: Record<string, string>, values: Item): (item: Item) => boolean {
  let m = /^\s*begins_with\(\s*(\S+)\s*,\s*(:\w+)\s*\)\s*$/i.exec(text);
  if (m) {
    const [name, prefix] = [names[m[1]] ?? m[1], String(plain(values[m[2]]))];
    return (item) => String(plain(item[name])).startsWith(prefix);
  }
  m = /^\s*(\S+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)\s*$/i.exec(text);
  if (m) {
    const [name, low, high] = [names[m[1]] ?? m[1], plain(values[m[2]]), plain(values[m[3]])];
    return (item) => compare(plain(item[name]), low) >= 0 && compare(plain(item[name]), high) <= 0;
  }
  m = /^\s*(\S+)\s*(<=|>=|<>|=|<|>)\s*(:\w+)\s*$/.exec(text);
  if (m) {
    const [name, op, value] = [names[m[1]] ?? m[1], OPERATORS[m[2]], plain(values[m[3]])];
    return (item) => op(compare(plain(item[name]), value));
  }
  throw validation(`Unsupported sort key condition: ${text}`);
}

function evaluateCondition(expression: string, item: Item, names: Record<string, string>, values: Item): boolean {
  return expression.split(/\s+OR\s+/i).some((disjunct) =>
    disjunct.split(/\s+AND\s+/i).every((term) => {
      const clean = term
        .trim()
        .replace(/^\((.*)\)$/, '$1')
        .trim();
      let m = /^attribute_not_exists\(\s*(\S+?)\s*\)$/i.exec(clean);
      if (m) return item[names[m[1]] ?? m[1]] === undefined;
      m = /^attribute_exists\(\s*(\S+?)\s*\)$/i.exec(clean);
      if (m) return item[names[m[1]] ?? m[1]] !== undefined;
      m = /^(\S+)\s*(<=|>=|<>|=|<|>)\s*(:\w+)$/.exec(clean);
      if (m) {
        const current = item[names[m[1]] ?? m[1]];
        return current !== undefined && OPERATORS[m[2]](compare(plain(current), plain(values[m[3]])));
      }
      throw validation(`Unsupported condition: ${clean}`);
    }),
  );
}
