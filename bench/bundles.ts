import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLING, FUNCTIONS_DIR } from '../cdk/control-plane/ops-function';
import { JOB_FUNCTIONS, SCHEDULED_FUNCTION_ENTRIES } from '../contracts/jobs';
import { median } from './stats';

/** Real milliseconds of ten runs of `node` with `args`, failing with `what` when one does not exit 0. */
function nodeRunsMs(args: string[], env: NodeJS.ProcessEnv, what: string): number[] {
  const runs: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    const start = performance.now();
    const child = spawnSync(process.execPath, args, { env });
    runs.push(performance.now() - start);
    if (child.status !== 0) throw new Error(`${what} failed to load: ${child.stderr.toString()}`);
  }
  return runs;
}

/**
 * Every function bundled as the CDK bundles it: its size, and its cold
 * import time (a fresh `node` requiring the bundle, less a bare `node`).
 */
export async function bundleFigures(env: Record<string, string>) {
  const out = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
  const bare = nodeRunsMs(['-e', '0'], process.env, 'node');
  const figures: Record<string, { bundleBytes: number; coldImportMs: number }> = {};
  // Every function once, by entry (the DR runbooks share theirs), as handlerWallMs is keyed.
  const entries = new Set([
    ...Object.values(JOB_FUNCTIONS).flatMap((functions) => Object.values(functions).map((spec) => spec.entry)),
    ...Object.values(SCHEDULED_FUNCTION_ENTRIES),
  ]);
  for (const entry of entries) {
    const outfile = join(out, `${entry.replace(/[/.]/g, '-')}.js`);
    // The same options the CDK's NodejsFunction uses (cdk/control-plane/ops-function.ts).
    await build({
      entryPoints: [join(FUNCTIONS_DIR, entry)],
      bundle: true,
      platform: 'node',
      outfile,
      logLevel: 'silent',
      ...BUNDLING,
      external: [...BUNDLING.external],
      mainFields: [...BUNDLING.mainFields],
    });
    const runs = nodeRunsMs(['-e', `require(${JSON.stringify(outfile)})`], { ...process.env, ...env, REGION_ROLE: 'primary' }, entry);
    figures[entry] = { bundleBytes: statSync(outfile).size, coldImportMs: Math.round(median(runs) - median(bare)) };
  }
  return { bareNodeMs: median(bare), functions: figures };
}
