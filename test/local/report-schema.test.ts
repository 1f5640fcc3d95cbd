import { describe, expect, it } from 'vitest';
import { drillReportJsonSchema } from '../../local/drill/report-schema';
import { publishedSchema, reportValidator, sampleReport } from '../support/report';

describe('the drill report schema', () => {
  it('is published as generated from its definition (run `npm run schema` after a change)', () => {
    expect(publishedSchema).toEqual(drillReportJsonSchema());
  });

  it('rejects a report that does not follow it, naming where', () => {
    const validate = reportValidator();
    const report = { ...sampleReport, steps: [], ok: true };
    expect(validate(report)).toBe(true);
    expect(validate({ ...report, ok: 'yes' })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toEqual(['/ok']);
    expect(validate({ ...report, steps: [{ name: 'backup' }] })).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain("/steps/0 must have required property 'job'");
    expect(validate({ ...report, startedAt: 'yesterday' })).toBe(false);
  });
});
