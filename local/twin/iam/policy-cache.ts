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

export const cacheFileOf = (config: LifelineConfig): string =>
  join(POLICY_CACHE_DIR, `${createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16)}.json`);

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
 * The IAM view of `config`: from the cache when its digest is current,
 * otherwise synthesized (several seconds) and written to the cache, to be
 * committed with the change that made it stale (`npm run policies`
 * refreshes every cached configuration).
 */
export async function iamViewFor(config: LifelineConfig, digest = policySourceDigest()): Promise<IamView> {
  const file = cacheFileOf(config);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedPolicies;
    if (cached.sourceDigest === digest) return cached.view;
  }
  const view = await synthesizeIamView(config);
  mkdirSync(POLICY_CACHE_DIR, { recursive: true });
  const entry: CachedPolicies = { sourceDigest: digest, config, view };
  writeFileSync(file, `${JSON.stringify(entry)}\n`);
  return view;
}

/** The cached configurations, as stored. */
export function cachedPolicies(): { file: string; entry: CachedPolicies }[] {
  if (!existsSync(POLICY_CACHE_DIR)) return [];
  return readdirSync(POLICY_CACHE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      file: join(POLICY_CACHE_DIR, f),
      entry: JSON.parse(readFileSync(join(POLICY_CACHE_DIR, f), 'utf8')) as CachedPolicies,
    }));
}
