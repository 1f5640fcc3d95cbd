import { jsonEnv } from '../shared/env';
import { type Inventory, inventorySchema, type RegionalWorkload } from '../../contracts/inventory';
import { type LedgerRef, ledgerFromEnv } from '../shared/ledger';
import { type Direction, type DrSettings, drSettingsSchema } from '../../contracts/dr-runbook';
import { workloadResourceName } from '../../contracts/naming';

/** What every DR function reads from its environment, once per execution environment. */
export interface DrDeps {
  readonly inventory: Inventory;
  readonly settings: DrSettings;
  readonly ledger: LedgerRef;
}

export function drDepsFromEnv(): DrDeps {
  const inventory = jsonEnv('INVENTORY', inventorySchema);
  return { inventory, settings: jsonEnv('DR_SETTINGS', drSettingsSchema), ledger: ledgerFromEnv(inventory.dr.region) };
}

/** Reads the time. Handlers pass `() => new Date()`; tests pass a fixed instant. */
export type Clock = () => Date;

export type Role = 'primary' | 'dr';

/** The region traffic leaves and the region it moves to, with the roles they have in the inventory. */
export interface Sides {
  readonly from: RegionalWorkload;
  readonly to: RegionalWorkload;
  readonly fromRole: Role;
  readonly toRole: Role;
}

export function sides(inventory: Inventory, direction: Direction): Sides {
  return direction === 'failover'
    ? { from: inventory.primary, to: inventory.dr, fromRole: 'primary', toRole: 'dr' }
    : { from: inventory.dr, to: inventory.primary, fromRole: 'dr', toRole: 'primary' };
}

/** The DB instance id a role's database has (pilot light: the one a failover restores). */
export function databaseIdOf(inventory: Inventory, role: Role): string {
  return inventory[role].databaseInstanceId ?? workloadResourceName(inventory.appName, role, 'db');
}

/** The cache replication group id a role's cache has (pilot light: the one a failover creates). */
export function cacheIdOf(inventory: Inventory, role: Role): string {
  return inventory[role].cacheReplicationGroupId ?? workloadResourceName(inventory.appName, role, 'cache');
}

/** An error's message, for reports. */
export const messageOf = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
