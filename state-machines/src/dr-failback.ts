import { drRunbook } from './dr-runbook';

export const drFailback = drRunbook({
  direction: 'failback',
  comment:
    'Lifeline DR failback: validate, preflight (the original region must be back), wait for approval, ' +
    'rebuild replication towards the original region and scale its service, stop the DR writers, ' +
    'wait until the replica has caught up, promote it, repoint, switch DNS back, prove health, ' +
    "put the DR region back on standby and report. Input: { mode: dry-run|failback, reason, confirm: 'failback to <primary-region>' }.",
  parallel: {
    name: 'Rebuild',
    comment: 'Replication towards the original region is rebuilt while its service scales up.',
    steps: ['replication', 'service'],
  },
  then: ['quiesce', 'database', 'repoint', 'dns', 'health', 'reprotect'],
});
