import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { dnsChecks } from '../../../functions/dr/preflight/dns';
import { aws, awsError, DR, inventory, preflightContext, resetAws, sent } from './fixtures';

const switchSays = (value: string) => aws.ssm[DR].on(GetParameterCommand).resolves({ Parameter: { Value: value } });
const alarmIs = (state: string) =>
  aws.cloudwatch[DR].on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [{ AlarmName: 'shop-traffic-to-dr', StateValue: state as never }],
  });

describe('preflight: traffic switch', () => {
  beforeEach(resetAws);

  it('passes when the switch and its alarm can be read in the DR region, saying where traffic goes', async () => {
    // Prepare
    switchSays('primary');
    alarmIs('OK');

    // Act
    const part = await dnsChecks(preflightContext());

    // Assess
    expect(part.checks).toEqual([
      {
        name: 'traffic switch',
        ok: true,
        blocking: true,
        detail: 'traffic goes to the primary region (alarm OK); the switch in us-west-2 moves it',
      },
    ]);
    expect(sent().map((c) => [c.service, c.region])).toEqual([
      ['ssm', DR],
      ['cloudwatch', DR],
    ]);
  });

  it('blocks when the switch holds a value that is not a region role', async () => {
    // Prepare
    switchSays('everywhere');
    alarmIs('OK');

    // Act
    const part = await dnsChecks(preflightContext());

    // Assess
    expect(part.checks).toEqual([
      expect.objectContaining({ name: 'traffic switch', ok: false, blocking: true, detail: expect.stringContaining('"everywhere"') }),
    ]);
  });

  it('blocks when the alarm cannot be read', async () => {
    // Prepare
    switchSays('primary');
    aws.cloudwatch[DR].on(DescribeAlarmsCommand).rejects(awsError('AccessDenied', 'not authorized to perform cloudwatch:DescribeAlarms'));

    // Act
    const part = await dnsChecks(preflightContext());

    // Assess
    expect(part.checks).toEqual([
      expect.objectContaining({ name: 'traffic switch', ok: false, blocking: true, detail: expect.stringContaining("runbook's role") }),
    ]);
  });

  it('notes that clients move another way when no DNS is configured', async () => {
    // Prepare
    switchSays('primary');
    alarmIs('OK');

    // Act
    const part = await dnsChecks(preflightContext({ inventory: { ...inventory, dns: undefined } }));

    // Assess
    expect(part.checks.at(-1)).toEqual({
      name: 'DNS records',
      ok: false,
      blocking: false,
      detail: 'no DNS configured: clients must be pointed at the DR endpoint another way',
    });
  });
});
