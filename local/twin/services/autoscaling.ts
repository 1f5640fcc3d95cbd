import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalNumber, requireString } from '../util';

interface ScalableTarget {
  readonly namespace: string;
  readonly resourceId: string;
  readonly dimension: string;
  minCapacity: number;
  maxCapacity: number;
}

/** Application Auto Scaling: scalable targets (the bounds the scaling workflow keeps consistent). */
export class AutoScalingTwin implements TwinService {
  readonly name = 'applicationautoscaling' as const;
  readonly targets = new Map<string, Map<string, ScalableTarget>>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      DescribeScalableTargets: (region: string, input: Input) => this.describe(region, input),
      RegisterScalableTarget: (region: string, input: Input) => this.register(region, input),
    };
  }

  private map(region: string): Map<string, ScalableTarget> {
    let map = this.targets.get(region);
    if (!map) this.targets.set(region, (map = new Map()));
    return map;
  }

  target(region: string, resourceId: string): ScalableTarget | undefined {
    return this.map(region).get(resourceId);
  }

  async describe(region: string, input: Input): Promise<object> {
    const namespace = requireString('applicationautoscaling', input, 'ServiceNamespace');
    const ids = Array.isArray(input.ResourceIds) ? input.ResourceIds.map(String) : undefined;
    const list = [...this.map(region).values()].filter((t) => t.namespace === namespace && (!ids || ids.includes(t.resourceId)));
    return {
      ScalableTargets: list.map((t) => ({
        ServiceNamespace: t.namespace,
        ResourceId: t.resourceId,
        ScalableDimension: t.dimension,
        MinCapacity: t.minCapacity,
        MaxCapacity: t.maxCapacity,
      })),
    };
  }

  async register(region: string, input: Input): Promise<object> {
    const namespace = requireString('applicationautoscaling', input, 'ServiceNamespace');
    const resourceId = requireString('applicationautoscaling', input, 'ResourceId');
    const dimension = requireString('applicationautoscaling', input, 'ScalableDimension');
    const existing = this.map(region).get(resourceId);
    const minCapacity = optionalNumber(input, 'MinCapacity') ?? existing?.minCapacity;
    const maxCapacity = optionalNumber(input, 'MaxCapacity') ?? existing?.maxCapacity;
    if (minCapacity === undefined || maxCapacity === undefined)
      throw serviceError(
        'applicationautoscaling',
        'ValidationException',
        'MinCapacity and MaxCapacity are required for a new scalable target',
      );
    if (minCapacity > maxCapacity)
      throw serviceError(
        'applicationautoscaling',
        'ValidationException',
        `MinCapacity ${minCapacity} is greater than MaxCapacity ${maxCapacity}`,
      );
    this.map(region).set(resourceId, { namespace, resourceId, dimension, minCapacity, maxCapacity });
    this.core.mutate(region, 'applicationautoscaling', 'RegisterScalableTarget', existing ? 'modify' : 'create', resourceId);
    return { ScalableTargetARN: this.core.arn('application-autoscaling', region, `scalable-target/${resourceId}`) };
  }
}
