import * as z from 'zod';
import { isServiceName, type ServiceName } from './sdk-models';

/** A fault a scenario injects into the twin's API calls. */
export const faultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('throttle'),
      service: z.string().refine(isServiceName, 'must be a twin service name'),
      action: z.string().optional(),
      region: z.string().optional(),
      /** How many matching calls it affects. @default 1 */
      count: z.number().int().positive().default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('fail'),
      service: z.string().refine(isServiceName, 'must be a twin service name'),
      action: z.string().optional(),
      region: z.string().optional(),
      /** The exception name the call fails with (as the SDK names it). */
      error: z.string().min(1),
      message: z.string().default('Injected by the twin'),
      count: z.number().int().positive().default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('delay'),
      service: z.string().refine(isServiceName, 'must be a twin service name'),
      action: z.string().optional(),
      region: z.string().optional(),
      seconds: z.number().positive(),
      count: z.number().int().positive().default(1),
    })
    .strict(),
  z
    .object({
      /** Every call to the region fails, for every service, until restored. */
      kind: z.literal('region-outage'),
      region: z.string().min(1),
      /** Virtual seconds after which the outage starts, counted from when it is added. @default 0 */
      afterSeconds: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      /** ECS cannot place more than `maxTasks` tasks per service in this region. */
      kind: z.literal('capacity-shortfall'),
      region: z.string().min(1),
      maxTasks: z.number().int().min(0),
    })
    .strict(),
]);
export type FaultSpec = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

export interface CallFault {
  readonly kind: 'throttle' | 'fail' | 'delay';
  readonly error?: string;
  readonly message?: string;
  readonly seconds?: number;
}

/** The scenario's faults, consumed call by call. */
export class FaultPlan {
  private readonly active: (Fault & { remaining?: number; startsAt?: number })[] = [];
  /** Region outages that have ended, for what was measured during them (a probe's datapoints published late). */
  private readonly ended: { region: string; from: number; until: number }[] = [];

  add(spec: FaultSpec, now: number): void {
    const fault = faultSchema.parse(spec);
    this.active.push({
      ...fault,
      ...('count' in fault ? { remaining: fault.count } : {}),
      ...(fault.kind === 'region-outage' ? { startsAt: now + fault.afterSeconds * 1000 } : {}),
    });
  }

  clear(kind?: Fault['kind'], region?: string, now?: number): void {
    for (let i = this.active.length - 1; i >= 0; i -= 1) {
      const fault = this.active[i];
      if ((kind === undefined || fault.kind === kind) && (region === undefined || ('region' in fault && fault.region === region))) {
        if (fault.kind === 'region-outage' && now !== undefined && (fault.startsAt ?? 0) <= now)
          this.ended.push({ region: fault.region, from: fault.startsAt ?? 0, until: now });
        this.active.splice(i, 1);
      }
    }
  }

  /** Whether `region` was down at `at` (an outage going on, or one that has ended, cleared with its time). */
  wasDown(region: string, at: number): boolean {
    return (
      this.active.some((f) => f.kind === 'region-outage' && f.region === region && (f.startsAt ?? 0) <= at) ||
      this.ended.some((o) => o.region === region && o.from <= at && at < o.until)
    );
  }

  regionDown(region: string, now: number): boolean {
    return this.active.some((f) => f.kind === 'region-outage' && f.region === region && (f.startsAt ?? 0) <= now);
  }

  /** When the outage of `region` started, if it is down now. */
  outageStart(region: string, now: number): number | undefined {
    const starts = this.active.flatMap((f) =>
      f.kind === 'region-outage' && f.region === region && (f.startsAt ?? 0) <= now ? [f.startsAt ?? 0] : [],
    );
    return starts.length ? Math.min(...starts) : undefined;
  }

  taskCapacity(region: string): number | undefined {
    const caps = this.active.filter((f) => f.kind === 'capacity-shortfall' && f.region === region);
    return caps.length ? Math.min(...caps.map((f) => (f.kind === 'capacity-shortfall' ? f.maxTasks : Infinity))) : undefined;
  }

  /** The fault this call meets, if any (decrements its count). */
  take(service: ServiceName, action: string, region: string): CallFault | undefined {
    for (const fault of this.active) {
      if (fault.kind !== 'throttle' && fault.kind !== 'fail' && fault.kind !== 'delay') continue;
      if (fault.service !== service) continue;
      if (fault.action && fault.action !== action) continue;
      if (fault.region && fault.region !== region) continue;
      if ((fault.remaining ?? 0) <= 0) continue;
      fault.remaining = (fault.remaining ?? 0) - 1;
      if (fault.kind === 'fail') return { kind: 'fail', error: fault.error, message: fault.message };
      if (fault.kind === 'delay') return { kind: 'delay', seconds: fault.seconds };
      return { kind: 'throttle' };
    }
    return undefined;
  }
}

/**
 * The `--fault` shorthand: `region-outage:us-east-1`, `throttle:rds:CopyDBSnapshot:3`,
 * `fail:ecs:UpdateService:ServiceNotFoundException[:count]`, `delay:rds:CreateDBSnapshot:600[:count]`,
 * `capacity:us-west-2:2`.
 */
export function parseFaultShorthand(text: string): FaultSpec {
  const parts = text.split(':');
  const [kind] = parts;
  const count = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  switch (kind) {
    case 'region-outage':
      if (parts.length !== 2) break;
      return { kind: 'region-outage', region: parts[1] };
    case 'throttle':
      if (parts.length < 3 || parts.length > 4) break;
      return { kind: 'throttle', service: parts[1], action: parts[2], count: count(parts[3]) };
    case 'fail':
      if (parts.length < 4 || parts.length > 5) break;
      return { kind: 'fail', service: parts[1], action: parts[2], error: parts[3], count: count(parts[4]) };
    case 'delay':
      if (parts.length < 4 || parts.length > 5) break;
      return { kind: 'delay', service: parts[1], action: parts[2], seconds: Number(parts[3]), count: count(parts[4]) };
    case 'capacity':
      if (parts.length !== 3) break;
      return { kind: 'capacity-shortfall', region: parts[1], maxTasks: Number(parts[2]) };
    default:
      break;
  }
  throw new Error(
    `Invalid fault "${text}": expected region-outage:<region>, throttle:<service>:<Action>[:count], ` +
      'fail:<service>:<Action>:<Error>[:count], delay:<service>:<Action>:<seconds>[:count] or capacity:<region>:<maxTasks>',
  );
}
