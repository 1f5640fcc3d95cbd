import { isRecord } from '../cdk/compliance/rule';
import type { Synthesized } from '../cdk/synth';
import { METRICS, METRICS_NAMESPACE, serviceNameOf } from '../contracts/metrics';

type Publisher = keyof typeof METRICS;

/** What a schedule starts: a workflow (by the job its state machine runs) or a function. */
export type ScheduleTarget =
  { readonly kind: 'workflow'; readonly job: string } | { readonly kind: 'function'; readonly logicalId: string };

export interface Schedule {
  readonly stack: string;
  readonly logicalId: string;
  readonly expression: string;
  readonly target: ScheduleTarget;
  /**
   * A workflow schedule of the DR region's control plane: in the steady state (the primary active) each run is the
   * passive region's recorded no-op, not a backup or a verification.
   */
  readonly passive: boolean;
}

/** What the deployment is billed for by count, read from its synthesized templates. */
export interface TemplateCounts {
  readonly alarms: number;
  /** What CloudWatch bills alarms by: an alarm on a metric math expression evaluates, and costs, each of its metrics. */
  readonly alarmMetrics: number;
  readonly customMetrics: number;
  /**
   * Those published in the steady state (the primary active): the DR region's jobs publish only their passive
   * no-op counts there, so their other metrics cost nothing until a failover (CloudWatch bills a custom metric by
   * the hours it is published in).
   */
  readonly steadyStateCustomMetrics: number;
  readonly schedules: readonly Schedule[];
}

/** One metric a template reads (in an alarm or on the dashboard), in the region it is read in. */
interface MetricReference {
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

interface Resource {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

interface StackTemplate {
  readonly name: string;
  readonly region: string;
  readonly resources: ReadonlyMap<string, Resource>;
}

/** Counts alarms, custom metrics and schedules over every stack of a synthesized deployment. */
export function countTemplates(synthesized: Synthesized): TemplateCounts {
  const stacks = stackTemplates(synthesized);
  const alarms = stacks.flatMap((stack) => resourcesOf(stack, 'AWS::CloudWatch::Alarm').map((alarm) => alarmMetrics(stack, alarm)));
  const dashboards = stacks.flatMap((stack) => resourcesOf(stack, 'AWS::CloudWatch::Dashboard').flatMap((d) => dashboardMetrics(stack, d)));
  const passiveRegion = stacks.find((stack) => stack.name.endsWith('ControlPlane-Standby'))?.region;
  return {
    alarms: alarms.length,
    alarmMetrics: alarms.reduce((sum, metrics) => sum + metrics.length, 0),
    customMetrics: publishedCustomMetrics([...alarms.flat(), ...dashboards]),
    steadyStateCustomMetrics: publishedCustomMetrics([...alarms.flat(), ...dashboards], passiveRegion),
    schedules: stacks.flatMap((stack) =>
      [...stack.resources]
        .filter(([, resource]) => resource.type === 'AWS::Scheduler::Schedule')
        .map(([logicalId, resource]) => schedule(stack, logicalId, resource)),
    ),
  };
}

/**
 * Custom metrics are billed per identity (namespace, name, dimensions) and
 * region. The functions publish through Powertools every metric of their
 * owner's `METRICS` entry, with the `service` dimension and the owner's own
 * dimension set to the target or direction they are working on. Which
 * targets and directions a deployment has is spelled out only where its
 * alarms and dashboard read them, so: per owner, the (region, dimension
 * value) pairs its metrics are read with, times the number of its metric
 * names (a published metric nothing reads is billed too). A custom metric of
 * no owner counts once per identity it is read with.
 */
function publishedCustomMetrics(references: readonly MetricReference[], passiveRegion?: string): number {
  const custom = references.filter((reference) => !reference.namespace.startsWith('AWS/'));
  const owners = Object.keys(METRICS).filter((key): key is Publisher => key in METRICS);
  const ownerOf = (reference: MetricReference) =>
    reference.namespace === METRICS_NAMESPACE ? owners.find((owner) => reference.dimensions.service === serviceNameOf(owner)) : undefined;
  const published = owners.map((owner) => {
    const dimension: string | undefined = METRICS[owner].dimension;
    const readWith = [
      ...new Set(
        custom.filter((r) => ownerOf(r) === owner).map((r) => `${r.region} ${dimension === undefined ? '' : r.dimensions[dimension]}`),
      ),
    ];
    const names = Object.keys(METRICS[owner].names);
    // In the passive region a job publishes only its no-op count (the DR runbooks and the heartbeat act there anyway).
    const job = owner === 'backup' || owner === 'alarm-scaling' || owner === 'restore-verification';
    return readWith.reduce(
      (sum, key) =>
        sum + (job && passiveRegion && key.startsWith(`${passiveRegion} `) ? names.filter((n) => n === 'passive') : names).length,
      0,
    );
  });
  const unowned = new Set(custom.filter((r) => ownerOf(r) === undefined).map((r) => JSON.stringify(r)));
  return published.reduce((sum, n) => sum + n, unowned.size);
}

function stackTemplates(synthesized: Synthesized): StackTemplate[] {
  return Object.values(synthesized.stacks).map((stack) => {
    const template = synthesized.json[stack.stackName];
    const resources = isRecord(template) && isRecord(template.Resources) ? template.Resources : {};
    const parsed = new Map<string, Resource>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!isRecord(resource) || typeof resource.Type !== 'string') continue;
      parsed.set(logicalId, { type: resource.Type, properties: isRecord(resource.Properties) ? resource.Properties : {} });
    }
    return { name: stack.stackName, region: stack.region, resources: parsed };
  });
}

const resourcesOf = (stack: StackTemplate, type: string): Resource[] => [...stack.resources.values()].filter((r) => r.type === type);

/** The metrics an alarm evaluates: its one metric, or each metric its math expression uses. */
function alarmMetrics(stack: StackTemplate, alarm: Resource): MetricReference[] {
  const { properties } = alarm;
  if (!Array.isArray(properties.Metrics)) return [metricReference(stack.region, properties)];
  return properties.Metrics.flatMap((query) =>
    isRecord(query) && isRecord(query.MetricStat) && isRecord(query.MetricStat.Metric)
      ? [metricReference(stack.region, query.MetricStat.Metric)]
      : [],
  );
}

/** A metric in CloudFormation's shape: Namespace, MetricName and Dimensions as `{ Name, Value }`. */
function metricReference(region: string, metric: Record<string, unknown>): MetricReference {
  const dimensions = Array.isArray(metric.Dimensions) ? metric.Dimensions.filter(isRecord) : [];
  return {
    region,
    namespace: String(metric.Namespace),
    metricName: String(metric.MetricName),
    dimensions: Object.fromEntries(dimensions.map((d) => [String(d.Name), tokenText(d.Value)])),
  };
}

/**
 * The metrics a dashboard's widgets show. Its body is JSON joined with
 * CloudFormation tokens (`Fn::Join`); each token becomes stable text, so
 * the same resource reads the same everywhere. A widget metric is
 * `[namespace, name, dimension, value, …, options?]`; its region is the one
 * in its options, else its widget's, else the stack's.
 */
function dashboardMetrics(stack: StackTemplate, dashboard: Resource): MetricReference[] {
  const body: unknown = JSON.parse(tokenText(dashboard.properties.DashboardBody));
  const widgets = isRecord(body) && Array.isArray(body.widgets) ? body.widgets.filter(isRecord) : [];
  return widgets.flatMap((widget) => {
    const properties = isRecord(widget.properties) ? widget.properties : {};
    const widgetRegion = literalRegion(properties.region) ?? stack.region;
    const metrics = Array.isArray(properties.metrics) ? properties.metrics.filter(Array.isArray) : [];
    return metrics.flatMap((metric): MetricReference[] => {
      const options = metric.find(isRecord);
      const [namespace, metricName, ...dimensions] = metric.filter((part): part is string => typeof part === 'string');
      if (namespace === undefined || metricName === undefined) return [];
      const pairs = dimensions.flatMap((name, i) => (i % 2 === 0 ? [[name, dimensions[i + 1] ?? '']] : []));
      return [{ region: literalRegion(options?.region) ?? widgetRegion, namespace, metricName, dimensions: Object.fromEntries(pairs) }];
    });
  });
}

/** A region written out; a token (`AWS::Region`) is the stack's own. */
const literalRegion = (value: unknown): string | undefined => (typeof value === 'string' && !value.includes('{') ? value : undefined);

/** A value as text: strings as they are, `Fn::Join` joined, any other token as its JSON without quotes (so it fits in a JSON string). */
function tokenText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = isRecord(value) ? value['Fn::Join'] : undefined;
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map(tokenText).join(join[0]);
  return `{${JSON.stringify(value).replaceAll('"', '')}}`;
}

/** A schedule, with what it starts: a state machine (named by its job's definition tag) or a Lambda function. */
function schedule(stack: StackTemplate, logicalId: string, resource: Resource): Schedule {
  const target = isRecord(resource.properties.Target) ? resource.properties.Target.Arn : undefined;
  const ref = isRecord(target) ? target.Ref : undefined;
  const getAtt = isRecord(target) ? target['Fn::GetAtt'] : undefined;
  const targetId = typeof ref === 'string' ? ref : Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : '';
  const targetResource = stack.resources.get(targetId);
  const expression = String(resource.properties.ScheduleExpression);
  if (targetResource?.type === 'AWS::Lambda::Function')
    return { stack: stack.name, logicalId, expression, target: { kind: 'function', logicalId: targetId }, passive: false };
  const tags = Array.isArray(targetResource?.properties.Tags) ? targetResource.properties.Tags.filter(isRecord) : [];
  const definition = tags.find((tag) => tag.Key === 'lifeline:definition')?.Value;
  if (targetResource?.type !== 'AWS::StepFunctions::StateMachine' || typeof definition !== 'string') {
    throw new Error(`${stack.name}/${logicalId}: a schedule of something the cost model does not price (${JSON.stringify(target)})`);
  }
  const job = definition.replace(/\.asl\.json$/, '');
  return { stack: stack.name, logicalId, expression, target: { kind: 'workflow', job }, passive: stack.name.endsWith('-Standby') };
}
