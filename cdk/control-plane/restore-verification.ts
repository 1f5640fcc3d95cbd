import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SCHEDULED_FUNCTION_ENTRIES } from '../../contracts/jobs';
import { TEMP_PREFIX } from '../../contracts/restore-verification';
import { PITR_JOB, PITR_PREFIX } from '../../contracts/point-in-time-recovery';
import { colonArn, managedSnapshotArn, secretArnByName } from './inventory';
import { newInstanceGroupArns } from '../workload/database';
import { newCacheGroupArns } from '../workload/cache';
import { cacheSubnetGroupOf } from './inventory';
import { metricIdentity } from '../../contracts/metrics';
import { alarmOnNoSuccess, alarmOnReportedFailure } from './job-alarms';
import { JobFunctions, type TwoRegionJobProps } from './job-functions';
import { OpsFunction } from './ops-function';
import { Workflow } from './workflow';

export interface RestoreVerificationProps extends TwoRegionJobProps {
  readonly topic: sns.ITopic;
}

/**
 * The restore-verification job: state-machines/restore-verification.asl.json
 * with its functions (functions/restore-verification), a daily schedule, the
 * hourly sweeper of expired temporary restores, and alarms on a failed
 * verification and on no successful verification within the configured age.
 */
export class RestoreVerification extends Construct {
  readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: RestoreVerificationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, home } = props;
    // It restores, verifies and sweeps in its own region only (a state machine's SDK integrations call only its region).
    const regions = [home.region];
    const temporary = regions.map((region) => colonArn(stack, 'rds', 'db', `${TEMP_PREFIX}*`, region));
    const cacheSnapshots = regions.map((region) => managedSnapshotArn(stack, 'elasticache', region));

    const functions = new JobFunctions(this, 'Functions', { ...props, job: 'restore-verification', workload: home, topic: props.topic });
    const fn = functions.byPlaceholder;
    const describe = new iam.PolicyStatement({
      actions: [
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBInstances',
        'elasticache:DescribeSnapshots',
        'elasticache:DescribeReplicationGroups',
      ],
      resources: ['*'],
    });
    fn.PlanFunction.addToRolePolicy(describe);
    fn.PlanFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['elasticache:ListTagsForResource'], resources: cacheSnapshots }));
    fn.VerifyFunction.addToRolePolicy(describe);
    fn.VerifyFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: regions.map((region) => secretArnByName(stack, props.inventory.databaseSecretId, region)),
      }),
    );
    // The primary's master secret is encrypted with its database key; the DR replica with the region's default key.
    if (home.database.credentials)
      fn.VerifyFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [home.database.key.keyArn] }));
    fn.ReportFunction.role?.addManagedPolicy(home.artifacts.controlPlaneAccess);

    const temporaryGroups = regions.map((region) => colonArn(stack, 'elasticache', 'replicationgroup', `${TEMP_PREFIX}*`, region));
    const snapshots = regions.map((region) => managedSnapshotArn(stack, 'rds', region));
    this.workflow = new Workflow(this, 'Workflow', {
      job: 'restore-verification',
      substitutions: { ...functions.substitutions(), TopicArn: props.topic.topicArn },
      functions: functions.all,
      resources: {
        // The restore reads the snapshot and creates only instances named lifeline-verify-*, in the isolated subnet group
        // with the engine's default option and parameter groups, in its own region.
        'rds:RestoreDBInstanceFromDBSnapshot': [
          ...snapshots,
          ...temporary,
          ...newInstanceGroupArns(stack, config.database.engineVersion, home.database.subnetGroup.subnetGroupName, home.region),
        ],
        'rds:DeleteDBInstance': temporary,
        'elasticache:CreateReplicationGroup': [
          ...cacheSnapshots,
          ...temporaryGroups,
          ...newCacheGroupArns(stack, config.cache.engine, cacheSubnetGroupOf(home), home.region),
        ],
        'elasticache:DeleteReplicationGroup': temporaryGroups,
        'sns:Publish': [props.topic.topicArn],
      },
      conditions: {
        // Deleting needs the job's tag too: never an instance it did not create.
        'rds:DeleteDBInstance': { StringEquals: { 'rds:db-tag/lifeline:job': 'restore-verification' } },
        'elasticache:DeleteReplicationGroup': { StringEquals: { 'aws:ResourceTag/lifeline:job': 'restore-verification' } },
      },
      extraStatements: [
        new iam.PolicyStatement({ actions: ['rds:AddTagsToResource'], resources: temporary }),
        new iam.PolicyStatement({ actions: ['elasticache:AddTagsToResource'], resources: temporaryGroups }),
        // Restoring an encrypted snapshot uses its KMS key: this region's (its own snapshots, and the copies made here).
        new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [home.database.key.keyArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [home.notifications.key.keyArn] }),
      ],
    });

    new scheduler.Schedule(this, 'Schedule', {
      description: `Lifeline ${config.appName}: daily restore verification`,
      schedule: scheduler.ScheduleExpression.expression(config.restoreVerification.schedule),
      timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(30)),
      target: new schedulerTargets.StepFunctionsStartExecution(this.workflow.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ reason: 'scheduled verification' }),
        retryAttempts: 2,
      }),
    });

    const sweeper = new OpsFunction(this, 'Sweeper', {
      entry: SCHEDULED_FUNCTION_ENTRIES.restoreSweeper,
      description: 'Lifeline: deletes temporary restores past their lifeline:expires-at, and only those',
      owner: 'restore-verification',
      environment: functions.environment,
      factory: props.factory,
    }).function;
    sweeper.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances', 'elasticache:DescribeReplicationGroups'], resources: ['*'] }),
    );
    sweeper.addToRolePolicy(new iam.PolicyStatement({ actions: ['elasticache:ListTagsForResource'], resources: temporaryGroups }));
    sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:DeleteReplicationGroup'],
        resources: temporaryGroups,
        conditions: { StringEquals: { 'aws:ResourceTag/lifeline:job': 'restore-verification' } },
      }),
    );
    sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:DeleteDBInstance'],
        resources: temporary,
        conditions: { StringEquals: { 'rds:db-tag/lifeline:job': 'restore-verification' } },
      }),
    );
    // The copies a point-in-time recovery kept for the operator, once past their expiry.
    sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:DeleteDBInstance'],
        resources: regions.map((region) => colonArn(stack, 'rds', 'db', `${PITR_PREFIX}*`, region)),
        conditions: { StringEquals: { 'rds:db-tag/lifeline:job': PITR_JOB } },
      }),
    );
    new scheduler.Schedule(this, 'SweepHourly', {
      description: 'Lifeline: sweep expired temporary restores',
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      target: new schedulerTargets.LambdaInvoke(sweeper, { retryAttempts: 0 }),
    });

    alarmOnReportedFailure(this, 'VerificationFailed', {
      description: 'A Lifeline restore verification failed',
      metric: metricIdentity('restore-verification', 'failed', 'database'),
      period: Duration.hours(1),
      topic: props.topic,
    });
    alarmOnNoSuccess(this, 'VerificationStale', {
      description:
        `No successful Lifeline restore verification within ${config.restoreVerification.maxAgeHours} hours ` + '(or passive-region run)',
      metric: metricIdentity('restore-verification', 'covered', 'database'),
      period: Duration.days(1),
      evaluationPeriods: config.restoreVerification.maxAgeHours / 24,
      topic: props.topic,
    });
  }
}
