import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmEventPattern } from '../../contracts/alarm-scaling';

import { ALARM_CATALOG } from '../../contracts/alarm-catalog';
import type { WorkloadStack } from '../stacks/workload-stack';
import { type JobProps, JobFunctions } from './job-functions';
import { Workflow } from './workflow';

export interface ScalingProps extends JobProps {
  /** The primary region's workload, whose alarms start the job. */
  readonly workload: WorkloadStack;
  readonly topic: sns.ITopic;
}

/**
 * The alarm-scaling job: an EventBridge rule on the workload's scaling alarms
 * (the pattern from functions/scaling/contract.ts) starts
 * state-machines/alarm-scaling.asl.json with the event as its input.
 */
export class Scaling extends Construct {
  readonly workflow: Workflow;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ScalingProps) {
    super(scope, id);
    const { workload } = props;
    const service = workload.service.service;
    const functions = new JobFunctions(this, 'Functions', { ...props, job: 'alarm-scaling', workload, topic: props.topic });
    const fn = functions.byPlaceholder;
    // Every alarm that scales something: the service, and the linked targets (cache replicas, read replicas) whose
    // policies the configuration may name. The rule routes exactly these, and the decision reads their tags.
    const scalingAlarms = Object.entries(workload.alarms.alarms).flatMap(([alarmId, alarm]) => {
      const scales = ALARM_CATALOG[alarmId as keyof typeof ALARM_CATALOG]?.scales;
      return scales && scales !== 'none' && alarm ? [alarm] : [];
    });
    fn.DecideFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:ListTagsForResource'], resources: scalingAlarms.map((a) => a.alarmArn) }),
    );
    fn.DecideFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [service.serviceArn] }));
    fn.SyncAutoScalingFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['application-autoscaling:DescribeScalableTargets'], resources: ['*'] }),
    );
    // Linked targets: the cache's replica count and the primary's read replicas.
    const linkedReaders = new iam.PolicyStatement({
      actions: ['elasticache:DescribeReplicationGroups', 'rds:DescribeDBInstances'],
      resources: ['*'],
    });
    for (const f of [fn.DecideFunction, fn.ApplyLinkedFunction, fn.LinkedStatusFunction]) f.addToRolePolicy(linkedReaders);
    if (workload.cache) {
      const group = Stack.of(this).formatArn({
        service: 'elasticache',
        resource: 'replicationgroup',
        resourceName: workload.cache.replicationGroup.ref,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      fn.ApplyLinkedFunction.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['elasticache:IncreaseReplicaCount', 'elasticache:DecreaseReplicaCount'], resources: [group] }),
      );
    }
    if (workload.database.replicaScalingPolicy) fn.ApplyLinkedFunction.role?.addManagedPolicy(workload.database.replicaScalingPolicy);
    fn.SyncAutoScalingFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['application-autoscaling:RegisterScalableTarget'],
        resources: [
          Stack.of(this).formatArn({
            service: 'application-autoscaling',
            resource: 'scalable-target',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        // Scalable target ids are generated: the condition keys Application Auto Scaling defines (Service Authorization
        // Reference: service-namespace and scalable-dimension; there is no resource-id key) limit it to ECS services' counts.
        conditions: {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      }),
    );

    this.workflow = new Workflow(this, 'Workflow', {
      job: 'alarm-scaling',
      substitutions: { ...functions.substitutions(), TopicArn: props.topic.topicArn },
      functions: functions.all,
      resources: {
        'ecs:UpdateService': [service.serviceArn],
        'sns:Publish': [props.topic.topicArn],
      },
      extraStatements: [
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [workload.notifications.key.keyArn] }),
      ],
    });

    this.rule = new events.Rule(this, 'AlarmStateChange', {
      description: 'Lifeline: workload scaling alarms → alarm-scaling workflow',
      eventPattern: alarmEventPattern(scalingAlarms.map((a) => a.alarmArn)),
      targets: [new targets.SfnStateMachine(this.workflow.stateMachine, { retryAttempts: 4, maxEventAge: Duration.hours(1) })],
    });

    this.workflow.alarmOnFailures(props.topic, 'A Lifeline scaling execution failed');
  }
}
