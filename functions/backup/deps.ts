import * as z from 'zod';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../../contracts/inventory';
import { ledgerFromEnv } from '../shared/ledger';

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
  return { inventory, ledger: ledgerFromEnv(inventory.primary.region), retention: jsonEnv('RETENTION', retentionSchema) };
}
