import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from '../shared/clients';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/powertools';
import { topicRegion } from './topic';
import type { Run } from '../../contracts/dr-runbook';
import type { Preflight } from './preflight/plan';

export interface ApprovalEvent {
  readonly taskToken: string;
  readonly run: Run;
  readonly preflight: Preflight;
}

/**
 * The approval request: an SNS message saying what is about to happen, what
 * the preflight found, and the exact commands that approve or reject it.
 * The state machine waits on the task token until one of them is sent or
 * the approval times out; nothing has been changed yet.
 */
export function approvalMessage(event: ApprovalEvent): { subject: string; message: string } {
  const { run, preflight } = event;
  const token = JSON.stringify(event.taskToken);
  const findings = preflight.checks.filter((c) => !c.ok).map((c) => `  - ${c.name}: ${c.detail}`);
  const alarm = run.alarm?.name ? `: alarm ${run.alarm.name}` : '';
  const rpo = preflight.estimatedRpoSeconds === undefined ? 'unknown' : `${Math.round(preflight.estimatedRpoSeconds)} s`;
  const database = preflight.database ? `${preflight.database.action} ${preflight.database.instanceId}` : 'none';
  const lines = [
    `Lifeline asks for approval: ${run.direction} from ${run.fromRegion} to ${run.toRegion}.`,
    `Execution: ${run.executionName} (started ${run.startedAt}, proposed by ${run.proposedBy}${alarm})`,
    `Reason: ${run.reason}`,
    '',
    `Expected RTO ${Math.round(preflight.expectedRtoSeconds / 60)} min (target ${preflight.rtoTargetSeconds / 60} min); ` +
      `estimated RPO ${rpo} (target ${preflight.rpoTargetSeconds} s).`,
    `Service: ${preflight.desiredCount} tasks (${preflight.desiredCountSource}). Database: ${database}. Cache: ${preflight.cache.mode}.`,
    findings.length ? `Findings:\n${findings.join('\n')}` : 'Preflight found nothing wrong.',
    '',
    `Approve (within ${Math.round(run.approvalTimeoutSeconds / 60)} min):`,
    `  aws stepfunctions send-task-success --region ${run.toRegion} --task-token ${token} --task-output '{"approvedBy":"<your name>"}'`,
    'Reject (nothing will be changed):',
    `  aws stepfunctions send-task-failure --region ${run.toRegion} --task-token ${token} --error Rejected --cause "<why>"`,
  ];
  return { subject: `Lifeline: approve DR ${run.direction} to ${run.toRegion}?`.slice(0, 99), message: lines.join('\n') };
}

const topicArn = requiredEnv('TOPIC_ARN');

export const handler = async (event: ApprovalEvent): Promise<{ requested: true }> => {
  const { subject, message } = approvalMessage(event);
  await sns(topicRegion(topicArn)).send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subject,
      Message: message,
      MessageAttributes: { taskToken: { DataType: 'String', StringValue: event.taskToken } },
    }),
  );
  logger.info('approval requested', { executionName: event.run.executionName });
  return { requested: true };
};
