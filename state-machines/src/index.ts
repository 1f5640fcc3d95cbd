import type { StateMachine } from './asl';
import { alarmScaling } from './alarm-scaling';
import { backup } from './backup';
import { backupTarget } from './backup-target';
import { drFailback } from './dr-failback';
import { drFailover } from './dr-failover';
import { pointInTimeRecovery } from './point-in-time-recovery';
import { restoreVerification } from './restore-verification';

/** Every machine by its file, state-machines/<file>.asl.json (the name the CDK app and the local runner load). */
export const STATE_MACHINES: { [file: string]: StateMachine } = {
  'alarm-scaling': alarmScaling,
  backup,
  'backup-target': backupTarget,
  'dr-failback': drFailback,
  'dr-failover': drFailover,
  'point-in-time-recovery': pointInTimeRecovery,
  'restore-verification': restoreVerification,
};

/** The published text: the CDK app inlines it into the templates as it is, so its bytes are the deployed definition. */
export const aslText = (definition: StateMachine) => JSON.stringify(definition, null, 2) + '\n';
