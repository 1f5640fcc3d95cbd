import type { Run } from '../../../contracts/dr-runbook';
import { type DrDeps, messageOf, type Sides } from '../deps';
import type { Check } from './plan';

/** What every preflight check reads: the run, the deployment and which side is which, and one instant for all of it. */
export interface PreflightContext extends DrDeps, Sides {
  readonly run: Run;
  readonly now: Date;
}

export const isDenied = (error: unknown): boolean =>
  error instanceof Error && /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`);

/** The checks one concern of the preflight finds, in the order it finds them. */
export class Findings {
  readonly checks: Check[] = [];

  pass(name: string, detail: string, blocking = true): void {
    this.checks.push({ name, ok: true, blocking, detail });
  }

  fail(name: string, detail: string, blocking = true): void {
    this.checks.push({ name, ok: false, blocking, detail });
  }

  /** A measure against a target: reported either way, it never stops the runbook. */
  note(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, blocking: false, detail });
  }

  /** Runs one read and turns its failure into a finding: a denied call says the role cannot act there. */
  async probe<T>(name: string, blocking: boolean, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      this.fail(name, isDenied(error) ? `the runbook's role may not do this: ${messageOf(error)}` : messageOf(error), blocking);
      return undefined;
    }
  }
}
