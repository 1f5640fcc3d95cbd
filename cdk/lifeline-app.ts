import type { App } from 'aws-cdk-lib';
import type { LifelineConfig, RegionRole } from '../contracts/config/schema';
import { acknowledgeJustifiedWildcards } from './compliance/iam-evidence';
import type { FunctionFactory } from './control-plane/ops-function';
import { ControlPlaneStack } from './stacks/control-plane-stack';
import { WorkloadStack } from './stacks/workload-stack';

export interface LifelineStacks {
  readonly primary: WorkloadStack;
  readonly standby: WorkloadStack;
  readonly primaryControlPlane: ControlPlaneStack;
  readonly standbyControlPlane: ControlPlaneStack;
}

export interface BuildOptions {
  /** How Lambda code is built; tests pass placeholderCode so they never bundle. */
  readonly functionFactory?: FunctionFactory;
}

/**
 * Creates every stack of a Lifeline deployment in `app`: the workload in the
 * primary and DR regions. Tests call this with their own App and config.
 */
export function buildLifeline(app: App, config: LifelineConfig, options: BuildOptions = {}): LifelineStacks {
  const prefix = pascal(config.appName);
  /** What every stack of a role shares: its region, the configuration, cross-region references (each region's stacks use the other's). */
  const placed = (role: RegionRole) => ({
    env: { account: config.account, region: role === 'primary' ? config.regions.primary : config.regions.dr },
    config,
    role,
    crossRegionReferences: true,
  });
  const primary = new WorkloadStack(app, `${prefix}-Workload-Primary`, {
    ...placed('primary'),
    description: `Lifeline ${config.appName}: protected application, primary region`,
  });
  const standby = new WorkloadStack(app, `${prefix}-Workload-Standby`, {
    ...placed('standby'),
    primaryDatabase: config.dr.strategy === 'warm-standby' ? primary.database.instance : undefined,
    primaryLoadBalancer: primary.service.loadBalancer,
    backupReplicationSource: primary.database.instance,
    description: `Lifeline ${config.appName}: protected application, DR region (${config.dr.strategy})`,
  });
  const controlPlaneInputs = { primary, standby, functionFactory: options.functionFactory };
  const primaryControlPlane = new ControlPlaneStack(app, `${prefix}-ControlPlane-Primary`, {
    ...placed('primary'),
    ...controlPlaneInputs,
    description: `Lifeline ${config.appName}: control plane, primary region`,
  });
  const standbyControlPlane = new ControlPlaneStack(app, `${prefix}-ControlPlane-Standby`, {
    ...placed('standby'),
    ...controlPlaneInputs,
    primaryControlPlane,
    description: `Lifeline ${config.appName}: control plane, DR region`,
  });
  for (const stack of [primary, standby, primaryControlPlane, standbyControlPlane]) acknowledgeJustifiedWildcards(stack);
  return { primary, standby, primaryControlPlane, standbyControlPlane };
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}
