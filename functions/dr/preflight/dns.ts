import { failoverRecords } from '../aws';
import { Findings, type PreflightContext } from './findings';
import type { Part } from './plan';

/** DNS: the failover pair must be there to switch; without DNS configured, clients are the operator's to move. */
export async function dnsChecks({ inventory }: PreflightContext): Promise<Part> {
  const findings = new Findings();
  const dns = inventory.dns;
  if (!dns) {
    findings.note('DNS records', false, 'no DNS configured: clients must be pointed at the DR endpoint another way');
    return { checks: findings.checks };
  }
  const pair = await findings.probe('DNS records', true, () => failoverRecords(dns));
  if (pair?.length === 2) findings.pass('DNS records', `failover pair for ${dns.domainName} found`);
  else if (pair) findings.fail('DNS records', `expected a PRIMARY and a SECONDARY record for ${dns.domainName}, found ${pair.length}`);
  return { checks: findings.checks };
}
