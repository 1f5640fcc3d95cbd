import type { Twin } from './twin';
import { runAsOperator } from './twin/iam/authorizer';

/**
 * An operator who reads the approval request on SNS and answers it after
 * `afterSeconds` of virtual time, with the command the message gives.
 * Returns the unsubscribe.
 */
export function approveWith(twin: Twin, answer: Answer): () => void {
  const subscriber = (message: { message: string }) => {
    const token = /--task-token "([^"]+)"/.exec(message.message)?.[1];
    const region = /--region (\S+) --task-token/.exec(message.message)?.[1];
    if (token) answerLater(twin, token, answer, region);
  };
  twin.sns.subscribers.push(subscriber);
  return () => twin.sns.subscribers.splice(twin.sns.subscribers.indexOf(subscriber), 1);
}

/**
 * An operator who gets no notification and finds the pending approval in the ledger (`dr#approval` or
 * `pitr#approval`, where the approval functions record it before sending), answering it after `afterSeconds`.
 * Returns the stop.
 */
export function approveFromLedger(twin: Twin, answer: Answer): () => void {
  const tokens = () =>
    twin.dynamodb
      .scan(twin.controlPlane.ledgerTable)
      .flatMap((r) => (isApprovals(r.pk) && typeof r.taskToken === 'string' ? [{ token: r.taskToken, region: regionOf(r) }] : []));
  // Requests recorded before the operator looked were answered (or expired) already.
  const answered = new Set(tokens().map((t) => t.token));
  const observer = (mutation: { service: string; resource: string }) => {
    if (mutation.service !== 'dynamodb' || !/(dr|pitr)#approval/.test(mutation.resource)) return;
    for (const { token, region } of tokens().filter((t) => !answered.has(t.token))) {
      answered.add(token);
      answerLater(twin, token, answer, region);
    }
  };
  twin.core.mutationObservers.push(observer);
  return () => twin.core.mutationObservers.splice(twin.core.mutationObservers.indexOf(observer), 1);
}

type Answer = { decision: 'approve' | 'reject'; afterSeconds: number };

const isApprovals = (pk: unknown) => pk === 'dr#approval' || pk === 'pitr#approval';
/** Where the request's execution runs: a DR runbook's in the region it moves to, a point-in-time recovery's in its region. */
const regionOf = (record: Record<string, unknown>) =>
  typeof record.toRegion === 'string' ? record.toRegion : typeof record.region === 'string' ? record.region : undefined;

/**
 * An operator who reads the request on SNS and, when none came, finds it in the ledger `ledgerAfterSeconds` after
 * it was recorded. Whoever answers second finds the task gone (TaskTimedOut) and leaves it.
 */
export function approveWhenAsked(twin: Twin, answer: Answer, ledgerAfterSeconds: number): () => void {
  const stops = [approveWith(twin, answer), approveFromLedger(twin, { ...answer, afterSeconds: ledgerAfterSeconds })];
  return () => {
    for (const stop of stops) stop();
  };
}

/** The operator answers at a console: not as the approval function whose request it read. */
function answerLater(twin: Twin, token: string, answer: Answer, region = twin.drRegion): void {
  setTimeout(() => {
    const call = runAsOperator(() =>
      answer.decision === 'approve'
        ? twin.core.call('sfn', 'SendTaskSuccess', region, {
            taskToken: token,
            output: JSON.stringify({ approvedBy: 'twin operator' }),
          })
        : twin.core.call('sfn', 'SendTaskFailure', region, { taskToken: token, error: 'Rejected', cause: 'not a real outage' }),
    );
    // A request another channel answered already: the token is used, which is what the operator sees too.
    void call.catch((error: unknown) => {
      if (!(error instanceof Error && error.name === 'TaskTimedOut')) throw error;
    });
  }, answer.afterSeconds * 1000);
}
