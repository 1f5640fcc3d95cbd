import { ListResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { beforeEach, describe, expect, it } from 'vitest';
import { dnsChecks } from '../../../functions/dr/preflight/dns';
import { aws, awsError, inventory, preflightContext, resetAws, sent } from './fixtures';

const record = (failover: 'PRIMARY' | 'SECONDARY', name = 'shop.example.com.'): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  Failover: failover,
});

describe('preflight: DNS', () => {
  beforeEach(resetAws);

  it("passes with the domain's complete failover pair, whatever other records the zone lists", async () => {
    // Prepare
    aws.route53.global
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z0SHOP', StartRecordName: 'shop.example.com' })
      .resolves({ ResourceRecordSets: [record('PRIMARY'), record('SECONDARY'), record('PRIMARY', 'shop.example.com.other.')] });

    // Act
    const part = await dnsChecks(preflightContext());

    // Assess
    expect(part.checks).toEqual([{ name: 'DNS records', ok: true, blocking: true, detail: 'failover pair for shop.example.com found' }]);
  });

  it('blocks with half a pair', async () => {
    // Prepare
    aws.route53.global
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [record('PRIMARY'), { Name: 'shop.example.com.', Type: 'TXT' }] });

    // Act
    const part = await dnsChecks(preflightContext());

    // Assess
    expect(part.checks).toEqual([
      { name: 'DNS records', ok: false, blocking: true, detail: 'expected a PRIMARY and a SECONDARY record for shop.example.com, found 1' },
    ]);
  });

  it('blocks when Route 53 cannot be read', async () => {
    // Prepare
    aws.route53.global.on(ListResourceRecordSetsCommand).rejects(awsError('NoSuchHostedZone', 'no zone Z0SHOP'));

    // Act
    const part = await dnsChecks(preflightContext());

    // Assess
    expect(part.checks).toEqual([{ name: 'DNS records', ok: false, blocking: true, detail: 'NoSuchHostedZone: no zone Z0SHOP' }]);
  });

  it('without DNS configured: a finding that does not block, and no call', async () => {
    // Act
    const part = await dnsChecks(preflightContext({ inventory: { ...inventory, dns: undefined } }));

    // Assess
    expect(part.checks).toEqual([
      {
        name: 'DNS records',
        ok: false,
        blocking: false,
        detail: 'no DNS configured: clients must be pointed at the DR endpoint another way',
      },
    ]);
    expect(sent()).toEqual([]);
  });
});
