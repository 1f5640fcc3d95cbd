import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Test-only machine: `rounds` of Wait 60 s → Pass → Choice between a start
 * and an end state, so 3 × rounds + 2 transitions and rounds minutes of
 * virtual time. Used by the runner test and the 1,000-transition benchmark.
 */
export function waitLoop(rounds: number): StateMachineDefinition {
  return {
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Result: { n: 0 }, Next: 'Tick' },
      Tick: { Type: 'Wait', Seconds: 60, Next: 'Count' },
      Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Again' },
      Again: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: rounds, Next: 'Tick' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
}
