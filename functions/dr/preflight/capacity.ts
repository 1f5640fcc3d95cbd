import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { FARGATE_VCPU_QUOTA } from '../../../contracts/dr-runbook';
import { serviceQuotas } from '../../shared/clients';
import { messageOf } from '../deps';
import { Findings, isDenied, type PreflightContext } from './findings';
import type { Part } from './plan';

const { serviceCode, quotaCode } = FARGATE_VCPU_QUOTA;

/** The Fargate vCPU quota Service Quotas applies in the region traffic moves to, else the configured one; and which it is. */
async function vcpuQuota({ to, settings }: PreflightContext): Promise<{ quota: number; source: string }> {
  const configured = 'configured dr.fargateVcpuQuota';
  try {
    const applied = (await serviceQuotas(to.region).send(new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode })))
      .Quota?.Value;
    return applied === undefined
      ? { quota: settings.fargateVcpuQuota, source: configured }
      : { quota: applied, source: `Service Quotas ${serviceCode}/${quotaCode}` };
  } catch (error) {
    const why = isDenied(error) ? "the runbook's role may not read it" : messageOf(error);
    return { quota: settings.fargateVcpuQuota, source: `${configured}; Service Quotas did not answer: ${why}` };
  }
}

/** Capacity: the tasks the runbook will run must fit the region's Fargate vCPU quota. */
export async function capacityChecks(ctx: PreflightContext, desiredCount: number): Promise<Part> {
  const { to, settings } = ctx;
  const findings = new Findings();
  const { quota, source } = await vcpuQuota(ctx);
  const vcpu = desiredCount * settings.taskVcpu;
  const demand = `${desiredCount} tasks × ${settings.taskVcpu} vCPU = ${vcpu}`;
  if (vcpu <= quota) findings.pass('Fargate vCPU quota', `${demand} of ${quota} in ${to.region} (${source})`);
  else
    findings.fail(
      'Fargate vCPU quota',
      `${demand} exceeds the quota of ${quota} in ${to.region} (${source}): raise it (Service Quotas ${quotaCode}) first`,
    );
  return { checks: findings.checks };
}
