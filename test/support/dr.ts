import type { Twin } from '../../local/twin';

export { approveFromLedger, approveWith } from '../../local/operator';

/** Changes to anything but the control plane's own ledger since `from` (the mutation log index). */
export function protectedMutations(twin: Twin, from: number) {
  return twin.core.mutations.slice(from).filter((m) => m.service !== 'dynamodb');
}
