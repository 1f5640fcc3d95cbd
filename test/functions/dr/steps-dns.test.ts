import {
  ChangeResourceRecordSetsCommand,
  type ChangeStatus,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { beforeEach, describe, expect, it } from 'vitest';
import { dns } from '../../../functions/dr/steps/dns';
import { aws, changes, inventory, resetAws, sent, settings, stepContext } from './fixtures';

const alias = (endpoint: string) => ({ DNSName: `dualstack.${endpoint}.`, HostedZoneId: 'ZALB', EvaluateTargetHealth: true });
const primaryRecord: ResourceRecordSet = {
  Name: 'shop.example.com.',
  Type: 'A',
  SetIdentifier: 'primary',
  Failover: 'PRIMARY',
  AliasTarget: alias('shop-primary.elb.example.com'),
  HealthCheckId: 'hc-primary',
};
const secondaryRecord: ResourceRecordSet = {
  Name: 'shop.example.com.',
  Type: 'A',
  SetIdentifier: 'dr',
  Failover: 'SECONDARY',
  AliasTarget: alias('shop-dr.elb.example.com'),
  HealthCheckId: 'hc-dr',
};
const unrelated: ResourceRecordSet = { Name: 'shop.example.com.', Type: 'TXT', ResourceRecords: [{ Value: '"v=spf1"' }] };

describe('dns step', () => {
  beforeEach(resetAws);

  it('start swaps the failover pair: the DR endpoint becomes PRIMARY, with its health check', async () => {
    // Prepare
    aws.route53.global
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z0SHOP', StartRecordName: 'shop.example.com' })
      .resolves({ ResourceRecordSets: [unrelated, primaryRecord, secondaryRecord] });
    aws.route53.global
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });

    // Act
    const outcome = await dns.start(stepContext());

    // Assess
    expect(changes()).toEqual([
      {
        service: 'route53',
        region: 'global',
        command: 'ChangeResourceRecordSets',
        input: {
          HostedZoneId: 'Z0SHOP',
          ChangeBatch: {
            Comment: 'Lifeline failover failover-1',
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: { ...primaryRecord, AliasTarget: alias('shop-dr.elb.example.com'), HealthCheckId: 'hc-dr' },
              },
              {
                Action: 'UPSERT',
                ResourceRecordSet: { ...secondaryRecord, AliasTarget: alias('shop-primary.elb.example.com'), HealthCheckId: 'hc-primary' },
              },
            ],
          },
        },
      },
    ]);
    expect(outcome).toEqual({
      ready: false,
      waitSeconds: settings.timings.dnsPropagation,
      detail: { changeId: '/change/C1', domainName: 'shop.example.com', to: 'shop-dr.elb.example.com' },
    });
  });

  it('start changes nothing when PRIMARY already points at the DR endpoint (a re-run)', async () => {
    // Prepare
    const switched = { ...primaryRecord, AliasTarget: alias('shop-dr.elb.example.com') };
    aws.route53.global.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [switched, secondaryRecord] });

    // Act
    const outcome = await dns.start(stepContext());

    // Assess
    expect(changes()).toEqual([]);
    expect(outcome).toEqual({ ready: true, detail: { note: 'shop.example.com already points at us-west-2' } });
  });

  it('start fails on an incomplete failover pair, changing nothing', async () => {
    // Prepare
    aws.route53.global.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [unrelated, primaryRecord] });

    // Act
    const started = dns.start(stepContext());

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'DnsRecordsMissing' });
    expect(changes()).toEqual([]);
  });

  it('start is done at once, without a call, when no DNS is configured', async () => {
    // Act
    const outcome = await dns.start(stepContext({ inventory: { ...inventory, dns: undefined } }));

    // Assess
    expect(outcome).toEqual({ ready: true, detail: { skipped: 'no DNS configured' } });
    expect(sent()).toEqual([]);
  });

  it.each<[ChangeStatus, boolean]>([
    ['PENDING', false],
    ['INSYNC', true],
  ])('check of the change: %s is ready %s', async (status, ready) => {
    // Prepare
    aws.route53.global
      .on(GetChangeCommand, { Id: '/change/C1' })
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: status, SubmittedAt: new Date() } });
    const detail = { changeId: '/change/C1', domainName: 'shop.example.com', to: 'shop-dr.elb.example.com' };

    // Act
    const outcome = await dns.check(stepContext(), detail);

    // Assess
    expect(outcome).toEqual({ ready, detail: { ...detail, status } });
  });
});
