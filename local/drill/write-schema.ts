/** `npm run schema`: writes the drill report's JSON Schema from its zod definition (a test keeps the two equal). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drillReportJsonSchema } from './report-schema';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'schemas', 'drill-report.schema.json');

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, `${JSON.stringify(drillReportJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
