import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import type { AlarmState } from './cloudwatch';
import { type Input, record, records, requireString, shortId, StatusTimeline } from '../util';

export interface RecordSet {
  Name: string;
  Type: string;
  SetIdentifier?: string;
  Failover?: 'PRIMARY' | 'SECONDARY';
  HealthCheckId?: string;
  TTL?: number;
  ResourceRecords?: { Value: string }[];
  AliasTarget?: { DNSName: string; HostedZoneId: string; EvaluateTargetHealth: boolean };
}

export type InsufficientDataHealthStatus = 'Healthy' | 'Unhealthy' | 'LastKnownStatus';

type HealthCheck =
  | { readonly kind: 'endpoint'; readonly target: string; readonly region: string; readonly probe: () => boolean }
  | {
      readonly kind: 'alarm';
      readonly alarmRegion: string;
      readonly alarmName: string;
      readonly insufficientData: InsufficientDataHealthStatus;
      lastKnown?: boolean;
    }
  | { readonly kind: 'calculated'; readonly children: readonly string[]; readonly threshold: number };

/** Route 53 answers from every region, so a health checker reports per checker region. */
const CHECKER_REGIONS = ['us-east-1', 'us-west-1', 'eu-west-1'];

const keyOf = (r: RecordSet) => `${r.Name.toLowerCase().replace(/\.?$/, '.')}|${r.Type}|${r.SetIdentifier ?? ''}`;

/**
 * Route 53: hosted zones, record changes that go PENDING → INSYNC after the
 * documented propagation time, health checks (endpoint checks on a probe the
 * twin supplies, alarm-based and calculated checks), and failover resolution.
 * Its control plane (every API call) is in us-east-1 and goes down with that
 * region; its data plane (health checks, DNS answers: `healthy`, `resolve`)
 * is global and goes on.
 */
export class Route53Twin implements TwinService {
  readonly name = 'route53' as const;
  /** Route 53's control plane is in us-east-1 (Well-Architected REL11-BP04); DNS answers and health checks are global. */
  readonly controlPlaneRegion = 'us-east-1';
  readonly zones = new Map<string, { name: string; records: Map<string, RecordSet> }>();
  readonly changes = new Map<string, { status: StatusTimeline<'PENDING' | 'INSYNC'>; submittedAt: number }>();
  readonly healthChecks = new Map<string, HealthCheck>();
  readonly actions;

  /** `alarmStream` reads a CloudWatch alarm's data stream (alarm-based health checks read that, not the alarm's state). */
  constructor(
    private readonly core: AwsCore,
    private readonly alarmStream: (region: string, name: string) => AlarmState,
  ) {
    this.actions = {
      ChangeResourceRecordSets: (_region: string, input: Input) => this.changeRecords(input),
      GetChange: (_region: string, input: Input) => this.getChange(input),
      ListResourceRecordSets: (_region: string, input: Input) => this.listRecords(input),
      GetHealthCheckStatus: (_region: string, input: Input) => this.healthStatus(input),
    };
  }

  seedZone(id: string, name: string): void {
    this.zones.set(id, { name, records: new Map() });
  }

  seedRecord(zoneId: string, recordSet: RecordSet): void {
    this.zone(zoneId).records.set(keyOf(recordSet), recordSet);
  }

  /** An HTTP(S) check of an endpoint; `probe` answers as the endpoint would. */
  seedHealthCheck(target: string, region: string, probe: () => boolean): string {
    return this.addHealthCheck({ kind: 'endpoint', target, region, probe });
  }

  /** A CLOUDWATCH_METRIC check: healthy while the alarm's data stream says OK. */
  seedAlarmHealthCheck(alarmRegion: string, alarmName: string, insufficientData: InsufficientDataHealthStatus): string {
    return this.addHealthCheck({ kind: 'alarm', alarmRegion, alarmName, insufficientData });
  }

  /** A CALCULATED check: healthy while at least `threshold` of `children` are. */
  seedCalculatedHealthCheck(children: string[], threshold: number): string {
    for (const child of children) if (!this.healthChecks.has(child)) throw new Error(`twin bug: no health check ${child}`);
    return this.addHealthCheck({ kind: 'calculated', children, threshold });
  }

  private addHealthCheck(check: HealthCheck): string {
    const id = shortId('hc-');
    this.healthChecks.set(id, check);
    return id;
  }

  private zone(id: string): { name: string; records: Map<string, RecordSet> } {
    const zone = this.zones.get(id.replace(/^\/hostedzone\//, ''));
    if (!zone) throw serviceError('route53', 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
    return zone;
  }

  private toRecordSet(value: unknown): RecordSet {
    const r = record(value) ?? {};
    const alias = record(r.AliasTarget);
    return {
      Name: String(r.Name ?? ''),
      Type: String(r.Type ?? ''),
      SetIdentifier: typeof r.SetIdentifier === 'string' ? r.SetIdentifier : undefined,
      Failover: r.Failover === 'PRIMARY' || r.Failover === 'SECONDARY' ? r.Failover : undefined,
      HealthCheckId: typeof r.HealthCheckId === 'string' ? r.HealthCheckId : undefined,
      TTL: typeof r.TTL === 'number' ? r.TTL : undefined,
      ResourceRecords: records(r.ResourceRecords).map((v) => ({ Value: String(v.Value) })),
      AliasTarget: alias
        ? {
            DNSName: String(alias.DNSName),
            HostedZoneId: String(alias.HostedZoneId),
            EvaluateTargetHealth: alias.EvaluateTargetHealth === true,
          }
        : undefined,
    };
  }

  async changeRecords(input: Input): Promise<object> {
    const zoneId = requireString('route53', input, 'HostedZoneId');
    const zone = this.zone(zoneId);
    const changes = records(record(input.ChangeBatch)?.Changes);
    if (changes.length === 0) throw serviceError('route53', 'InvalidChangeBatch', 'ChangeBatch must contain at least one change.');
    // Validate the whole batch before applying any of it: Route 53 batches are atomic.
    const planned = changes.map((change) => ({ action: String(change.Action), set: this.toRecordSet(change.ResourceRecordSet) }));
    for (const { action, set } of planned) {
      const exists = zone.records.has(keyOf(set));
      if (action === 'CREATE' && exists)
        throw serviceError(
          'route53',
          'InvalidChangeBatch',
          `Tried to create resource record set [name='${set.Name}', type='${set.Type}'] but it already exists`,
        );
      if (action === 'DELETE' && !exists)
        throw serviceError(
          'route53',
          'InvalidChangeBatch',
          `Tried to delete resource record set [name='${set.Name}', type='${set.Type}'] but it was not found`,
        );
      if (!['CREATE', 'DELETE', 'UPSERT'].includes(action)) throw serviceError('route53', 'InvalidChangeBatch', `Invalid action ${action}`);
    }
    for (const { action, set } of planned) {
      if (action === 'DELETE') zone.records.delete(keyOf(set));
      else zone.records.set(keyOf(set), set);
      this.core.mutate(
        'global',
        'route53',
        'ChangeResourceRecordSets',
        action === 'DELETE' ? 'delete' : action === 'CREATE' ? 'create' : 'modify',
        `${zoneId}/${set.Name}/${set.Type}/${set.SetIdentifier ?? ''}`,
      );
    }
    const id = `/change/${shortId('C')}`;
    const now = this.core.clock.now();
    this.changes.set(id, {
      status: new StatusTimeline<'PENDING' | 'INSYNC'>('PENDING', now).then('INSYNC', this.core.after('route53Propagation')),
      submittedAt: now,
    });
    return { ChangeInfo: { Id: id, Status: 'PENDING', SubmittedAt: new Date(now) } };
  }

  async getChange(input: Input): Promise<object> {
    const raw = requireString('route53', input, 'Id');
    const id = raw.startsWith('/change/') ? raw : `/change/${raw}`;
    const change = this.changes.get(id);
    if (!change) throw serviceError('route53', 'NoSuchChange', `Could not find resource with ID: ${raw}`);
    return { ChangeInfo: { Id: id, Status: change.status.at(this.core.clock.now()), SubmittedAt: new Date(change.submittedAt) } };
  }

  async listRecords(input: Input): Promise<object> {
    const zone = this.zone(requireString('route53', input, 'HostedZoneId'));
    const sets = [...zone.records.values()].sort((a, b) => a.Name.localeCompare(b.Name) || a.Type.localeCompare(b.Type));
    return { ResourceRecordSets: sets, IsTruncated: false, MaxItems: 300 };
  }

  /**
   * A health check's status as Route 53's data plane evaluates it now (Route 53 Developer Guide "How Amazon Route 53
   * determines whether a health check is healthy"): an endpoint check follows its endpoint; an alarm-based check
   * follows the alarm's data stream (OK healthy, ALARM unhealthy, no data: InsufficientDataHealthStatus, where
   * LastKnownStatus keeps the last status and a check with none is healthy); a calculated check is healthy while at
   * least HealthThreshold of its children are.
   */
  healthy(id: string): boolean {
    const check = this.healthChecks.get(id);
    if (!check) throw serviceError('route53', 'NoSuchHealthCheck', `A health check with id ${id} does not exist.`);
    switch (check.kind) {
      case 'endpoint':
        return check.probe();
      case 'calculated':
        return check.children.filter((child) => this.healthy(child)).length >= check.threshold;
      case 'alarm': {
        const stream = this.alarmStream(check.alarmRegion, check.alarmName);
        if (stream !== 'INSUFFICIENT_DATA') check.lastKnown = stream === 'OK';
        else if (check.insufficientData !== 'LastKnownStatus') return check.insufficientData === 'Healthy';
        return check.lastKnown ?? true;
      }
    }
  }

  async healthStatus(input: Input): Promise<object> {
    const id = requireString('route53', input, 'HealthCheckId');
    const ok = this.healthy(id);
    const checked = new Date(this.core.clock.now());
    return {
      HealthCheckObservations: CHECKER_REGIONS.map((region) => ({
        Region: region,
        IPAddress: '15.177.0.1',
        StatusReport: {
          Status: ok
            ? 'Success: HTTP Status Code 200, OK'
            : 'Failure: Connection timed out. The endpoint or the internet connection is down, ' +
              'or requests are being blocked by your firewall.',
          CheckedTime: checked,
        },
      })),
    };
  }

  /**
   * What a resolver gets for `name`: the PRIMARY failover record while its
   * health check passes, else SECONDARY if its check passes (or it has
   * none); with both unhealthy, the PRIMARY (API reference `ResourceRecordSet`,
   * `Failover`).
   */
  resolve(zoneId: string, name: string): RecordSet | undefined {
    const wanted = name.toLowerCase().replace(/\.?$/, '.');
    const sets = [...this.zone(zoneId).records.values()].filter(
      (r) => r.Name.toLowerCase().replace(/\.?$/, '.') === wanted && (r.Type === 'A' || r.Type === 'CNAME'),
    );
    const primary = sets.find((r) => r.Failover === 'PRIMARY');
    const secondary = sets.find((r) => r.Failover === 'SECONDARY');
    if (primary && (!primary.HealthCheckId || this.healthy(primary.HealthCheckId))) return primary;
    if (secondary && secondary.HealthCheckId && !this.healthy(secondary.HealthCheckId)) return primary ?? secondary;
    return secondary ?? sets.find((r) => !r.Failover);
  }
}
