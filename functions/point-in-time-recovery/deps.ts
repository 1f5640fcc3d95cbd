import { type Inventory, inventorySchema } from '../../contracts/inventory';
import type { RegionRole } from '../../contracts/naming';
import { type PitrSettings, pitrSettingsSchema } from '../../contracts/point-in-time-recovery';
import { regionRoleFromEnv } from '../shared/active-region';
import { jsonEnv } from '../shared/env';
import { type LedgerRef, ledgerFromEnv } from '../shared/ledger';

/** What every function of the runbook reads from its environment, once per execution environment. */
export interface PitrDeps {
  readonly inventory: Inventory;
  readonly settings: PitrSettings;
  readonly ledger: LedgerRef;
  /** The region the runbook is deployed in: it recovers that region's database, while the region is active. */
  readonly role: RegionRole;
}

export function pitrDepsFromEnv(): PitrDeps {
  const inventory = jsonEnv('INVENTORY', inventorySchema);
  const role = regionRoleFromEnv();
  return {
    inventory,
    role,
    settings: jsonEnv('POINT_IN_TIME_RECOVERY', pitrSettingsSchema),
    ledger: ledgerFromEnv(inventory[role].region),
  };
}
