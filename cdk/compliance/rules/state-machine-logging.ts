import { compliantIf, isRecord, RuleCompliance, type TemplateRule } from '../rule';

/** Every state machine logs executions at level ALL, with execution data, and is traced. */
export const stateMachineLogging: TemplateRule = {
  id: 'Lifeline-StateMachineLogging',
  description: 'State machines must log at level ALL with execution data and enable X-Ray tracing',
  check: ({ Type, Properties: p = {} }) => {
    if (Type !== 'AWS::StepFunctions::StateMachine') return RuleCompliance.NOT_APPLICABLE;
    const logging = p.LoggingConfiguration;
    const tracing = p.TracingConfiguration;
    return compliantIf(
      isRecord(logging) &&
        logging.Level === 'ALL' &&
        logging.IncludeExecutionData === true &&
        isRecord(tracing) &&
        tracing.Enabled === true,
    );
  },
};
