import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from '../shared/clients';
import { requiredEnv } from '../shared/env';
import { type LedgerRef, ledgerFromEnv, put } from '../shared/ledger';
import { logger } from '../shared/powertools';
import { topicRegion } from './topic';
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

/** Sends of the request, each with the SDK's own attempts, and full-jitter backoff between them (at most 2+4+8+16 s). */
const SEND_ATTEMPTS = 5;
const BASE_DELAY_MS = 1_000;
// Never reached with five sends (the longest wait is 16 s); a bound should SEND_ATTEMPTS grow.
const MAX_DELAY_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks for the approval so that the question cannot be lost: it is recorded in the ledger first (what it asks and
 * the commands that answer it, with the task token), then published with retries, backoff and jitter. A request
 * that still cannot be delivered is logged and left pending: the execution waits on its token until an explicit
 * answer or the timeout, and the operator answers it from the ledger or the execution's history.
 */
export async function requestApproval(
  event: ApprovalEvent,
  deps: {
    readonly ledger: LedgerRef;
    readonly topicArn: string;
    readonly now: () => Date;
    readonly random?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
  },
): Promise<{ requested: true; delivered: boolean }> {
  const { subject, message } = approvalMessage(event);
  const { run } = event;
  await put(deps.ledger, {
    pk: PENDING_APPROVALS,
    sk: run.executionName,
    at: deps.now().toISOString(),
    direction: run.direction,
    toRegion: run.toRegion,
    taskToken: event.taskToken,
    subject,
    message,
  });
  const random = deps.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sns(topicRegion(deps.topicArn)).send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: subject,
          Message: message,
          MessageAttributes: { taskToken: { DataType: 'String', StringValue: event.taskToken } },
        }),
      );
      logger.info('approval requested', { executionName: run.executionName, attempt });
      return { requested: true, delivered: true };
    } catch (error) {
      if (attempt >= SEND_ATTEMPTS) {
        logger.error('approval request not delivered: the run waits; answer it from the ledger (pk dr#approval) or the execution', {
          executionName: run.executionName,
          error,
        });
        return { requested: true, delivered: false };
      }
      await (deps.sleep ?? sleep)(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
    }
  }
}

const topicArn = requiredEnv('TOPIC_ARN');
const ledger = ledgerFromEnv(topicRegion(topicArn));

export const handler = (event: ApprovalEvent) => requestApproval(event, { ledger, topicArn, now: () => new Date() });
