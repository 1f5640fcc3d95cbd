import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aslText, STATE_MACHINES } from '../../state-machines/src/index';

const DIR = join(__dirname, '..', '..', 'state-machines');

describe('the state machine files', () => {
  it.each(Object.keys(STATE_MACHINES))('%s.asl.json is as generated from its source (run `npm run asl` after a change)', (file) => {
    // Prepare
    const published = readFileSync(join(DIR, `${file}.asl.json`), 'utf8');

    // Act
    const generated = aslText(STATE_MACHINES[file]);

    // Assess: compared as text, since the deployed definition is these exact bytes.
    expect(published, `${file}.asl.json is stale`).toBe(generated);
  });

  it('are exactly the generated ones: no file without a source, no source without a file', () => {
    // Prepare
    const sources = Object.keys(STATE_MACHINES).map((file) => `${file}.asl.json`);

    // Act
    const files = readdirSync(DIR).filter((name) => name.endsWith('.asl.json'));

    // Assess
    expect(files.sort()).toEqual(sources.sort());
  });
});
