import { answerCommands, type ApprovalDeps, sendApprovalRequest, topicRegion } from '../shared/approval';
import { requiredEnv } from '../shared/env';
import { ledgerFromEnv } from '../shared/ledger';
import { PENDING_APPROVALS, type Run } from '../../contracts/dr-runbook';
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
    ...answerCommands(run.toRegion, event.taskToken, run.approvalTimeoutSeconds, 'nothing will be changed'),
  ];
  return { subject: `Lifeline: approve DR ${run.direction} to ${run.toRegion}?`.slice(0, 99), message: lines.join('\n') };
}

/** Records the request in the ledger, then publishes it with retries (functions/shared/approval.ts). */
export async function requestApproval(event: ApprovalEvent, deps: ApprovalDeps): Promise<{ requested: true; delivered: boolean }> {
  const { subject, message } = approvalMessage(event);
  const { run } = event;
  return sendApprovalRequest(
    {
      pk: PENDING_APPROVALS,
      executionName: run.executionName,
      taskToken: event.taskToken,
      subject,
      message,
      fields: { direction: run.direction, toRegion: run.toRegion },
    },
    deps,
  );
}

const topicArn = requiredEnv('TOPIC_ARN');
const ledger = ledgerFromEnv(topicRegion(topicArn));

export const handler = (event: ApprovalEvent) => requestApproval(event, { ledger, topicArn, now: () => new Date() });
