import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Wall time of one command, in milliseconds. */
function wallMs(command: string, args: string[]): number {
  const start = performance.now();
  execFileSync(command, args, { stdio: 'ignore', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
  return Math.round(performance.now() - start);
}

const results = {
  measuredAt: new Date().toISOString(),
  synthWallMs: wallMs('npx', ['cdk', 'synth', '--quiet']),
  testWallMs: wallMs('npx', ['vitest', 'run']),
};
mkdirSync(join(__dirname), { recursive: true });
writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(results);
