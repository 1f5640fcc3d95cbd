import { afterAll, expect } from 'vitest';
import type { Refusal } from '../../local/twin/iam/authorizer';

/** Where local/twin/index.ts keeps the twins a process started (read here without loading the twin). */
const STARTED = Symbol.for('lifeline.twins.started');

/**
 * Every test file ends by checking that IAM refused nothing no test asked it
 * to refuse: a call the product makes that its deployed policies do not allow
 * fails the file that made it, whatever the workflow did with the error.
 */
afterAll(() => {
  const twins = (globalThis as { [STARTED]?: Set<{ iams: { unexpectedRefusals(): Refusal[] }[] }> })[STARTED] ?? new Set();
  const unexpected = [...twins].flatMap((twin) => twin.iams.flatMap((iam) => iam.unexpectedRefusals()));
  expect(unexpected.map((r) => `${r.call} refused ${r.action} on ${r.resource} to ${r.principal}`)).toEqual([]);
});
