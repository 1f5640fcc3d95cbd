import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sns } from '../../../functions/shared/clients';
import { logger } from '../../../functions/shared/powertools';
import { aws, awsError, DR, ledger, NOW, preflightOf, resetAws, runOf } from './fixtures';

const TOPIC = `arn:aws:sns:${DR}:111122223333:shop-notifications`;
const topic = mockClient(sns(DR));
const event = { taskToken: 'token-1', run: runOf('failover'), preflight: preflightOf() };

describe('approval request', () => {
  let requestApproval: typeof import('../../../functions/dr/approval').requestApproval;
  beforeAll(async () => {
    // The handler module reads its topic when loaded, as in Lambda.
    process.env.TOPIC_ARN = TOPIC;
    process.env.LEDGER_TABLE = ledger.table;
    ({ requestApproval } = await import('../../../functions/dr/approval'));
    logger.setLogLevel('SILENT');
  });
  beforeEach(() => {
    resetAws();
    topic.reset();
  });
  afterAll(() => topic.restore());
  const deps = { ledger, topicArn: TOPIC, now: () => NOW, random: () => 0 };

  it('records the request in the ledger, with the commands that answer it, before sending it', async () => {
    // Prepare
    topic.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    const result = await requestApproval(event, deps);

    // Assess
    expect(result).toEqual({ requested: true, delivered: true });
    const [put] = aws.ledger[DR].commandCalls(PutItemCommand);
    const record = unmarshall(put.args[0].input.Item ?? {});
    expect(record).toMatchObject({ pk: 'dr#approval', sk: 'failover-1', taskToken: 'token-1', toRegion: DR });
    expect(String(record.message)).toContain('aws stepfunctions send-task-success');
    expect(put.calledBefore(topic.commandCalls(PublishCommand)[0])).toBe(true);
  });

  it('sends again with backoff, and leaves a request it cannot deliver pending instead of failing or rejecting', async () => {
    // Prepare: the largest jitter draw, so each wait is its whole backoff
    topic.on(PublishCommand).rejects(awsError('InternalErrorException', 'SNS is down'));
    const waits: number[] = [];

    // Act
    const result = await requestApproval(event, { ...deps, random: () => 1, sleep: async (ms) => void waits.push(ms) });

    // Assess
    expect(result).toEqual({ requested: true, delivered: false });
    expect(topic.commandCalls(PublishCommand)).toHaveLength(5);
    expect(waits).toEqual([2000, 4000, 8000, 16000]);
    expect(aws.ledger[DR].commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('stops sending once a send gets through', async () => {
    // Prepare
    topic.on(PublishCommand).rejectsOnce(awsError('Throttling', 'Rate exceeded')).resolves({ MessageId: 'm-2' });

    // Act
    const result = await requestApproval(event, deps);

    // Assess
    expect(result.delivered).toBe(true);
    expect(topic.commandCalls(PublishCommand)).toHaveLength(2);
  });
});
