import type { LifelineConfigInput } from '../../contracts/config/schema';

/** Configurations the CDK tests synthesize besides the default (warm standby, no domain). */
export const PILOT_LIGHT = { dr: { strategy: 'pilot-light' } } satisfies LifelineConfigInput;

export const DOMAIN_AND_CERTIFICATES = {
  dns: { domainName: 'app.example.com', hostedZoneId: 'Z0123456789ABC' },
  service: {
    certificateArns: {
      primary: 'arn:aws:acm:us-east-1:111111111111:certificate/p',
      dr: 'arn:aws:acm:us-west-2:111111111111:certificate/d',
    },
  },
} satisfies LifelineConfigInput;
