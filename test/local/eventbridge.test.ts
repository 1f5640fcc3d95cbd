import { describe, expect, it } from 'vitest';
import { matchesPattern, transformInput } from '../../local/eventbridge';

const event = {
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  time: '2026-07-01T12:06:00Z',
  resources: ['arn:aws:cloudwatch:us-west-2:111122223333:alarm:shop-primary-unhealthy'],
  detail: { alarmName: 'shop-primary-unhealthy', state: { value: 'ALARM', reason: 'Threshold "Crossed": 5 datapoints' } },
};

describe("the twin's event bus", () => {
  it('matches content patterns: every key present, a value among the listed ones, objects recursively', () => {
    const pattern = { source: ['aws.cloudwatch'], detail: { state: { value: ['ALARM'] } } };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern({ ...pattern, detail: { state: { value: ['OK'] } } }, event)).toBe(false);
    expect(matchesPattern({ ...pattern, account: ['111122223333'] }, event)).toBe(false);
  });

  it('sends what an InputTransformer builds: strings inside a JSON string as text, elsewhere as JSON values', () => {
    // The template CDK renders for RuleTargetInput.fromObject with EventField paths (the failover proposal's rule).
    const transformer = {
      InputPathsMap: { 'detail-alarmName': '$.detail.alarmName', 'detail-state-reason': '$.detail.state.reason', time: '$.time' },
      InputTemplate:
        '{"mode":"failover","reason":"proposed by alarm <detail-alarmName>: <detail-state-reason>",' +
        '"proposedBy":"alarm","alarm":{"name":<detail-alarmName>,"at":<time>}}',
    };

    expect(transformInput(transformer, event)).toEqual({
      mode: 'failover',
      reason: 'proposed by alarm shop-primary-unhealthy: Threshold "Crossed": 5 datapoints',
      proposedBy: 'alarm',
      alarm: { name: 'shop-primary-unhealthy', at: '2026-07-01T12:06:00Z' },
    });
  });
});
