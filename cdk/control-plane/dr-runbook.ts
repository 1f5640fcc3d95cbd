import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { confirmPhrase } from '../../contracts/dr-runbook';
import { databaseParameterName } from '../../contracts/inventory';
import { automatedBackupReplicationOn, type LifelineConfig } from '../../contracts/config/schema';
import { cacheSubnetGroupOf, colonArn, managedSnapshotArn, secretArnByName } from './inventory';
import { newInstanceGroupArns } from '../workload/database';
import { newCacheGroupArns } from '../workload/cache';
import { type JobProps, JobFunctions } from './job-functions';
import type { WorkloadStack } from '../stacks/workload-stack';
import { metricIdentity, primaryUnhealthyAlarmName } from '../../contracts/metrics';
import { Workflow } from './workflow';

export interface DrRunbooksProps extends JobProps {
  readonly primary: WorkloadStack;
  readonly standby: WorkloadStack;
}

/**
 * The DR failover and failback runbooks, deployed in the DR region so they
 * run when the primary region is gone: state-machines/dr-failover.asl.json
 * and dr-failback.asl.json, their shared functions (functions/dr), and the
 * alarm that proposes a failover (approval always required) when the
 * primary's health check has failed for `proposeFailoverAfterMinutes`.
 */
export class DrRunbooks extends Construct {
  readonly failover: Workflow;
  readonly failback: Workflow;

  constructor(scope: Construct, id: string, props: DrRunbooksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, primary, standby } = props;
    const app = config.appName;
    const regions = [config.regions.primary, config.regions.dr];
    const topic = standby.notifications.topic;
    // One set of functions for both directions: each takes the direction from its state machine.
    const functions = new JobFunctions(this, 'Functions', { ...props, job: 'dr-failover', workload: standby, topic });
    const fn = functions.byPlaceholder;
    topic.grantPublish(fn.ApprovalFunction);
    topic.grantPublish(fn.ReportFunction);

    const read = new iam.PolicyStatement({
      actions: [
        'rds:DescribeDBInstances',
        'rds:DescribeDBSnapshots',
        // Pilot light: the primary's automated backups replicated here, and the latest time they restore to.
        'rds:DescribeDBInstanceAutomatedBackups',
        'ecs:DescribeServices',
        'elasticache:DescribeReplicationGroups',
        'elasticache:DescribeGlobalReplicationGroups',
        'cloudwatch:GetMetricData',
        'servicequotas:GetServiceQuota',
      ],
      resources: ['*'],
    });
    for (const f of [fn.PreflightFunction, fn.StepFunction, fn.ReportFunction]) f.addToRolePolicy(read);
    // The traffic switch is in this (the DR) region: the preflight and the report read it, the steps move it.
    const trafficSwitch = standby.trafficSwitch;
    if (!trafficSwitch) throw new Error('the DR workload has no traffic switch');
    trafficSwitch.grant(fn.PreflightFunction, false);
    trafficSwitch.grant(fn.ReportFunction, false);
    trafficSwitch.grant(fn.StepFunction, true);

    const step = fn.StepFunction;
    // Instances of this application in its two regions: the tag every workload resource carries scopes the wildcard.
    const appInstances = regions.map((region) => colonArn(stack, 'rds', 'db', '*', region));
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:PromoteReadReplica', 'rds:ModifyDBInstance'],
        resources: appInstances,
        conditions: { StringEquals: { 'rds:db-tag/lifeline:app': app } },
      }),
    );
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'rds:CreateDBInstanceReadReplica',
          'rds:RestoreDBInstanceFromDBSnapshot',
          'rds:RestoreDBInstanceToPointInTime',
          'rds:AddTagsToResource',
        ],
        resources: [
          ...appInstances,
          ...regions.map((region) => managedSnapshotArn(stack, 'rds', region)),
          // The primary's automated backups replicated to the DR region (their id is RDS's: the request's tags scope it).
          colonArn(stack, 'rds', 'auto-backup', '*', config.regions.dr),
          // The groups a restored or re-created instance is placed in (each region's isolated subnet group).
          ...newInstanceGroupArns(
            stack,
            config.database.engineVersion,
            primary.database.subnetGroup.subnetGroupName,
            config.regions.primary,
          ),
          ...newInstanceGroupArns(stack, config.database.engineVersion, standby.database.subnetGroup.subnetGroupName, config.regions.dr),
        ],
        conditions: { StringEquals: { 'aws:RequestTag/lifeline:managed': 'true' } },
      }),
    );
    // Failback re-protects: the rebuilt primary's automated backups are replicated to this region (a replication follows
    // an instance, and the deployed one follows the instance the failover left behind). Encrypted with this region's key.
    if (automatedBackupReplicationOn(config))
      step.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['rds:StartDBInstanceAutomatedBackupsReplication'],
          resources: [
            colonArn(stack, 'rds', 'db', '*', config.regions.primary),
            colonArn(stack, 'rds', 'auto-backup', '*', config.regions.dr),
          ],
        }),
      );
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: [primary.database.key.keyArn, standby.database.key.keyArn],
      }),
    );
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ecs:UpdateService'],
        resources: [primary.service.service.serviceArn, standby.service.service.serviceArn],
      }),
    );
    // The application's writer parameter in both regions: the steps repoint it; the preflight reads it (no repoint
    // when the application already uses the writer the recovery brings up).
    const databaseParameters = regions.map((region) =>
      stack.formatArn({
        service: 'ssm',
        region,
        resource: 'parameter',
        resourceName: databaseParameterName(app).slice(1),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    fn.PreflightFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: databaseParameters }));
    step.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: databaseParameters }));
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:CreateReplicationGroup', 'elasticache:FailoverGlobalReplicationGroup', 'elasticache:AddTagsToResource'],
        resources: [
          colonArn(stack, 'elasticache', 'replicationgroup', `${app}-*`, config.regions.dr),
          ...newCacheGroupArns(stack, config.cache.engine, cacheSubnetGroupOf(standby), config.regions.dr),
          colonArn(stack, 'elasticache', 'globalreplicationgroup', `*-${config.dr.cacheGlobalDatastoreId ?? app}`, ''),
        ],
      }),
    );
    // Creating the DR cache from the RDB copy reads it from the DR artifacts bucket.
    step.role?.addManagedPolicy(standby.artifacts.controlPlaneAccess);
    const secretName = primary.database.credentials?.secretName ?? '';
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnByName(stack, secretName, config.regions.dr)],
      }),
    );
    fn.ReportFunction.role?.addManagedPolicy(primary.artifacts.controlPlaneAccess);
    fn.ReportFunction.role?.addManagedPolicy(standby.artifacts.controlPlaneAccess);

    const workflow = (job: 'dr-failover' | 'dr-failback') =>
      new Workflow(this, job === 'dr-failover' ? 'Failover' : 'Failback', {
        job,
        substitutions: functions.substitutions(),
        functions: functions.all,
        resources: {},
        extraStatements: [
          new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [standby.notifications.key.keyArn] }),
        ],
      });
    this.failover = workflow('dr-failover');
    this.failback = workflow('dr-failback');
    // An approval request is answered with the task token: the approver needs states:SendTaskSuccess / SendTaskFailure on these machines.
    this.failover.alarmOnFailures(topic, 'A Lifeline DR failover did not complete');
    this.failback.alarmOnFailures(topic, 'A Lifeline DR failback did not complete');

    // Alarm-proposed failover: the DR region's heartbeat function probes the primary's endpoint every
    // minute (functions/heartbeat/write.ts); no healthy answer for N minutes proposes a failover.
    // (Route 53's HealthCheckStatus lives in us-east-1 only, often the very region that is down.)
    const alarm = new cloudwatch.Alarm(this, 'PrimaryUnhealthy', {
      alarmName: primaryUnhealthyAlarmName(config.appName),
      alarmDescription:
        `The primary (${config.regions.primary}) has not answered healthy for ${config.dr.proposeFailoverAfterMinutes} minutes, seen ` +
        `from ${config.regions.dr}: a DR failover is proposed (approval required)`,
      metric: new cloudwatch.Metric({
        ...metricIdentity('heartbeat', 'primaryEndpointHealthy'),
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: config.dr.proposeFailoverAfterMinutes,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.proposeOn(alarm, config);
  }

  /** An alarm going into ALARM starts the failover in failover mode; the runbook then waits for approval. */
  proposeOn(alarm: cloudwatch.IAlarm, config: LifelineConfig): events.Rule {
    return new events.Rule(this, 'ProposeFailover', {
      description: 'Lifeline: the primary is unhealthy → propose a DR failover (approval required)',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [alarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [
        new targets.SfnStateMachine(this.failover.stateMachine, {
          input: events.RuleTargetInput.fromObject({
            mode: 'failover',
            reason:
              `proposed by alarm ${events.EventField.fromPath('$.detail.alarmName')}: ` +
              `${events.EventField.fromPath('$.detail.state.reason')}`,
            confirm: confirmPhrase('failover', config.regions.dr),
            proposedBy: 'alarm',
            alarm: { name: events.EventField.fromPath('$.detail.alarmName'), at: events.EventField.fromPath('$.time') },
          }),
          retryAttempts: 4,
        }),
      ],
    });
  }
}
