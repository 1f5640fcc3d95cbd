import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from './clients';
import { type LedgerRef, put } from './ledger';
import { logger } from './powertools';
import { regionOfArn } from '../../contracts/identifiers';

/** An approval request: where the ledger keeps it (pk, sk: the execution), what it says, and its task token. */
export interface ApprovalRequest {
  readonly pk: string;
  readonly executionName: string;
  readonly taskToken: string;
  readonly subject: string;
  readonly message: string;
  /** Further fields of the ledger record (what is asked, for whom). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface ApprovalDeps {
  readonly ledger: LedgerRef;
  readonly topicArn: string;
  readonly now: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Sends of the request, each with the SDK's own attempts, and full-jitter backoff between them (at most 2+4+8+16 s). */
const SEND_ATTEMPTS = 5;
const BASE_DELAY_MS = 1_000;
// Never reached with five sends (the longest wait is 16 s); a bound should SEND_ATTEMPTS grow.
const MAX_DELAY_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The topic's region, from its ARN: each runbook publishes to its own region's topic. */
export const topicRegion = (topicArn: string): string => regionOfArn(topicArn);

/**
 * Asks for an approval so that the question cannot be lost: it is recorded in the ledger first (what it asks and
 * the commands that answer it, with the task token), then published with retries, backoff and jitter. A request
 * that still cannot be delivered is logged and left pending: the execution waits on its token until an explicit
 * answer or the timeout, and the operator answers it from the ledger or the execution's history.
 */
export async function sendApprovalRequest(request: ApprovalRequest, deps: ApprovalDeps): Promise<{ requested: true; delivered: boolean }> {
  const { subject, message, executionName, taskToken } = request;
  await put(deps.ledger, {
    pk: request.pk,
    sk: executionName,
    at: deps.now().toISOString(),
    ...request.fields,
    taskToken,
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
          MessageAttributes: { taskToken: { DataType: 'String', StringValue: taskToken } },
        }),
      );
      logger.info('approval requested', { executionName, attempt });
      return { requested: true, delivered: true };
    } catch (error) {
      if (attempt >= SEND_ATTEMPTS) {
        logger.error(`approval request not delivered: the run waits; answer it from the ledger (pk ${request.pk}) or the execution`, {
          executionName,
          error,
        });
        return { requested: true, delivered: false };
      }
      await (deps.sleep ?? sleep)(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
    }
  }
}

/** The two commands that answer a request, as the message gives them. */
export function answerCommands(region: string, taskToken: string, timeoutSeconds: number, rejectEffect: string): string[] {
  const token = JSON.stringify(taskToken);
  return [
    `Approve (within ${Math.round(timeoutSeconds / 60)} min):`,
    `  aws stepfunctions send-task-success --region ${region} --task-token ${token} --task-output '{"approvedBy":"<your name>"}'`,
    `Reject (${rejectEffect}):`,
    `  aws stepfunctions send-task-failure --region ${region} --task-token ${token} --error Rejected --cause "<why>"`,
  ];
}
