import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { checkTemplates } from '../../cdk/compliance';
import { synthLifeline } from '../../cdk/synth';
import { DOMAIN_AND_CERTIFICATES, PILOT_LIGHT } from '../support/configs';

const VARIANTS = { 'warm standby': {}, 'pilot light': PILOT_LIGHT, 'domain and certificates': DOMAIN_AND_CERTIFICATES };

describe('compliance', () => {
  it.each(Object.entries(VARIANTS))(
    'synthesizes %s with no unacknowledged cdk-nag finding and no Lifeline rule finding',
    (_name, input) => {
      // synthLifeline runs AwsSolutionsChecks; app.synth() throws "Validation failed" on any finding.
      const { json } = synthLifeline(input);
      expect(checkTemplates(json)).toEqual([]);
    },
  );

  it('fails synthesis on an unacknowledged cdk-nag finding (the check can fail)', () => {
    const app = new App();
    const stack = new Stack(app, 'Leaky', { env: { region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
    new ec2.SecurityGroup(stack, 'Open', { vpc }).addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });

  it('gives every acknowledgement a reason', () => {
    const { stacks } = synthLifeline({});
    const acknowledgements = Object.values(stacks).flatMap((stack: Stack) =>
      stack.node.findAll().flatMap((c: IConstruct) => c.node.metadata.filter((m) => /acknowledg/i.test(m.type))),
    );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) expect(JSON.stringify(ack.data)).toMatch(/.{40,}/);
  });
});
