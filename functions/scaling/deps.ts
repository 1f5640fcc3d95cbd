import { scalingSettingsSchema } from '../../contracts/alarm-scaling';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../../contracts/inventory';
import { ledgerFromEnv } from '../shared/ledger';
import { regionRoleFromEnv } from '../shared/active-region';

export function loadScalingEnv() {
  const inventory = jsonEnv('INVENTORY', inventorySchema);
  const role = regionRoleFromEnv();
  return { inventory, role, ledger: ledgerFromEnv(inventory[role].region), settings: jsonEnv('SCALING', scalingSettingsSchema) };
}

/** Ledger keys of one subject's scaling history and lock (see ScalingDecision.subject). */
export const historyKey = (subject: string) => `scaling#${subject}`;
export const lockKey = (subject: string) => `scaling-lock#${subject}`;
export const noopKey = (subject: string) => `scaling-noop#${subject}`;

/** RDS read replicas take tens of minutes to create: linked targets wait up to an hour. */
export const LINKED_TIMEOUT_SECONDS = 3600;
