import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config/load';
import { stepsFor } from '../../local/drill/run';

const names = (only: Parameters<typeof stepsFor>[0], strategy: 'warm-standby' | 'pilot-light' = 'warm-standby') =>
  stepsFor(only, parseConfig({ dr: { strategy } })).map((s) => s.name);

describe('npm start -- --only <job>', () => {
  it('runs the steps a workflow builds on first: a backup before a verification, a failover before a failback', () => {
    expect(names('restore-verification')).toEqual(['backup', 'restore-verification']);
    expect(names('dr-failback')).toEqual(['dr-failover', 'dr-failback']);
    expect(names('dr-failback', 'pilot-light')).toEqual(['backup', 'dr-failover', 'dr-failback']);
  });

  it('runs a workflow that builds on nothing alone, and everything without --only (the jobs in the DR region after the failover)', () => {
    expect(names('backup')).toEqual(['backup']);
    expect(names('alarm-scaling')).toEqual(['scale-out', 'scale-in']);
    expect(names('dr-failover')).toEqual(['dr-dry-run', 'dr-failover']);
    expect(names('dr-failover', 'pilot-light')).toEqual(['backup', 'dr-dry-run', 'dr-failover']);
    expect(names(undefined)).toEqual([
      'backup',
      'scale-out',
      'scale-in',
      'restore-verification',
      'dr-dry-run',
      'dr-failover',
      'dr-backup',
      'dr-scale-out',
      'passive-backup',
      'dr-failback',
      'backup-after-failback',
      'dr-passive-backup',
      'pitr-dry-run',
      'pitr-restore',
      'pitr-cutover',
    ]);
    // The bad release is set up by the dry run: a restore or a cutover alone runs it first.
    expect(names('point-in-time-recovery')).toEqual(['pitr-dry-run', 'pitr-restore', 'pitr-cutover']);
  });
});
