import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS, type MetricIdentity, metricIdentity } from '../../contracts/metrics';

type DrMetric = keyof (typeof METRICS)['dr-failover']['names'];

export interface OperatorDashboardProps {
  readonly appName: string;
  /**
   * Dashboards are account-wide, not regional (CloudFormation, AWS::CloudWatch::Dashboard: "All dashboards in your
   * account are global"): each region's has its own name. @default `<app>-operations`
   */
  readonly dashboardName?: string;
  /** The region whose jobs this dashboard shows (the one it is deployed in). */
  readonly region: string;
  /** The workflows by name (backup, alarm scaling, restore verification, …). */
  readonly workflows: Readonly<Record<string, sfn.IStateMachine>>;
  /** Backup targets (database, cache, …) and the service whose scaling to show. */
  readonly backupTargets: readonly string[];
  readonly scalingTarget: string;
  readonly rpoTargetSeconds: number;
  readonly rtoTargetSeconds: number;
  /** Where the DR runbooks run and publish their RTO/RPO (they must work with the primary region gone). */
  readonly drRegion: string;
}

const metric = (identity: MetricIdentity, statistic = 'Maximum', period = Duration.hours(1), more: Partial<cloudwatch.MetricProps> = {}) =>
  new cloudwatch.Metric({ ...identity, statistic, period, ...more });

/**
 * The dashboard an operator opens first: executions and failures per
 * workflow, newest backup age and verified RPO per target against the RPO
 * target, the last restore's duration, the last failover's RTO and RPO
 * against the targets (read from the DR region, where the runbooks run), and
 * scaling actions over time.
 */
export class OperatorDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperatorDashboardProps) {
    super(scope, id);
    // A name operators can find and link to: <app>-operations.
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${props.appName}-operations`,
      defaultInterval: Duration.days(7),
    });
    const workflows = Object.entries(props.workflows);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# Lifeline ${props.appName}: ${props.region}\nBackups, scaling and restore verification of ${props.region} (they act while ` +
          `it is the active region), DR runs (figures from ${props.drRegion}). Ledger and reports: see the README.`,
        width: 24,
        height: 2,
      }),
      new cloudwatch.GraphWidget({
        title: 'Executions per workflow',
        left: workflows.map(([name, machine]) => machine.metricStarted({ label: name, period: Duration.hours(1), statistic: 'Sum' })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failed executions per workflow',
        left: workflows.map(([name, machine]) => machine.metricFailed({ label: name, period: Duration.hours(1), statistic: 'Sum' })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Newest backup age (s) vs RPO target',
        left: props.backupTargets.map((target) => metric(metricIdentity('backup', 'newestBackupAge', target))),
        leftAnnotations: [{ value: props.rpoTargetSeconds, label: 'RPO target' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Verified RPO (s) of restored backups',
        left: [metric(metricIdentity('restore-verification', 'verifiedRpo', 'database'), 'Maximum', Duration.days(1))],
        leftAnnotations: [{ value: props.rpoTargetSeconds, label: 'RPO target' }],
        width: 8,
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Last restore duration (s)',
        metrics: [metric(metricIdentity('restore-verification', 'restoreDuration', 'database'), 'Maximum', Duration.days(7))],
        width: 8,
      }),
      ...this.drWidgets(props),
      new cloudwatch.GraphWidget({
        title: 'Scaling actions',
        left: [
          metric(metricIdentity('alarm-scaling', 'scaleOut', props.scalingTarget), 'Sum'),
          metric(metricIdentity('alarm-scaling', 'scaleIn', props.scalingTarget), 'Sum'),
          metric(metricIdentity('alarm-scaling', 'failed', props.scalingTarget), 'Sum'),
        ],
        right: [metric(metricIdentity('alarm-scaling', 'timeToSteadyState', props.scalingTarget))],
        width: 24,
      }),
    );
  }

  /** The DR runbooks' report publishes DrRtoSeconds/DrRpoSeconds per Direction in the DR region, once per run. */
  private drWidgets(props: OperatorDashboardProps): cloudwatch.IWidget[] {
    const dr = (name: DrMetric, direction: 'failover' | 'failback', label: string, statistic = 'Maximum') =>
      metric(metricIdentity('dr-failover', name, direction), statistic, Duration.days(1), {
        region: props.drRegion,
        label,
      });
    const targets = [
      { value: props.rtoTargetSeconds, label: 'RTO target', color: '#d62728' },
      { value: props.rpoTargetSeconds, label: 'RPO target', color: '#ff7f0e' },
    ];
    return [
      new cloudwatch.SingleValueWidget({
        title: `Last failover (s): RTO target ${props.rtoTargetSeconds}, RPO target ${props.rpoTargetSeconds}`,
        metrics: [dr('rto', 'failover', 'RTO'), dr('rpo', 'failover', 'RPO'), dr('rto', 'failback', 'failback downtime')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'DR runs: RTO and RPO (s) vs targets',
        left: [dr('rto', 'failover', 'failover RTO'), dr('rpo', 'failover', 'failover RPO'), dr('rto', 'failback', 'failback downtime')],
        leftAnnotations: targets,
        view: cloudwatch.GraphWidgetView.BAR,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'DR runbook runs',
        left: (['failover', 'failback'] as const).flatMap((d) => [
          dr('succeeded', d, `${d} completed`, 'Sum'),
          dr('notCompleted', d, `${d} not completed`, 'Sum'),
        ]),
        width: 8,
      }),
    ];
  }
}
