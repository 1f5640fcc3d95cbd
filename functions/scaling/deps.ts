import { scalingSettingsSchema } from '../../contracts/alarm-scaling';
import { jsonEnv } from '../shared/env';
import { inventorySchema } from '../../contracts/inventory';
import { ledgerFromEnv } from '../shared/ledger';
import { MAX_LENGTH } from '../../contracts/identifiers';

export function loadScalingEnv() {
  const inventory = jsonEnv('INVENTORY', inventorySchema);
  return { inventory, ledger: ledgerFromEnv(inventory.primary.region), settings: jsonEnv('SCALING', scalingSettingsSchema) };
}

/** Ledger keys of one subject's scaling history and lock (see ScalingDecision.subject). */
export const historyKey = (subject: string) => `scaling#${subject}`;
export const lockKey = (subject: string) => `scaling-lock#${subject}`;
export const noopKey = (subject: string) => `scaling-noop#${subject}`;

/** RDS read replicas take tens of minutes to create: linked targets wait up to an hour. */
export const LINKED_TIMEOUT_SECONDS = 3600;

/**
 * The name of a read replica the scaling workflow creates (its prefix marks the ones it may delete), followed by
 * the creation time in base 36 (9 characters until the year 5188). The source is cut so that the whole name fits
 * an RDS DB instance identifier (63 characters); a valid source keeps it valid (a letter first, no `--`).
 */
export const managedReplicaPrefix = (source: string) =>
  `${source.slice(0, MAX_LENGTH.rdsInstance - '-read-'.length - 9).replace(/-+$/, '')}-read-`;
