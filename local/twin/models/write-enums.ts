import { writeFileSync } from 'node:fs';
import { ENUMS_FILE, enumsFileText } from './enum-source';

/** Regenerates enums.json from the installed SDK clients: `node --import tsx local/twin/models/write-enums.ts`. */
enumsFileText().then(
  (text) => {
    writeFileSync(ENUMS_FILE, text);
    console.log(`wrote ${ENUMS_FILE}`);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
