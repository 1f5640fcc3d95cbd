import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LAYERS, readSource, ROOT, violationsOf } from '../support/layers';

const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file && file.split('/')[0] in LAYERS && existsSync(join(ROOT, file)));

describe('layering', () => {
  it('finds the source files of every layer', () => {
    const layers = new Set(sources.map((file) => file.split('/')[0]));
    expect([...layers].sort()).toEqual(Object.keys(LAYERS).sort());
  });

  it('no import crosses a layer boundary', () => {
    const violations = sources.flatMap((file) => violationsOf(file, readSource(file)));
    expect(violations).toEqual([]);
  });

  const reportsForbiddenImports =
    'reports Lambda code that reaches into the CDK app, the CDK app that reaches into the twin, and contracts that import anything';
  it(reportsForbiddenImports, () => {
    expect(violationsOf('functions/dr/x.ts', "import { a } from '../../cdk/config/schema';")).toEqual([
      { file: 'functions/dr/x.ts', imports: '../../cdk/config/schema', why: 'functions/ may not import cdk/' },
    ]);
    expect(violationsOf('cdk/control-plane/x.ts', "import { b } from '../../local/twin/latency-profile';")[0].why).toBe(
      'cdk/ may not import local/',
    );
    expect(violationsOf('contracts/x.ts', "import { c } from '../functions/shared/errors';")[0].why).toBe(
      'contracts/ may not import functions/',
    );
    expect(violationsOf('contracts/x.ts', "import * as cdk from 'aws-cdk-lib';")[0].why).toBe('contracts/ may not depend on aws-cdk-lib');
    expect(violationsOf('functions/x.ts', "import { d } from '../contracts/inventory';")).toEqual([]);
  });
});
