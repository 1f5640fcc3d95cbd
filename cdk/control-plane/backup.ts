import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SCHEDULED_BACKUP_INPUT } from '../../contracts/backup';
import { BACKUP_TARGET_TAG } from '../../contracts/inventory';
import type { LifelineConfig } from '../../contracts/config/schema';
import { colonArn, managedSnapshotArn, secretArnByName } from './inventory';
import { cacheIdOf, databaseIdOf } from '../../contracts/inventory';
import { alarmOnNoSuccess } from './job-alarms';
import { JobFunctions, type TwoRegionJobProps } from './job-functions';
import { metricIdentity } from '../../contracts/metrics';
import { placeholdersOfFile, substitutionsFor } from '../../contracts/asl';
import { Workflow } from './workflow';

export interface BackupProps extends TwoRegionJobProps {
  readonly topic: sns.ITopic;
}

/**
 * The backup job of one region (both regions deploy it; it acts while its region is active, copying to the other):
 * state-machines/backup.asl.json (plan, one child per
 * target, summary) and backup-target.asl.json (one target), their functions
 * (functions/backup), an EventBridge Scheduler schedule, and alarms on failed
 * executions and on the age of the newest good backup.
 */
export class Backup extends Construct {
  readonly workflow: Workflow;
  readonly targetWorkflow: Workflow;
  readonly functions: JobFunctions;

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, home, away, inventory, role } = props;
    const [homeRegion, awayRegion] = [home.region, away.region];
    const snapshotArn = (region: string) => managedSnapshotArn(stack, 'rds', region);
    const cacheSnapshotArn = managedSnapshotArn(stack, 'elasticache', homeRegion);
    // What this region backs up while it is active: its database and cache, or (pilot light's DR region) those a
    // failover restores under the names contracts/naming.ts gives them.
    const databaseArn = colonArn(stack, 'rds', 'db', databaseIdOf(inventory, role), homeRegion);
    const hasCache = Boolean(inventory.primary.cacheReplicationGroupId);
    const cacheGroupArn = hasCache
      ? colonArn(stack, 'elasticache', 'replicationgroup', home.cache?.replicationGroup.ref ?? cacheIdOf(inventory, role), homeRegion)
      : undefined;

    this.functions = new JobFunctions(this, 'Functions', { ...props, job: 'backup', workload: home, topic: props.topic });
    const fn = this.functions.byPlaceholder;
    // Explicit statements, not grant*(): those would edit the workload stack's resource policies and make it depend on this one.
    // The master secret here: the primary's own, or its replica in the DR region (same name, its own suffix).
    fn.RecoveryPointFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [home.database.credentials?.secretArn ?? secretArnByName(stack, inventory.databaseSecretId, homeRegion)],
      }),
    );
    // The primary's secrets are encrypted with its database and cache keys; their DR replicas with the region's default key.
    const secretKeys = [...(home.database.credentials ? [home.database.key.keyArn] : []), ...(home.cache ? [home.cache.key.keyArn] : [])];
    if (secretKeys.length)
      fn.RecoveryPointFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: secretKeys }));
    if (home.cache) {
      // The key count of a cache at snapshot time, through its AUTH token (each region's cache has its own).
      fn.RecoveryPointFunction.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [home.cache.authToken.secretArn] }),
      );
      fn.RecoveryPointFunction.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['elasticache:DescribeReplicationGroups'], resources: ['*'] }),
      );
    }

    const describe = new iam.PolicyStatement({
      actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBInstances', 'elasticache:DescribeSnapshots'],
      resources: ['*'],
    });
    for (const f of [fn.RecoveryPointFunction, fn.CopyToDrFunction, fn.CopyStatusFunction, fn.PruneFunction]) f.addToRolePolicy(describe);
    fn.CopyToDrFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:CopyDBSnapshot', 'rds:AddTagsToResource'],
        resources: [snapshotArn(homeRegion), snapshotArn(awayRegion)],
      }),
    );
    // Copying an encrypted snapshot across regions re-encrypts with the other region's key: RDS needs a grant on it.
    fn.CopyToDrFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant', 'kms:DescribeKey'],
        resources: [away.database.key.keyArn, home.database.key.keyArn],
      }),
    );
    for (const f of [fn.CopyToDrFunction, fn.PruneFunction]) {
      f.role?.addManagedPolicy(home.artifacts.controlPlaneAccess);
      f.role?.addManagedPolicy(away.artifacts.controlPlaneAccess);
    }
    fn.CopyToDrFunction.role?.addManagedPolicy(away.artifacts.multipartCopyAccess);
    fn.PruneFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:DeleteDBSnapshot'],
        resources: [snapshotArn(homeRegion), snapshotArn(awayRegion)],
        // Only snapshots that carry the managed tag: never an operator's own.
        conditions: { StringEquals: { 'rds:snapshot-tag/lifeline:managed': 'true' } },
      }),
    );
    fn.PruneFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:DeleteSnapshot', 'elasticache:ListTagsForResource'],
        resources: [cacheSnapshotArn],
      }),
    );

    // One child execution per target (its own history), started and awaited by the parent.
    this.targetWorkflow = new Workflow(this, 'TargetWorkflow', {
      job: 'backup-target',
      substitutions: substitutionsFor('backup-target', this.functions.substitutions()),
      functions: this.functions.usedBy(placeholdersOfFile('backup-target')),
      resources: {
        'rds:CreateDBSnapshot': [home.database.instance?.instanceArn ?? databaseArn, snapshotArn(homeRegion)],
        'elasticache:CreateSnapshot': [...(cacheGroupArn ? [cacheGroupArn] : []), cacheSnapshotArn],
        'elasticache:CopySnapshot': [cacheSnapshotArn],
      },
      extraStatements: [
        // Creating a snapshot with tags is also an AddTagsToResource on it.
        new iam.PolicyStatement({ actions: ['rds:AddTagsToResource'], resources: [snapshotArn(homeRegion)] }),
        new iam.PolicyStatement({ actions: ['elasticache:AddTagsToResource'], resources: [cacheSnapshotArn] }),
        // The caller of an export needs s3:ListAllMyBuckets, which has no resource-level scoping
        // (ElastiCache User Guide, "Exporting a backup": step "Grant ElastiCache access to your Amazon S3 bucket").
        new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] }),
        ...(role === 'primary' ? additionalTargetStatements(stack, config, homeRegion) : []),
      ],
    });
    // An export to S3 is written by ElastiCache on the caller's behalf.
    this.targetWorkflow.role.addManagedPolicy(home.artifacts.controlPlaneAccess);

    const targetArn = this.targetWorkflow.stateMachine.stateMachineArn;
    this.workflow = new Workflow(this, 'Workflow', {
      job: 'backup',
      substitutions: {
        ...substitutionsFor('backup', this.functions.substitutions()),
        TopicArn: props.topic.topicArn,
        TargetStateMachineArn: targetArn,
      },
      functions: this.functions.usedBy(placeholdersOfFile('backup')),
      resources: {
        'states:StartExecution': [targetArn],
        'sns:Publish': [props.topic.topicArn],
      },
      extraStatements: [
        // startExecution.sync: describe and stop the child, and the managed rule that reports its completion.
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [
            stack.formatArn({
              service: 'states',
              resource: 'execution',
              resourceName: `${this.targetWorkflow.stateMachine.stateMachineName}:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
        new iam.PolicyStatement({
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [
            stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' }),
          ],
        }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [home.notifications.key.keyArn] }),
      ],
    });

    new scheduler.Schedule(this, 'Schedule', {
      description: `Lifeline ${config.appName}: scheduled backup`,
      schedule: scheduler.ScheduleExpression.expression(config.backup.schedule),
      timeWindow:
        config.backup.flexibleWindowMinutes > 0
          ? scheduler.TimeWindow.flexible(Duration.minutes(config.backup.flexibleWindowMinutes))
          : scheduler.TimeWindow.off(),
      target: new schedulerTargets.StepFunctionsStartExecution(this.workflow.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_BACKUP_INPUT),
        retryAttempts: 2,
      }),
    });

    this.workflow.alarmOnFailures(props.topic, 'A Lifeline backup execution failed');
    // No successful backup of a target within the freshness window: the newest good backup is too old. A scheduled
    // run in the passive region counts too (it backs nothing up because the active region does).
    for (const target of ['database', 'cache']) {
      alarmOnNoSuccess(this, `Stale-${target}`, {
        description: `No successful Lifeline backup of the ${target} within ${config.backup.maxAgeMinutes} minutes (or passive-region run)`,
        // One metric both paths publish, not a sum of two: metric math on a series with no data in the window
        // (the passive region's successes) is no data, which would breach.
        metric: metricIdentity('backup', 'covered', target),
        period: Duration.minutes(config.backup.maxAgeMinutes),
        topic: props.topic,
      });
    }
  }
}

/**
 * Snapshots of the configured further targets: of any instance or replication group of the primary region that
 * carries the `lifeline:backup` tag with this app's name (their identifiers are the operator's, so the tag scopes the
 * grant; one statement whatever their number, where a list of ARNs would outgrow IAM's policy size limit).
 */
function additionalTargetStatements(stack: Stack, config: LifelineConfig, region: string): iam.PolicyStatement[] {
  const kinds = new Set(config.backup.additionalTargets.map((t) => t.kind));
  const statements: iam.PolicyStatement[] = [];
  if (kinds.has('rds')) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['rds:CreateDBSnapshot'],
        resources: [colonArn(stack, 'rds', 'db', '*', region)],
        conditions: { StringEquals: { [`rds:db-tag/${BACKUP_TARGET_TAG}`]: config.appName } },
      }),
    );
  }
  if (kinds.has('elasticache')) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['elasticache:CreateSnapshot'],
        resources: [colonArn(stack, 'elasticache', 'replicationgroup', '*', region)],
        conditions: { StringEquals: { [`aws:ResourceTag/${BACKUP_TARGET_TAG}`]: config.appName } },
      }),
    );
  }
  return statements;
}
