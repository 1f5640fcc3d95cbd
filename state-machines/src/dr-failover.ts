import { drRunbook } from './dr-runbook';

export const drFailover = drRunbook({
  direction: 'failover',
  comment:
    'Lifeline DR failover: validate the input, preflight the DR region (a dry run stops here), wait for approval, ' +
    'then promote or restore the database, bring up the cache and scale the service in parallel (and move traffic with ' +
    'them when the primary is unreachable), repoint the application if it must, move traffic once the DR side answers ' +
    "healthy, prove health and report RTO and RPO. Input: { mode: dry-run|failover, reason, confirm: 'failover to <dr-region>' }.",
  parallel: {
    name: 'Recover',
    comment: 'Database, cache and service come up at once, and traffic with them when the primary is unreachable.',
    steps: ['database', 'cache', 'service', 'traffic'],
  },
  then: ['repoint', 'dns', 'health'],
});
