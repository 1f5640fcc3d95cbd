import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PITR_JOB, PITR_PREFIX } from '../../contracts/point-in-time-recovery';
import { colonArn, secretArnByName } from './inventory';
import { newInstanceGroupArns } from '../workload/database';
import { JobFunctions, type TwoRegionJobProps } from './job-functions';
import { Workflow } from './workflow';

export interface PointInTimeRecoveryProps extends TwoRegionJobProps {
  readonly topic: sns.ITopic;
}

/**
 * The point-in-time recovery runbook: state-machines/point-in-time-recovery.asl.json with its functions
 * (functions/point-in-time-recovery), started by hand. Both regions deploy it; it recovers its own region's database
 * while that region is the active one. Its permissions: restore only into lifeline-pitr-* names, rename and protect
 * only the application's instances (their lifeline:app tag), delete only its own temporary instances (their job tag).
 */
export class PointInTimeRecovery extends Construct {
  readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: PointInTimeRecoveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, home, topic } = props;
    const region = home.region;
    const functions = new JobFunctions(this, 'Functions', { ...props, job: PITR_JOB, workload: home, topic });
    const fn = functions.byPlaceholder;
    const describe = new iam.PolicyStatement({
      actions: ['rds:DescribeDBInstances', 'rds:DescribeDBInstanceAutomatedBackups'],
      resources: ['*'],
    });
    for (const f of [fn.PlanFunction, fn.StepFunction, fn.VerifyFunction]) f.addToRolePolicy(describe);

    const instances = colonArn(stack, 'rds', 'db', '*', region);
    const temporary = colonArn(stack, 'rds', 'db', `${PITR_PREFIX}*`, region);
    const step = fn.StepFunction;
    // The restore reads the application's instance (and its automated backups) and creates a lifeline-pitr-* instance,
    // tagged as the run's, in the region's subnet group with the engine's default groups.
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:RestoreDBInstanceToPointInTime', 'rds:AddTagsToResource'],
        resources: [
          instances,
          colonArn(stack, 'rds', 'auto-backup', '*', region),
          ...newInstanceGroupArns(stack, config.database.engineVersion, home.database.subnetGroup.subnetGroupName, region),
        ],
        conditions: { StringEquals: { 'aws:RequestTag/lifeline:managed': 'true' } },
      }),
    );
    // The swap renames and protects the application's instances only (the tag every one of them carries).
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:ModifyDBInstance', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
        resources: [instances],
        conditions: { StringEquals: { 'rds:db-tag/lifeline:app': config.appName } },
      }),
    );
    step.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:DeleteDBInstance'],
        resources: [temporary],
        conditions: { StringEquals: { 'rds:db-tag/lifeline:job': PITR_JOB } },
      }),
    );
    // After a swap in the primary region, the DR region follows the new holder of the name: a new DR replica of it
    // (warm standby; the replica of the old instance renamed aside, tagged lifeline:app) or its automated backups
    // replicated there (pilot light). Only the primary's runbook does this: from the DR region, failback re-protects.
    if (props.role === 'primary') {
      const away = props.away;
      const drInstances = colonArn(stack, 'rds', 'db', '*', away.region);
      step.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['rds:CreateDBInstanceReadReplica', 'rds:AddTagsToResource'],
          resources: [
            drInstances,
            instances,
            ...newInstanceGroupArns(stack, config.database.engineVersion, away.database.subnetGroup.subnetGroupName, away.region),
          ],
          conditions: { StringEquals: { 'aws:RequestTag/lifeline:managed': 'true' } },
        }),
      );
      step.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['rds:ModifyDBInstance'],
          resources: [drInstances],
          conditions: { StringEquals: { 'rds:db-tag/lifeline:app': config.appName } },
        }),
      );
      step.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['rds:StartDBInstanceAutomatedBackupsReplication'],
          resources: [instances, colonArn(stack, 'rds', 'auto-backup', '*', away.region)],
        }),
      );
      step.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [away.database.key.keyArn] }),
      );
    }
    // Restoring an encrypted instance uses its key.
    step.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [home.database.key.keyArn] }),
    );

    fn.VerifyFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnByName(stack, props.inventory.databaseSecretId, region)],
      }),
    );
    if (home.database.credentials)
      fn.VerifyFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [home.database.key.keyArn] }));
    topic.grantPublish(fn.ApprovalFunction);
    fn.ReportFunction.role?.addManagedPolicy(home.artifacts.controlPlaneAccess);

    this.workflow = new Workflow(this, 'Workflow', {
      job: PITR_JOB,
      substitutions: functions.substitutions(),
      functions: functions.all,
      resources: {},
    });
    this.workflow.alarmOnFailures(topic, 'A Lifeline point-in-time recovery failed (its summary is the execution cause)');
  }
}
