import type { Twin } from './twin';
import { runAsOperator } from './twin/iam/authorizer';

/**
 * An operator who reads the approval request on SNS and answers it after
 * `afterSeconds` of virtual time, with the command the message gives.
 * Returns the unsubscribe.
 */
export function approveWith(twin: Twin, answer: { decision: 'approve' | 'reject'; afterSeconds: number }): () => void {
  const subscriber = (message: { message: string }) => {
    const token = /--task-token "([^"]+)"/.exec(message.message)?.[1];
    if (!token) return;
    // The operator answers at a console: not as the approval function whose SNS message it read.
    setTimeout(() => {
      const call = runAsOperator(() =>
        answer.decision === 'approve'
          ? twin.core.call('sfn', 'SendTaskSuccess', twin.drRegion, {
              taskToken: token,
              output: JSON.stringify({ approvedBy: 'twin operator' }),
            })
          : twin.core.call('sfn', 'SendTaskFailure', twin.drRegion, { taskToken: token, error: 'Rejected', cause: 'not a real outage' }),
      );
      void call;
    }, answer.afterSeconds * 1000);
  };
  twin.sns.subscribers.push(subscriber);
  return () => twin.sns.subscribers.splice(twin.sns.subscribers.indexOf(subscriber), 1);
}
