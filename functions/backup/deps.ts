import * as z from 'zod';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../../contracts/inventory';
import { ledgerFromEnv } from '../shared/ledger';
import { regionRoleFromEnv } from '../shared/active-region';

/** What every backup function reads from its environment, validated at load. */
export const retentionSchema = z.object({
  keepLast: z.number().int().min(1),
  daily: z.number().int().min(0),
  weekly: z.number().int().min(0),
  monthly: z.number().int().min(0),
  minimum: z.number().int().min(1),
});

export function loadBackupEnv() {
  const inventory = jsonEnv('INVENTORY', inventorySchema);
  const role = regionRoleFromEnv();
  return { inventory, role, ledger: ledgerFromEnv(inventory[role].region), retention: jsonEnv('RETENTION', retentionSchema) };
}
