import { ChangeResourceRecordSetsCommand, GetChangeCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { LifelineError } from '../../shared/errors';
import { route53 } from '../../shared/clients';
import { failoverRecords, normalizeDns } from '../aws';
import type { RecoveryStep } from './step';

/** The record that takes the other's target (and health check). */
const swapped = (record: ResourceRecordSet, other: ResourceRecordSet): ResourceRecordSet => ({
  ...record,
  AliasTarget: other.AliasTarget,
  HealthCheckId: other.HealthCheckId,
});

/** The failover pair is switched to the region traffic moves to, and the change waited for until INSYNC. */
export const dns: RecoveryStep<'dns'> = {
  pollSeconds: 10,
  async start({ run, to, inventory, settings }) {
    const dns = inventory.dns;
    if (!dns) return { ready: true, detail: { skipped: 'no DNS configured' } };
    const pair = await failoverRecords(dns);
    const primary = pair.find((r) => r.Failover === 'PRIMARY');
    const secondary = pair.find((r) => r.Failover === 'SECONDARY');
    if (!primary || !secondary) throw new LifelineError('DnsRecordsMissing', `the failover pair of ${dns.domainName} is incomplete`);
    if (normalizeDns(primary.AliasTarget?.DNSName) === normalizeDns(to.endpoint))
      return { ready: true, detail: { note: `${dns.domainName} already points at ${to.region}` } };
    // Swap the targets: the region traffic moves to becomes PRIMARY, so a recovered old region cannot take traffic back on its own.
    const change = await route53().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: dns.hostedZoneId,
        ChangeBatch: {
          Comment: `Lifeline ${run.direction} ${run.executionName}`,
          Changes: [
            { Action: 'UPSERT', ResourceRecordSet: swapped(primary, secondary) },
            { Action: 'UPSERT', ResourceRecordSet: swapped(secondary, primary) },
          ],
        },
      }),
    );
    return {
      ready: false,
      waitSeconds: settings.timings.dnsPropagation,
      detail: { changeId: change.ChangeInfo?.Id, domainName: dns.domainName, to: to.endpoint },
    };
  },
  async check(_ctx, detail) {
    const change = await route53().send(new GetChangeCommand({ Id: String(detail.changeId) }));
    return { ready: change.ChangeInfo?.Status === 'INSYNC', detail: { ...detail, status: change.ChangeInfo?.Status } };
  },
};
