import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalString, requireString } from '../util';

/**
 * Step Functions' task-token callbacks: a `.waitForTaskToken` task waits in
 * the runner until SendTaskSuccess or SendTaskFailure names its token (or
 * its TimeoutSeconds pass on the virtual clock).
 */
export class StepFunctionsTwin implements TwinService {
  readonly name = 'sfn' as const;
  readonly actions;
  /** Tokens whose tasks were answered. */
  private readonly spent = new Set<string>();

  constructor(private readonly core: AwsCore) {
    this.actions = {
      SendTaskSuccess: (_region: string, input: Input) => this.settle(input, 'success'),
      SendTaskFailure: (_region: string, input: Input) => this.settle(input, 'failure'),
    };
  }

  private async settle(input: Input, how: 'success' | 'failure'): Promise<object> {
    const token = requireString('sfn', input, 'taskToken');
    const waiter = this.core.taskTokens.get(token);
    // A token whose task was answered already: AWS answers TaskTimedOut, "Task Timed Out: 'Provided task does not
    // exist anymore'" (as public error reports quote it); TaskDoesNotExist is for a token that never existed.
    if (!waiter && this.spent.has(token))
      throw serviceError('sfn', 'TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    if (!waiter) throw serviceError('sfn', 'TaskDoesNotExist', 'Task Token does not exist');
    this.core.taskTokens.delete(token);
    this.spent.add(token);
    if (how === 'success') {
      const output = requireString('sfn', input, 'output');
      try {
        waiter.succeed(JSON.parse(output));
      } catch {
        throw serviceError('sfn', 'InvalidOutput', 'The output is not valid JSON');
      }
    } else {
      waiter.fail(optionalString(input, 'error') ?? 'States.TaskFailed', optionalString(input, 'cause') ?? '');
    }
    return {};
  }
}
