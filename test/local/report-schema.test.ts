import { describe, expect, it } from 'vitest';
import { drillReportJsonSchema } from '../../local/drill/report-schema';
import { publishedSchema, reportValidator } from '../support/report';

describe('the drill report schema', () => {
  it('is published as generated from its definition (run `npm run schema` after a change)', () => {
    expect(publishedSchema).toEqual(drillReportJsonSchema());
  });

  it('rejects a report that does not follow it, naming where', () => {
    const validate = reportValidator();
    const report = {
      startedAt: '2026-01-05T12:00:00.000Z',
      config: { appName: 'demo', primary: 'us-east-1', dr: 'us-west-2', strategy: 'warm-standby', rtoMinutes: 30, rpoMinutes: 15 },
      twin: { bootMs: 900, resources: [] },
      checks: {
        calls: 185,
        modelChecked: 185,
        modelViolations: 0,
        modelCheckMs: 53,
        authorized: 200,
        iamEvaluations: 90,
        iamMs: 300,
        refusals: [],
      },
      steps: [],
      ok: true,
      wallMs: 2000,
    };
    expect(validate(report)).toBe(true);
    expect(validate({ ...report, ok: 'yes' })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toEqual(['/ok']);
    expect(validate({ ...report, steps: [{ name: 'backup' }] })).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain("/steps/0 must have required property 'job'");
    expect(validate({ ...report, startedAt: 'yesterday' })).toBe(false);
  });
});
