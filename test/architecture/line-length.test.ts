import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readSource, ROOT } from '../support/layers';

/** Prettier wraps code at 140 but leaves long strings and comments alone: this holds them to the same width. */
const MAX = 140;

/** Every hand-written source file (generated files, JSON, are written by their generators). */
const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts', '*.mjs'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file && existsSync(join(ROOT, file)));

function longLines(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => (line.length > MAX ? [`${file}:${i + 1} (${line.length})`] : []));
}

describe('line length', () => {
  it(`no line of a source file is longer than ${MAX} characters`, () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.flatMap((file) => longLines(file, readSource(file)))).toEqual([]);
  });
});
