import type { Run } from '../../contracts/dr-runbook';
import { drDepsFromEnv } from './deps';
import { preflight } from './preflight/compose';
import type { Preflight } from './preflight/plan';

/**
 * The runbooks' preflight: one module per concern in preflight/ (service,
 * capacity, database, cache, DNS), composed in preflight/compose.ts.
 */
const deps = drDepsFromEnv();

export const handler = async (event: { run: Run }): Promise<Preflight> => preflight(event.run, deps, () => new Date());
