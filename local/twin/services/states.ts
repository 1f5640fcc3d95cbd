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

  constructor(private readonly core: AwsCore) {
    this.actions = {
      SendTaskSuccess: (_region: string, input: Input) => this.settle(input, 'success'),
      SendTaskFailure: (_region: string, input: Input) => this.settle(input, 'failure'),
    };
  }

  private async settle(input: Input, how: 'success' | 'failure'): Promise<object> {
    const token = requireString('sfn', input, 'taskToken');
    const waiter = this.core.taskTokens.get(token);
    if (!waiter) throw serviceError('sfn', 'TaskDoesNotExist', 'Task Token does not exist or has already been used');
    this.core.taskTokens.delete(token);
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
