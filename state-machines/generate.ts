/**
 * Writes state-machines/<file>.asl.json from state-machines/src (npm run asl);
 * with --check writes nothing and exits 1 naming the files that differ from their source.
 * A machine file without a source fails either way.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aslText, STATE_MACHINES } from './src/index';

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [file, definition] of Object.entries(STATE_MACHINES)) {
  const path = join(__dirname, `${file}.asl.json`);
  const text = aslText(definition);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
  stale.push(`state-machines/${file}.asl.json`);
  if (!check) writeFileSync(path, text);
}
// A machine file whose source is gone would still be deployed; it cannot be regenerated, only deleted.
const orphans = readdirSync(__dirname).filter(
  (name) => name.endsWith('.asl.json') && !(name.slice(0, -'.asl.json'.length) in STATE_MACHINES),
);
if (orphans.length) console.error(`No source in state-machines/src for: ${orphans.join(', ')}`);
if (check && stale.length) console.error(`Stale (run npm run asl):\n${stale.join('\n')}`);
if (orphans.length || (check && stale.length)) process.exit(1);
console.log(stale.length ? `Wrote ${stale.join(', ')}` : 'All state machines are up to date');
