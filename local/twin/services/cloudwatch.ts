import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalString, record, records, requireString, type Tag } from '../util';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/**
 * How an alarm evaluates its metric (CloudWatch User Guide "Alarm evaluation" and "Configuring how CloudWatch alarms
 * treat missing data"): each period's datapoint is the statistic of the points in it; the alarm is evaluated every
 * minute over the last `evaluationPeriods` ended periods, all of which must breach (DatapointsToAlarm = periods).
 * Missing datapoints are filled in only when some are present; with none at all, `ignore` keeps the current state
 * and `missing` goes to INSUFFICIENT_DATA.
 */
export interface AlarmEvaluation {
  readonly statistic: 'Maximum' | 'Minimum' | 'Average' | 'Sum' | 'SampleCount';
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly treatMissingData: 'missing' | 'ignore' | 'breaching' | 'notBreaching';
}

const STATISTICS: Record<AlarmEvaluation['statistic'], (values: number[]) => number> = {
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
  Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  Sum: (v) => v.reduce((a, b) => a + b, 0),
  SampleCount: (v) => v.length,
};

const BREACHES: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

export interface TwinAlarm {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: { Name: string; Value: string }[];
  readonly threshold: number;
  readonly comparison: string;
  state: AlarmState;
  stateReason: string;
  stateUpdatedAt: number;
  readonly tags: Tag[];
  /** Alarms the twin evaluates from their metric's datapoints; the others change only through SetAlarmState. */
  readonly evaluation?: AlarmEvaluation;
  /** The last minute boundary this alarm was evaluated at. */
  evaluatedAt?: number;
}

interface Point {
  readonly t: number;
  readonly v: number;
}

const seriesKey = (namespace: string, metric: string, dims: { Name: string; Value: string }[]) =>
  `${namespace}|${metric}|${[...dims]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',')}`;

/**
 * CloudWatch: stored and synthetic metrics (a provider computes e.g.
 * ReplicaLag from the RDS twin), alarms with tags, and SetAlarmState, which
 * emits the EventBridge "CloudWatch Alarm State Change" event.
 */
export class CloudWatchTwin implements TwinService {
  readonly name = 'cloudwatch' as const;
  readonly alarms = new Map<string, Map<string, TwinAlarm>>();
  private readonly series = new Map<string, Map<string, Point[]>>();
  private readonly providers: ((
    region: string,
    namespace: string,
    metric: string,
    dims: { Name: string; Value: string }[],
  ) => number | undefined)[] = [];
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      PutMetricData: (region: string, input: Input) => this.putMetricData(region, input),
      GetMetricData: (region: string, input: Input) => this.getMetricData(region, input),
      DescribeAlarms: (region: string, input: Input) => this.describeAlarms(region, input),
      SetAlarmState: (region: string, input: Input) => this.setAlarmState(region, input),
      ListTagsForResource: (region: string, input: Input) => this.listTags(region, input),
    };
  }

  private readonly publishers: ((until: number) => void)[] = [];

  /**
   * A scheduled publisher (a function that puts a datapoint every minute in AWS): asked to catch up to `until`
   * before an alarm or health check reads datapoints, as the heartbeat rows are written when due.
   */
  addPublisher(publisher: (until: number) => void): void {
    this.publishers.push(publisher);
  }

  /** A source of live values for metrics the twin derives from its own state. */
  addProvider(
    provider: (region: string, namespace: string, metric: string, dims: { Name: string; Value: string }[]) => number | undefined,
  ): void {
    this.providers.push(provider);
  }

  seedAlarm(
    region: string,
    alarm: Omit<TwinAlarm, 'arn' | 'region' | 'state' | 'stateReason' | 'stateUpdatedAt' | 'evaluatedAt'>,
  ): TwinAlarm {
    let map = this.alarms.get(region);
    if (!map) this.alarms.set(region, (map = new Map()));
    const full: TwinAlarm = {
      ...alarm,
      region,
      arn: this.core.arn('cloudwatch', region, `alarm:${alarm.name}`),
      state: 'OK',
      stateReason: 'Seeded by the twin',
      stateUpdatedAt: this.core.clock.now(),
    };
    map.set(alarm.name, full);
    return full;
  }

  private dims(value: unknown): { Name: string; Value: string }[] {
    return records(value).map((d) => ({ Name: String(d.Name), Value: String(d.Value) }));
  }

  putPoint(
    region: string,
    namespace: string,
    metric: string,
    dims: { Name: string; Value: string }[],
    value: number,
    at = this.core.clock.now(),
  ): void {
    let map = this.series.get(region);
    if (!map) this.series.set(region, (map = new Map()));
    const key = seriesKey(namespace, metric, dims);
    const points = map.get(key) ?? [];
    points.push({ t: at, v: value });
    map.set(key, points);
  }

  async putMetricData(region: string, input: Input): Promise<object> {
    const namespace = requireString('cloudwatch', input, 'Namespace');
    for (const datum of records(input.MetricData)) {
      const at =
        datum.Timestamp instanceof Date
          ? datum.Timestamp.getTime()
          : typeof datum.Timestamp === 'string'
            ? Date.parse(datum.Timestamp)
            : this.core.clock.now();
      this.putPoint(region, namespace, String(datum.MetricName), this.dims(datum.Dimensions), Number(datum.Value ?? 0), at);
    }
    return {};
  }

  async getMetricData(region: string, input: Input): Promise<object> {
    const toMs = (v: unknown) =>
      v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v * 1000 : this.core.clock.now();
    const start = toMs(input.StartTime);
    const end = toMs(input.EndTime);
    const results = records(input.MetricDataQueries).map((query) => {
      const stat = record(query.MetricStat);
      const metric = record(stat?.Metric);
      const namespace = String(metric?.Namespace ?? '');
      const metricName = String(metric?.MetricName ?? '');
      const dims = this.dims(metric?.Dimensions);
      const stored = (this.series.get(region)?.get(seriesKey(namespace, metricName, dims)) ?? []).filter((p) => p.t >= start && p.t <= end);
      const live = this.providers.map((p) => p(region, namespace, metricName, dims)).find((v) => v !== undefined);
      const points = live !== undefined ? [...stored, { t: Math.min(end, this.core.clock.now()), v: live }] : stored;
      const newestFirst = [...points].sort((a, b) => b.t - a.t);
      return {
        Id: String(query.Id),
        Label: metricName,
        Timestamps: newestFirst.map((p) => new Date(p.t)),
        Values: newestFirst.map((p) => p.v),
        StatusCode: 'Complete',
      };
    });
    return { MetricDataResults: results, Messages: [] };
  }

  /**
   * The alarm's data stream at `at`: what its datapoints say over the last ended periods, before missing data is
   * treated. Route 53's alarm-based health checks read this, not the alarm's state (Route 53 Developer Guide "How
   * Amazon Route 53 determines whether a health check is healthy"), so SetAlarmState cannot move them.
   */
  dataStream(alarm: TwinAlarm, at = this.core.clock.now()): AlarmState {
    const evaluation = alarm.evaluation;
    if (!evaluation) throw new Error(`twin bug: alarm ${alarm.name} is not evaluated from its metric`);
    for (const publish of this.publishers) publish(at);
    const period = evaluation.periodSeconds * 1000;
    const end = Math.floor(at / period) * period;
    const points = this.series.get(alarm.region)?.get(seriesKey(alarm.namespace, alarm.metricName, alarm.dimensions)) ?? [];
    const datapoints: (number | undefined)[] = [];
    for (let i = evaluation.evaluationPeriods; i >= 1; i -= 1) {
      const from = end - i * period;
      const values = points.filter((p) => p.t >= from && p.t < from + period).map((p) => p.v);
      datapoints.push(values.length > 0 ? STATISTICS[evaluation.statistic](values) : undefined);
    }
    if (datapoints.every((d) => d === undefined)) return 'INSUFFICIENT_DATA';
    const breaches = BREACHES[alarm.comparison];
    if (!breaches) throw new Error(`twin bug: alarm ${alarm.name} has comparison ${alarm.comparison}`);
    const filled = { breaching: true, notBreaching: false, missing: undefined, ignore: undefined }[evaluation.treatMissingData];
    const breaching = datapoints.map((d) => (d === undefined ? filled : breaches(d, alarm.threshold)));
    return breaching.filter((b) => b !== undefined).every(Boolean) ? 'ALARM' : 'OK';
  }

  /** Evaluates an evaluated alarm at the newest minute boundary not yet evaluated (lazily, when it is read). */
  private evaluate(alarm: TwinAlarm): void {
    if (!alarm.evaluation) return;
    const boundary = Math.floor(this.core.clock.now() / 60_000) * 60_000;
    if (alarm.evaluatedAt !== undefined && boundary <= alarm.evaluatedAt) return;
    alarm.evaluatedAt = boundary;
    const stream = this.dataStream(alarm, boundary);
    const treat = alarm.evaluation.treatMissingData;
    const next: AlarmState =
      stream !== 'INSUFFICIENT_DATA'
        ? stream
        : treat === 'ignore'
          ? alarm.state
          : treat === 'breaching'
            ? 'ALARM'
            : treat === 'notBreaching'
              ? 'OK'
              : 'INSUFFICIENT_DATA';
    if (next !== alarm.state)
      this.transition(alarm, next, `Threshold Crossed: evaluated at ${new Date(boundary).toISOString()} (twin)`, boundary);
  }

  private renderAlarm(alarm: TwinAlarm): object {
    return {
      AlarmName: alarm.name,
      AlarmArn: alarm.arn,
      Namespace: alarm.namespace,
      MetricName: alarm.metricName,
      Dimensions: alarm.dimensions,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparison,
      StateValue: alarm.state,
      StateReason: alarm.stateReason,
      StateUpdatedTimestamp: new Date(alarm.stateUpdatedAt),
    };
  }

  /** The alarm as seeded, without evaluating it (for the data plane reading its data stream). */
  alarmOf(region: string, name: string): TwinAlarm {
    const found = this.alarms.get(region)?.get(name);
    if (!found) throw new Error(`twin bug: no alarm ${name} in ${region}`);
    return found;
  }

  alarm(region: string, name: string): TwinAlarm {
    const found = this.alarms.get(region)?.get(name);
    if (!found) throw serviceError('cloudwatch', 'ResourceNotFound', `Alarm ${name} does not exist.`);
    this.evaluate(found);
    return found;
  }

  async describeAlarms(region: string, input: Input): Promise<object> {
    const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.map(String) : undefined;
    const prefix = optionalString(input, 'AlarmNamePrefix');
    const state = optionalString(input, 'StateValue');
    for (const alarm of this.alarms.get(region)?.values() ?? []) this.evaluate(alarm);
    const list = [...(this.alarms.get(region)?.values() ?? [])].filter(
      (a) => (!names || names.includes(a.name)) && (!prefix || a.name.startsWith(prefix)) && (!state || a.state === state),
    );
    return { MetricAlarms: list.map((a) => this.renderAlarm(a)), CompositeAlarms: [] };
  }

  async setAlarmState(region: string, input: Input): Promise<object> {
    const alarm = this.alarm(region, requireString('cloudwatch', input, 'AlarmName'));
    const state = requireString('cloudwatch', input, 'StateValue');
    if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA')
      throw serviceError('cloudwatch', 'InvalidFormatFault', `Invalid state ${state}`);
    const reason = requireString('cloudwatch', input, 'StateReason');
    // Temporary for an alarm evaluated from its metric: its next evaluation (the next minute) restores the actual
    // state (CloudWatch API Reference, SetAlarmState).
    this.transition(alarm, state, reason, this.core.clock.now());
    this.core.mutate(region, 'cloudwatch', 'SetAlarmState', 'modify', alarm.arn);
    return {};
  }

  /** Changes the alarm's state; EventBridge publishes state changes only (CloudWatch docs, "Alarm events and EventBridge"). */
  private transition(alarm: TwinAlarm, state: AlarmState, reason: string, at: number): void {
    const previous = { value: alarm.state, reason: alarm.stateReason, timestamp: new Date(alarm.stateUpdatedAt).toISOString() };
    alarm.state = state;
    alarm.stateReason = reason;
    alarm.stateUpdatedAt = at;
    if (previous.value === state) return;
    this.core.emit({
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      region: alarm.region,
      resources: [alarm.arn],
      detail: {
        alarmName: alarm.name,
        state: { value: state, reason, timestamp: new Date(at).toISOString() },
        previousState: previous,
        configuration: {
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  namespace: alarm.namespace,
                  name: alarm.metricName,
                  dimensions: Object.fromEntries(alarm.dimensions.map((d) => [d.Name, d.Value])),
                },
              },
            },
          ],
        },
      },
    });
  }

  async listTags(region: string, input: Input): Promise<object> {
    const arn = requireString('cloudwatch', input, 'ResourceARN');
    const alarm = [...(this.alarms.get(region)?.values() ?? [])].find((a) => a.arn === arn);
    if (!alarm) throw serviceError('cloudwatch', 'ResourceNotFoundException', `${arn} not found`);
    return { Tags: alarm.tags };
  }
}
