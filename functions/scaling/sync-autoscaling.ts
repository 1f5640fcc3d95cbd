import { DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import * as z from 'zod';
import { applicationAutoScaling } from '../shared/clients';
import { parseInput } from '../shared/errors';

const eventSchema = z.object({ region: z.string(), cluster: z.string(), service: z.string(), to: z.number().int().min(0) });

export interface AutoScalingSync {
  readonly present: boolean;
  readonly before?: { min: number; max: number };
  readonly after?: { min: number; max: number };
}

/**
 * When Application Auto Scaling also manages the service, keeps its bounds
 * consistent with the decision so the two never fight: MinCapacity becomes
 * the new count (target tracking cannot undo a scale-out) and MaxCapacity
 * never sits below it (it cannot clip one).
 */
export async function syncAutoScaling(event: z.infer<typeof eventSchema>): Promise<AutoScalingSync> {
  const resourceId = `service/${event.cluster}/${event.service}`;
  const client = applicationAutoScaling(event.region);
  const described = await client.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'ecs',
      ResourceIds: [resourceId],
      ScalableDimension: 'ecs:service:DesiredCount',
    }),
  );
  const target = described.ScalableTargets?.[0];
  if (!target) return { present: false };
  const before = { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 };
  const after = { min: event.to, max: Math.max(before.max, event.to) };
  if (after.min !== before.min || after.max !== before.max) {
    await client.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: resourceId,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: after.min,
        MaxCapacity: after.max,
      }),
    );
  }
  return { present: true, before, after };
}

export const handler = async (event: unknown) => syncAutoScaling(parseInput(eventSchema, event, 'auto scaling sync request'));
