import { rmSync } from 'node:fs';
import { parseConfig } from '../../../contracts/config/load';
import { drillConfig, scenarioSchema } from '../../drill/scenario';
import { cachedPolicies, cacheFileOf, iamViewFor, policySourceDigest, RUNTIME_POLICY_CACHE_DIR } from './policy-cache';

/**
 * `npm run policies`: re-synthesizes, into the committed cache, the IAM view
 * of every configuration the committed or the runtime cache holds (the
 * runtime cache has what test runs met that was not committed) and of the
 * drill's, from the current sources, and drops committed files no
 * configuration maps to any more. Commit the result with the change that
 * made the cache stale (test/cdk/control-plane.test.ts fails until then).
 */
async function main(): Promise<void> {
  const digest = policySourceDigest();
  const configs = new Map<string, ReturnType<typeof parseConfig>>();
  // A cached configuration parsed anew: a schema change (a new default) gives it a new file.
  for (const { entry } of [...cachedPolicies(), ...cachedPolicies(RUNTIME_POLICY_CACHE_DIR)]) {
    const config = parseConfig(entry.config);
    configs.set(cacheFileOf(config), config);
  }
  // The drill's own configuration, warm standby and pilot light, so `npm start` never synthesizes on a clean clone.
  for (const strategy of ['warm-standby', 'pilot-light']) {
    const config = drillConfig(scenarioSchema.parse({ config: { dr: { strategy } } }));
    configs.set(cacheFileOf(config), config);
  }
  for (const { file } of cachedPolicies()) if (!configs.has(file)) rmSync(file);
  for (const [file, config] of configs) {
    const started = Date.now();
    await iamViewFor(config, digest, 'committed');
    console.log(`${file}: ${config.appName} (${config.dr.strategy}) in ${Date.now() - started} ms`);
  }
}

void main();
