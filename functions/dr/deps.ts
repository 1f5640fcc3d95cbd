import { jsonEnv } from '../shared/env';
import { type Inventory, inventorySchema, type RegionalWorkload } from '../../contracts/inventory';
import { type LedgerRef, ledgerFromEnv } from '../shared/ledger';
import { type Direction, type DrSettings, drSettingsSchema } from '../../contracts/dr-runbook';

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

export { cacheIdOf, databaseIdOf } from '../../contracts/inventory';

/** An error's message, for reports. */
export const messageOf = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
