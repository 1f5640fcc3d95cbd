import type { App } from 'aws-cdk-lib';
import type { LifelineConfig } from '../contracts/config/schema';
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
  const env = (region: string) => ({ account: config.account, region });
  const primary = new WorkloadStack(app, `${prefix}-Workload-Primary`, {
    env: env(config.regions.primary),
    config,
    role: 'primary',
    crossRegionReferences: true,
    description: `Lifeline ${config.appName}: protected application, primary region`,
  });
  const standby = new WorkloadStack(app, `${prefix}-Workload-Standby`, {
    env: env(config.regions.dr),
    config,
    role: 'standby',
    primaryDatabase: config.dr.strategy === 'warm-standby' ? primary.database.instance : undefined,
    crossRegionReferences: true,
    description: `Lifeline ${config.appName}: protected application, DR region (${config.dr.strategy})`,
  });
  const primaryControlPlane = new ControlPlaneStack(app, `${prefix}-ControlPlane-Primary`, {
    env: env(config.regions.primary),
    config,
    role: 'primary',
    primary,
    standby,
    functionFactory: options.functionFactory,
    crossRegionReferences: true,
    description: `Lifeline ${config.appName}: control plane, primary region`,
  });
  const standbyControlPlane = new ControlPlaneStack(app, `${prefix}-ControlPlane-Standby`, {
    env: env(config.regions.dr),
    config,
    role: 'standby',
    primary,
    standby,
    primaryControlPlane,
    functionFactory: options.functionFactory,
    crossRegionReferences: true,
    description: `Lifeline ${config.appName}: control plane, DR region`,
  });
  for (const stack of [primary, standby, primaryControlPlane, standbyControlPlane]) acknowledgeJustifiedWildcards(stack);
  return { primary, standby, primaryControlPlane, standbyControlPlane };
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}
