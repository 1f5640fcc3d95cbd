import { z } from 'zod';
import { dynamodb } from '../shared/clients';
import { jsonEnv, requiredEnv } from '../shared/env';
import { inventorySchema } from '../shared/inventory';
import type { LedgerRef } from '../shared/ledger';

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
  const ledger: LedgerRef = { client: dynamodb(process.env.AWS_REGION ?? inventory.primary.region), table: requiredEnv('LEDGER_TABLE') };
  return { inventory, ledger, retention: jsonEnv('RETENTION', retentionSchema) };
}
