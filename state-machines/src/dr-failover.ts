import { drRunbook } from './dr-runbook';

export const drFailover = drRunbook({
  direction: 'failover',
  comment:
    'Lifeline DR failover: validate the input, preflight the DR region (a dry run stops here), wait for approval, ' +
    'then promote or restore the database, bring up the cache and scale the service in parallel, repoint the application, ' +
    "switch DNS, prove health and report RTO and RPO. Input: { mode: dry-run|failover, reason, confirm: 'failover to <dr-region>' }.",
  parallel: {
    name: 'Recover',
    comment: 'Database, cache and service come up at once; the slowest sets the pace.',
    steps: ['database', 'cache', 'service'],
  },
  then: ['repoint', 'dns', 'health'],
});
