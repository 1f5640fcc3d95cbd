import type { Twin } from '../../local/twin';
import type { FaultSpec } from '../../local/twin/faults';

/** Makes the twin's matching calls fail from now on: the next `count` of them, with `error` and `message`. */
export function failCalls(twin: Twin, fault: Omit<Extract<FaultSpec, { kind: 'fail' }>, 'kind'>): void {
  twin.core.faults.add({ kind: 'fail', ...fault }, twin.clock.now());
}
