import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { beforeEach, describe, expect, it } from 'vitest';
import { capacityChecks } from '../../../functions/dr/preflight/capacity';
import { aws, awsError, DR, preflightContext, resetAws } from './fixtures';

const fargateQuota = { ServiceCode: 'fargate', QuotaCode: 'L-3032A538' };

describe('preflight: capacity', () => {
  beforeEach(resetAws);

  it('passes when the tasks fit the Fargate vCPU quota Service Quotas applies in the DR region', async () => {
    // Prepare
    aws.servicequotas[DR].on(GetServiceQuotaCommand, fargateQuota).resolves({ Quota: { Value: 4 } });

    // Act
    const part = await capacityChecks(preflightContext(), 8);

    // Assess
    expect(part.checks).toEqual([
      {
        name: 'Fargate vCPU quota',
        ok: true,
        blocking: true,
        detail: `8 tasks × 0.5 vCPU = 4 of 4 in ${DR} (Service Quotas fargate/L-3032A538)`,
      },
    ]);
  });

  it('blocks when they exceed it, naming the quota to raise', async () => {
    // Prepare
    aws.servicequotas[DR].on(GetServiceQuotaCommand, fargateQuota).resolves({ Quota: { Value: 3 } });

    // Act
    const part = await capacityChecks(preflightContext(), 8);

    // Assess
    expect(part.checks).toEqual([
      {
        name: 'Fargate vCPU quota',
        ok: false,
        blocking: true,
        detail:
          `8 tasks × 0.5 vCPU = 4 exceeds the quota of 3 in ${DR} (Service Quotas fargate/L-3032A538): ` +
          'raise it (Service Quotas L-3032A538) first',
      },
    ]);
  });

  it.each([
    ['it may not be read', awsError('AccessDeniedException', 'no'), "the runbook's role may not read it"],
    ['it fails', awsError('ServiceException', 'try later'), 'ServiceException: try later'],
  ])('falls back to the configured quota when Service Quotas does not answer because %s, and says why', async (_, error, why) => {
    // Prepare
    aws.servicequotas[DR].on(GetServiceQuotaCommand).rejects(error);

    // Act
    const part = await capacityChecks(preflightContext({ settings: { fargateVcpuQuota: 3 } }), 8);

    // Assess
    const source = `configured dr.fargateVcpuQuota; Service Quotas did not answer: ${why}`;
    expect(part.checks).toMatchObject([{ ok: false, detail: expect.stringContaining(`exceeds the quota of 3 in ${DR} (${source})`) }]);
  });

  it('uses the configured quota when Service Quotas has no value for the region', async () => {
    // Prepare
    aws.servicequotas[DR].on(GetServiceQuotaCommand).resolves({ Quota: {} });

    // Act
    const part = await capacityChecks(preflightContext({ settings: { fargateVcpuQuota: 6 } }), 8);

    // Assess
    expect(part.checks).toMatchObject([{ ok: true, detail: `8 tasks × 0.5 vCPU = 4 of 6 in ${DR} (configured dr.fargateVcpuQuota)` }]);
  });
});
