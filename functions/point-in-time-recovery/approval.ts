import { type PitrPlan, undoPhrase } from '../../contracts/point-in-time-recovery';
import { answerCommands, type ApprovalDeps, sendApprovalRequest, topicRegion } from '../shared/approval';
import { requiredEnv } from '../shared/env';
import { ledgerFromEnv } from '../shared/ledger';
import type { Findings } from './verify';

/** Where pending point-in-time recovery approvals are recorded (sk: the execution), closed by the run's report. */
export const PITR_APPROVALS = 'pitr#approval';

export interface PitrApprovalEvent {
  readonly taskToken: string;
  readonly plan: PitrPlan;
  readonly findings: Findings;
}

const writesText = (findings: Findings) =>
  findings.writes
    .filter((t) => (t.inserted ?? 0) + (t.updated ?? 0) + (t.deleted ?? 0) + (t.written ?? 0) > 0)
    .map((t) =>
      t.written !== undefined
        ? `  - ${t.table}: ${t.written} rows written`
        : `  - ${t.table}: ${t.inserted ?? 0} inserted, ${t.updated ?? 0} updated, ${t.deleted ?? 0} deleted (${t.basis})`,
    );

/** The request: what moves where, what the data says it gives up, how to undo it, and the commands that answer. */
export function pitrApprovalMessage({ plan, findings, taskToken }: PitrApprovalEvent): { subject: string; message: string } {
  const swap = plan.swap;
  const undo = plan.mode === 'undo';
  const what = undo
    ? `undo the point-in-time cutover ${plan.undoes?.execution ?? ''}: ${swap?.replacementId ?? ''} takes the name ${plan.instanceId} back`
    : `cut ${plan.instanceId} over to its copy restored to ${plan.targetTime ?? ''} (${swap?.replacementId ?? ''})`;
  const checks = (findings.checks ?? []).map((c) => `  ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  const lines = [
    `Lifeline asks for approval: ${what}, in ${plan.region}.`,
    `Execution: ${plan.runId} (started ${plan.startedAt})`,
    `Reason: ${plan.reason}`,
    '',
    ...(checks.length ? ['The restored copy:', ...checks, ''] : []),
    `Writes given up: ${findings.writesGivenUp} (${findings.basis})`,
    ...writesText(findings),
    '',
    `The application keeps its endpoint: ${plan.instanceId} is renamed to ${swap?.setAsideId ?? ''} (kept, deletion-protected), ` +
      `then ${swap?.replacementId ?? ''} to ${plan.instanceId}; the database is unavailable between the two renames ` +
      `(about ${Math.round((2 * plan.timings.renameInstance) / 60)} min).`,
    undo
      ? 'It can be undone again by a cutover to a point in time.'
      : `Undo afterwards: start this runbook with {"mode":"undo","undo":"${plan.runId}","confirm":"${undoPhrase(plan.runId)}",` +
        '"reason":"…"}.',
    '',
    ...answerCommands(plan.region, taskToken, plan.approvalTimeoutSeconds, 'the temporary instance is deleted; production is not touched'),
  ];
  const subject = `Lifeline: approve ${undo ? 'undo of a point-in-time cutover' : 'point-in-time cutover'} of ${plan.instanceId}?`;
  return { subject: subject.slice(0, 99), message: lines.join('\n') };
}

export async function requestPitrApproval(event: PitrApprovalEvent, deps: ApprovalDeps) {
  const { subject, message } = pitrApprovalMessage(event);
  return sendApprovalRequest(
    {
      pk: PITR_APPROVALS,
      executionName: event.plan.runId,
      taskToken: event.taskToken,
      subject,
      message,
      fields: { mode: event.plan.mode, instanceId: event.plan.instanceId, region: event.plan.region },
    },
    deps,
  );
}

const topicArn = requiredEnv('TOPIC_ARN');
const ledger = ledgerFromEnv(topicRegion(topicArn));

export const handler = (event: PitrApprovalEvent) => requestPitrApproval(event, { ledger, topicArn, now: () => new Date() });
