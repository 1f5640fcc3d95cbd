import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalBoolean, optionalNumber, optionalString, requireString, shortId } from '../util';

interface Task {
  readonly arn: string;
  readonly createdAt: number;
  /** When it reaches RUNNING; undefined while it cannot be placed. */
  runningAt?: number;
  /** When it was asked to stop and when it is STOPPED. */
  stoppingAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
}

interface ServiceEvent {
  readonly id: string;
  readonly createdAt: number;
  readonly message: string;
}

export interface EcsService {
  readonly name: string;
  readonly arn: string;
  readonly cluster: string;
  readonly region: string;
  desiredCount: number;
  readonly taskDefinition: string;
  deploymentId: string;
  deploymentCreatedAt: number;
  readonly tasks: Task[];
  readonly events: ServiceEvent[];
  /** The last time the twin announced steady state (so the event is written once per convergence). */
  steadyAnnounced: boolean;
}

const FARGATE_CAPACITY_MESSAGE =
  'was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone.';

/**
 * Amazon ECS on Fargate. A service's running count converges on its desired
 * count on the virtual clock: new tasks go PROVISIONING → PENDING → RUNNING
 * after the profile's task-start time, removed tasks DEACTIVATING → STOPPED
 * after the deregistration delay. A capacity-shortfall fault caps how many
 * tasks can be placed, and the service's events say why, as ECS does.
 */
export class EcsTwin implements TwinService {
  readonly name = 'ecs' as const;
  readonly clusters = new Map<string, Map<string, { arn: string; name: string }>>();
  readonly services = new Map<string, Map<string, EcsService>>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      DescribeClusters: (region: string, input: Input) => this.describeClusters(region, input),
      DescribeServices: (region: string, input: Input) => this.describeServices(region, input),
      UpdateService: (region: string, input: Input) => this.updateService(region, input),
      ListTasks: (region: string, input: Input) => this.listTasks(region, input),
      DescribeTasks: (region: string, input: Input) => this.describeTasks(region, input),
    };
  }

  private now(): number {
    return this.core.clock.now();
  }

  seedService(region: string, props: { cluster: string; service: string; desiredCount: number; taskDefinition: string }): EcsService {
    let clusters = this.clusters.get(region);
    if (!clusters) this.clusters.set(region, (clusters = new Map()));
    const clusterArn = this.core.arn('ecs', region, `cluster/${props.cluster}`);
    clusters.set(props.cluster, { arn: clusterArn, name: props.cluster });
    let services = this.services.get(region);
    if (!services) this.services.set(region, (services = new Map()));
    const service: EcsService = {
      name: props.service,
      arn: this.core.arn('ecs', region, `service/${props.cluster}/${props.service}`),
      cluster: props.cluster,
      region,
      desiredCount: props.desiredCount,
      taskDefinition: props.taskDefinition,
      deploymentId: shortId('ecs-svc/'),
      deploymentCreatedAt: this.now(),
      tasks: [],
      events: [],
      steadyAnnounced: true,
    };
    for (let i = 0; i < props.desiredCount; i += 1) service.tasks.push(this.newTask(service, this.now()));
    services.set(props.service, service);
    return service;
  }

  private newTask(service: EcsService, runningAt: number | undefined): Task {
    return { arn: this.core.arn('ecs', service.region, `task/${service.cluster}/${shortId()}`), createdAt: this.now(), runningAt };
  }

  private clusterName(region: string, ref: string | undefined): string {
    const name = (ref ?? 'default').replace(/^arn:aws:ecs:[^:]+:\d+:cluster\//, '');
    if (!this.clusters.get(region)?.has(name)) throw serviceError('ecs', 'ClusterNotFoundException', 'Cluster not found.');
    return name;
  }

  service(region: string, clusterRef: string | undefined, serviceRef: string): EcsService {
    const cluster = this.clusterName(region, clusterRef);
    const name = serviceRef.replace(/^arn:aws:ecs:[^:]+:\d+:service\/[^/]+\//, '');
    const found = this.services.get(region)?.get(name);
    if (!found || found.cluster !== cluster) throw serviceError('ecs', 'ServiceNotFoundException', 'Service not found.');
    return found;
  }

  /** Places waiting tasks up to the region's capacity and stops what finished draining. */
  private settle(service: EcsService): void {
    const now = this.now();
    const capacity = this.core.faults.taskCapacity(service.region);
    const live = service.tasks.filter((t) => t.stoppedAt === undefined || t.stoppedAt > now);
    const placed = live.filter((t) => t.runningAt !== undefined && t.stoppingAt === undefined);
    for (const task of live) {
      if (task.runningAt !== undefined || task.stoppingAt !== undefined) continue;
      if (capacity !== undefined && placed.length >= capacity) {
        if (!service.events.some((e) => e.createdAt === now && e.message.includes('unable to place'))) {
          service.events.unshift({ id: shortId(), createdAt: now, message: `(service ${service.name}) ${FARGATE_CAPACITY_MESSAGE}` });
        }
        continue;
      }
      task.runningAt = now + this.core.seconds('ecsTaskStart') * 1000;
      placed.push(task);
    }
    const counts = this.counts(service);
    if (counts.running === service.desiredCount && counts.pending === 0 && !service.steadyAnnounced) {
      service.steadyAnnounced = true;
      const at = Math.max(
        ...service.tasks.map((t) => t.runningAt ?? t.stoppedAt ?? 0).filter((t) => t <= now),
        service.deploymentCreatedAt,
      );
      service.events.unshift({ id: shortId(), createdAt: at, message: `(service ${service.name}) has reached a steady state.` });
    }
  }

  private counts(service: EcsService): { running: number; pending: number } {
    const now = this.now();
    let running = 0;
    let pending = 0;
    for (const task of service.tasks) {
      if (task.stoppedAt !== undefined && task.stoppedAt <= now) continue;
      if (task.runningAt !== undefined && task.runningAt <= now) running += 1;
      else if (task.stoppingAt === undefined) pending += 1;
    }
    return { running, pending };
  }

  private render(service: EcsService): object {
    this.settle(service);
    const { running, pending } = this.counts(service);
    const completed = running === service.desiredCount && pending === 0;
    return {
      serviceName: service.name,
      serviceArn: service.arn,
      clusterArn: this.core.arn('ecs', service.region, `cluster/${service.cluster}`),
      status: 'ACTIVE',
      desiredCount: service.desiredCount,
      runningCount: running,
      pendingCount: pending,
      launchType: 'FARGATE',
      taskDefinition: service.taskDefinition,
      deployments: [
        {
          id: service.deploymentId,
          status: 'PRIMARY',
          taskDefinition: service.taskDefinition,
          desiredCount: service.desiredCount,
          runningCount: running,
          pendingCount: pending,
          createdAt: new Date(service.deploymentCreatedAt),
          updatedAt: new Date(this.now()),
          rolloutState: completed ? 'COMPLETED' : 'IN_PROGRESS',
          rolloutStateReason: completed ? 'ECS deployment completed.' : 'ECS deployment in progress.',
        },
      ],
      events: service.events.slice(0, 100).map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
      },
    };
  }

  async describeClusters(region: string, input: Input): Promise<object> {
    const refs = Array.isArray(input.clusters) ? input.clusters.map(String) : ['default'];
    const clusters: object[] = [];
    const failures: object[] = [];
    for (const ref of refs) {
      const name = ref.replace(/^arn:aws:ecs:[^:]+:\d+:cluster\//, '');
      const cluster = this.clusters.get(region)?.get(name);
      if (!cluster) {
        failures.push({ arn: this.core.arn('ecs', region, `cluster/${name}`), reason: 'MISSING' });
        continue;
      }
      const services = [...(this.services.get(region)?.values() ?? [])].filter((s) => s.cluster === name);
      clusters.push({
        clusterArn: cluster.arn,
        clusterName: name,
        status: 'ACTIVE',
        activeServicesCount: services.length,
        runningTasksCount: services.reduce((n, s) => n + this.counts(s).running, 0),
        pendingTasksCount: services.reduce((n, s) => n + this.counts(s).pending, 0),
        settings: [{ name: 'containerInsights', value: 'enhanced' }],
      });
    }
    return { clusters, failures };
  }

  async describeServices(region: string, input: Input): Promise<object> {
    const cluster = optionalString(input, 'cluster');
    const refs = Array.isArray(input.services) ? input.services.map(String) : [];
    this.clusterName(region, cluster);
    const services: object[] = [];
    const failures: object[] = [];
    for (const ref of refs) {
      try {
        services.push(this.render(this.service(region, cluster, ref)));
      } catch {
        failures.push({ arn: this.core.arn('ecs', region, `service/${cluster ?? 'default'}/${ref}`), reason: 'MISSING' });
      }
    }
    return { services, failures };
  }

  async updateService(region: string, input: Input): Promise<object> {
    const service = this.service(region, optionalString(input, 'cluster'), requireString('ecs', input, 'service'));
    const desired = optionalNumber(input, 'desiredCount');
    const now = this.now();
    this.settle(service);
    if (desired !== undefined) {
      if (desired < 0) throw serviceError('ecs', 'InvalidParameterException', 'desiredCount must be >= 0.');
      const live = service.tasks.filter((t) => t.stoppingAt === undefined && (t.stoppedAt === undefined || t.stoppedAt > now));
      if (desired > live.length) {
        for (let i = live.length; i < desired; i += 1) service.tasks.push(this.newTask(service, undefined));
      } else {
        // ECS stops the newest (not yet running first) tasks when scaling in.
        const victims = [...live].sort((a, b) => (b.runningAt ?? Infinity) - (a.runningAt ?? Infinity)).slice(0, live.length - desired);
        for (const task of victims) {
          task.stoppingAt = now;
          task.stoppedAt = task.runningAt !== undefined && task.runningAt <= now ? now + this.core.seconds('ecsTaskStop') * 1000 : now;
          task.stoppedReason = 'Scaling activity initiated by (deployment ' + service.deploymentId + ')';
        }
      }
      service.desiredCount = desired;
    }
    if (optionalBoolean(input, 'forceNewDeployment')) {
      // A rolling replacement: new tasks start, old ones drain once the new are running.
      service.deploymentId = shortId('ecs-svc/');
      service.deploymentCreatedAt = now;
      for (const task of service.tasks.filter((t) => t.stoppingAt === undefined && (t.stoppedAt === undefined || t.stoppedAt > now))) {
        task.stoppingAt = now + this.core.seconds('ecsTaskStart') * 1000;
        task.stoppedAt = task.stoppingAt + this.core.seconds('ecsTaskStop') * 1000;
        task.stoppedReason = 'Task replaced by a new deployment';
        service.tasks.push(this.newTask(service, undefined));
      }
    }
    service.steadyAnnounced = false;
    this.core.mutate(region, 'ecs', 'UpdateService', 'modify', service.arn);
    return { service: this.render(service) };
  }

  async listTasks(region: string, input: Input): Promise<object> {
    const cluster = this.clusterName(region, optionalString(input, 'cluster'));
    const serviceName = optionalString(input, 'serviceName');
    const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
    const now = this.now();
    const services = [...(this.services.get(region)?.values() ?? [])].filter(
      (s) => s.cluster === cluster && (!serviceName || s.name === serviceName),
    );
    if (serviceName && services.length === 0) throw serviceError('ecs', 'ServiceNotFoundException', 'Service not found.');
    const taskArns = services.flatMap((s) => {
      this.settle(s);
      return s.tasks
        .filter((t) =>
          desiredStatus === 'STOPPED'
            ? t.stoppingAt !== undefined && t.stoppingAt <= now
            : t.stoppingAt === undefined || t.stoppingAt > now,
        )
        .map((t) => t.arn);
    });
    return { taskArns };
  }

  async describeTasks(region: string, input: Input): Promise<object> {
    const cluster = this.clusterName(region, optionalString(input, 'cluster'));
    const wanted = new Set(Array.isArray(input.tasks) ? input.tasks.map(String) : []);
    const now = this.now();
    const tasks: object[] = [];
    for (const service of this.services.get(region)?.values() ?? []) {
      if (service.cluster !== cluster) continue;
      for (const task of service.tasks) {
        if (!wanted.has(task.arn)) continue;
        const stopped = task.stoppedAt !== undefined && task.stoppedAt <= now;
        const running = task.runningAt !== undefined && task.runningAt <= now;
        const lastStatus = stopped
          ? 'STOPPED'
          : task.stoppingAt !== undefined && task.stoppingAt <= now
            ? 'DEACTIVATING'
            : running
              ? 'RUNNING'
              : task.runningAt === undefined
                ? 'PROVISIONING'
                : 'PENDING';
        tasks.push({
          taskArn: task.arn,
          clusterArn: this.core.arn('ecs', region, `cluster/${cluster}`),
          group: `service:${service.name}`,
          launchType: 'FARGATE',
          lastStatus,
          desiredStatus: task.stoppingAt !== undefined && task.stoppingAt <= now ? 'STOPPED' : 'RUNNING',
          createdAt: new Date(task.createdAt),
          startedAt: running && task.runningAt !== undefined ? new Date(task.runningAt) : undefined,
          stoppedAt: stopped && task.stoppedAt !== undefined ? new Date(task.stoppedAt) : undefined,
          stoppedReason: task.stoppingAt !== undefined && task.stoppingAt <= now ? task.stoppedReason : undefined,
        });
      }
    }
    const failures = [...wanted]
      .filter((arn) => !tasks.some((t) => 'taskArn' in t && t.taskArn === arn))
      .map((arn) => ({ arn, reason: 'MISSING' }));
    return { tasks, failures };
  }

  /** Running tasks of a service right now (the load balancer's view). */
  runningCount(region: string, cluster: string, serviceName: string): number {
    const service = this.services.get(region)?.get(serviceName);
    if (!service || service.cluster !== cluster) return 0;
    this.settle(service);
    return this.counts(service).running;
  }
}
