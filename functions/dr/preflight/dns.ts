import { readTraffic, trafficAlarm } from '../../shared/traffic';
import { Findings, type PreflightContext } from './findings';
import type { Part } from './plan';

/**
 * The traffic switch, read where it lives (the DR region, the runbook's own): the parameter saying which region
 * serves, and the alarm Route 53's health check reads. Without DNS, clients are the operator's to move.
 */
export async function dnsChecks({ inventory, to, toRole }: PreflightContext): Promise<Part> {
  const findings = new Findings();
  const region = inventory.dr.region;
  const traffic = await findings.probe('traffic switch', true, () => readTraffic(region, inventory.appName));
  const alarm = await findings.probe('traffic switch', true, () => trafficAlarm(region, inventory.appName));
  if (traffic && alarm)
    findings.pass(
      'traffic switch',
      traffic === toRole
        ? `traffic already goes to ${to.region} (alarm ${alarm.state})`
        : `traffic goes to the ${traffic} region (alarm ${alarm.state}); the switch in ${region} moves it`,
    );
  if (!inventory.dns) findings.note('DNS records', false, 'no DNS configured: clients must be pointed at the DR endpoint another way');
  return { checks: findings.checks };
}
