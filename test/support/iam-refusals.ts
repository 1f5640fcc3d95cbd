import { afterAll, expect } from 'vitest';
import type { Iam } from '../../local/twin/iam/authorizer';

/** Where local/twin/index.ts keeps the twins a process started (read here without loading the twin). */
const STARTED = Symbol.for('lifeline.twins.started');

/**
 * Every test file that starts a twin ends by checking its IAM: nothing was
 * refused that no test asked to be refused (a call the product makes that its
 * deployed policies do not allow fails the file that made it, whatever the
 * workflow did with the error), and every call authorized was authorized on
 * what the Service Authorization Reference says it involves.
 */
afterAll(async () => {
  const twins = (globalThis as { [STARTED]?: Set<{ iams: Iam[] }> })[STARTED] ?? new Set();
  const iams = [...twins].flatMap((twin) => twin.iams);
  // Checked once: a worker that runs several files in one process checks each file's twins after that file.
  twins.clear();
  const unexpected = iams.flatMap((iam) => iam.unexpectedRefusals());
  expect(unexpected.map((r) => `${r.call} refused ${r.action} on ${r.resource} to ${r.principal}`)).toEqual([]);
  if (iams.length === 0) return;
  const { checkAgainstReference } = await import('./authorization-reference');
  const problems = (await Promise.all(iams.map((iam) => checkAgainstReference(iam)))).flat();
  expect([...new Set(problems)]).toEqual([]);
});
