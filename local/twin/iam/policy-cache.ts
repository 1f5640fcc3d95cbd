import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseConfig } from '../../../contracts/config/load';
import type { LifelineConfig, LifelineConfigInput } from '../../../contracts/config/schema';
import type { Synthesized } from '../../../cdk/synth';
import { TWIN_ACCOUNT } from '../aws-core';
import { twinPhysicalIds } from './physical-ids';
import { type IamView, readIamView } from './template-view';

const ROOT = join(__dirname, '..', '..', '..');

/** Where the resolved policies of each configuration are kept (committed, so a clean clone does not synthesize). */
export const POLICY_CACHE_DIR = join(__dirname, 'cache');

/**
 * Where the twin keeps what it had to synthesize (a configuration not in the committed cache, or a stale one):
 * never the committed directory, so a run cannot hide a stale committed file. `npm run policies` promotes these.
 */
export const RUNTIME_POLICY_CACHE_DIR = join(__dirname, '..', '..', '..', 'node_modules', '.cache', 'lifeline-iam');

/**
 * Everything the synthesized policies and their resolution depend on: the
 * CDK app and the contracts it reads, the state machines, cdk.json, the
 * locked dependency versions and the twin's own naming and reading code.
 */
const SOURCES = [
  'cdk',
  'contracts',
  'state-machines',
  'cdk.json',
  'package-lock.json',
  'local/twin/seeding.ts',
  'local/twin/aws-core.ts',
  'local/twin/iam/policy-cache.ts',
  'local/twin/iam/intrinsics.ts',
  'local/twin/iam/physical-ids.ts',
  'local/twin/iam/template-view.ts',
];

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => filesUnder(`${path}/${entry}`));
}

/** A digest of every source the cached policies come from: a cached file with another digest is stale. */
export function policySourceDigest(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(filesUnder)) {
    hash.update(relative(ROOT, join(ROOT, file)));
    hash.update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex');
}

export interface CachedPolicies {
  readonly sourceDigest: string;
  readonly config: LifelineConfig;
  readonly view: IamView;
}

export const cacheFileOf = (config: LifelineConfig, dir = POLICY_CACHE_DIR): string =>
  join(dir, `${createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16)}.json`);

function readCurrent(file: string, digest: string): IamView | undefined {
  if (!existsSync(file)) return undefined;
  const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedPolicies;
  return cached.sourceDigest === digest ? cached.view : undefined;
}

/**
 * Synthesizes the app for `config` (in process, no bundling, cdk-nag on)
 * and reads its IAM view with the twin's names.
 */
export async function synthesizeIamView(input: LifelineConfigInput): Promise<IamView> {
  const { synthLifeline } = await import('../../../cdk/synth');
  return iamViewOf(synthLifeline(input), parseConfig(input));
}

/** The IAM view of an app synthesized for `config` (tests reuse a synthesis they already made). */
export function iamViewOf(synthesized: Pick<Synthesized, 'stacks' | 'json'>, config: LifelineConfig): IamView {
  const regions = Object.fromEntries(Object.values(synthesized.stacks).map((stack) => [stack.stackName, stack.region]));
  return readIamView(synthesized.json, regions, TWIN_ACCOUNT, twinPhysicalIds(config));
}

/**
 * The IAM view of `config`: from the committed cache when its digest is current, else from the runtime cache, else
 * synthesized (several seconds) and kept in the runtime cache. `writeTo` the committed cache is `npm run policies`.
 */
export async function iamViewFor(
  config: LifelineConfig,
  digest = policySourceDigest(),
  writeTo: 'runtime' | 'committed' = 'runtime',
): Promise<IamView> {
  const committed = readCurrent(cacheFileOf(config), digest);
  if (committed) return committed;
  const runtime = writeTo === 'runtime' ? readCurrent(cacheFileOf(config, RUNTIME_POLICY_CACHE_DIR), digest) : undefined;
  if (runtime) return runtime;
  const view = await synthesizeIamView(config);
  const dir = writeTo === 'committed' ? POLICY_CACHE_DIR : RUNTIME_POLICY_CACHE_DIR;
  mkdirSync(dir, { recursive: true });
  const entry: CachedPolicies = { sourceDigest: digest, config, view };
  writeFileSync(cacheFileOf(config, dir), `${JSON.stringify(entry)}\n`);
  return view;
}

/** The cached configurations, as stored (the committed cache unless `dir` says otherwise). */
export function cachedPolicies(dir = POLICY_CACHE_DIR): { file: string; entry: CachedPolicies }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: join(dir, f), entry: JSON.parse(readFileSync(join(dir, f), 'utf8')) as CachedPolicies }));
}
