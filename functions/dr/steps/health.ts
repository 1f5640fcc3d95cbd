import { handOver } from '../../shared/active-region';
import type { HealthAnswer, RecoveryStep } from './step';

/** One GET of the health endpoint, five seconds at most; no answer is an unhealthy one. */
export async function httpProbe(url: string): Promise<HealthAnswer> {
  // Set before the body is read: an OK status whose body fails to arrive still counts as healthy (as it always has).
  let healthy = false;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    healthy = response.ok;
    return { healthy, answer: `${response.status} ${(await response.text()).slice(0, 200)}` };
  } catch (error) {
    return { healthy, answer: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The endpoint of the region traffic moves to answers healthy the configured number of times in a row. Then the
 * jobs follow: the active region, recorded in the ledger's replica here, says which region's backup, scaling and
 * verification act (functions/shared/active-region.ts). Handed over at the proof, not at the switch: the switch can
 * run in parallel with a promotion or a restore, and a backup must not find the arriving database still coming up.
 * A repeated or resumed run writes it only when it is missing.
 */
export const health: RecoveryStep<'health'> = {
  pollSeconds: 10,
  start: async ({ to }) => ({ ready: false, waitSeconds: 0, detail: { consecutive: 0, endpoint: to.endpoint } }),
  async check({ to, toRole, settings, io, ledger, run, now }, detail) {
    const url = `http://${to.endpoint}${settings.healthCheckPath}`;
    const { healthy, answer } = await io.probeHealth(url);
    const consecutive = healthy ? detail.consecutive + 1 : 0;
    const ready = consecutive >= settings.healthyChecks;
    const jobsHandedOver = ready ? await handOver(ledger, toRole, run.executionName, now) : undefined;
    return {
      ready,
      waitSeconds: settings.healthIntervalSeconds,
      detail: { ...detail, url, consecutive, lastAnswer: answer, ...(ready ? { jobsHandedOver } : {}) },
    };
  },
};
