import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drillCli, type DrillIo } from '../../local/drill/cli';
import { BAR_COLOR, FAILED_BAR_COLOR, operationsOf } from '../../local/drill/html';
import type { DrillReport } from '../../local/drill/report-schema';
import type { Twin } from '../../local/twin';
import { checkAgainstReference } from '../support/authorization-reference';
import { reportValidator } from '../support/report';

const ROOT = join(__dirname, '..', '..');
/**
 * As `npm start` runs it: one node process with tsx's loader. Not the `tsx` CLI, which
 * relays a signal to its child and SIGKILLs the child when the relay is not acknowledged
 * within 30 ms (as on a loaded machine), orphaning PostgreSQL.
 */
const DRILL = ['--import', 'tsx', 'local/drill.ts'];

/** The drill as a separate process, exactly as `npm start` runs it. */
function drillProcess(args: string[]) {
  return spawnSync(process.execPath, [...DRILL, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
}

/**
 * The same command line in this process (the CLI module the entry calls), so a test pays for no second process and
 * can read the twin; the process entry itself (exit codes, Ctrl-C) is tested through {@link drillProcess}.
 */
async function drill(args: string[], hooks: Pick<DrillIo, 'onTwin' | 'verifyIamMemo'> = {}) {
  let stdout = '';
  let stderr = '';
  const status = await drillCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), ...hooks });
  return { status, stdout, stderr };
}

/** PostgreSQL server processes below `root` in the process tree (node → postgres). */
function postgresUnder(root: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .flatMap((m) => (m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }] : []));
  const descendants = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of table) {
      if (descendants.has(p.ppid) && !descendants.has(p.pid)) {
        descendants.add(p.pid);
        grew = true;
      }
    }
  }
  return table
    .filter((p) => descendants.has(p.pid) && p.args.includes('postgres') && p.args.includes('lifeline-twin-pg-'))
    .map((p) => p.pid);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// A whole game day takes 5–7 s here; allow for a CI machine busy with the other test files.
const WHOLE_DRILL_TIMEOUT = 180_000;

describe('npm start (the drill)', () => {
  it(
    'runs the whole game day: exit 0, RTO and RPO against the targets, a report that follows its schema, one bar per operation',
    async () => {
      let twin: Twin | undefined;
      const result = await drill([], { onTwin: (t) => (twin = t), verifyIamMemo: true });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/dr-failover: RTO \d+m \d\d\.\ds ✓ \(target 30m 00\.0s\), RPO \d+m \d\d\.\ds ✓/);
      const json = /reports: (\S+\.json)/.exec(result.stdout)?.[1] ?? '';
      const report = JSON.parse(readFileSync(join(ROOT, json), 'utf8')) as DrillReport;
      const validate = reportValidator();
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.steps.map((s) => [s.name, s.region, s.ok])).toEqual([
        ['backup', 'us-east-1', true],
        ['scale-out', 'us-east-1', true],
        ['scale-in', 'us-east-1', true],
        ['restore-verification', 'us-east-1', true],
        ['dr-dry-run', 'us-west-2', true],
        ['dr-failover', 'us-west-2', true],
        ['dr-backup', 'us-west-2', true],
        ['dr-scale-out', 'us-west-2', true],
        ['passive-backup', 'us-east-1', true],
        ['dr-failback', 'us-west-2', true],
        ['backup-after-failback', 'us-east-1', true],
        ['dr-passive-backup', 'us-west-2', true],
        ['pitr-dry-run', 'us-east-1', true],
        ['pitr-restore', 'us-east-1', true],
        ['pitr-cutover', 'us-east-1', true],
      ]);
      // After the failover the DR region protects itself: its backup runs with the primary down (copies pending, not
      // failed), its alarm scales its service; the primary's schedule, back, records a no-op; failback hands it all back.
      const measured = (name: string) => report.steps.find((s) => s.name === name)?.measurements ?? {};
      expect(measured('dr-backup')).toMatchObject({ copies: 'pending (us-east-1 down)' });
      expect(measured('dr-scale-out').desiredCount).toMatch(/^(\d+)→(\d+)$/);
      expect(measured('passive-backup')).toEqual({ activeRegion: 'dr', changes: 0 });
      expect(measured('backup-after-failback')).toMatchObject({ copies: 'made in us-west-2' });
      expect(measured('dr-passive-backup')).toEqual({ activeRegion: 'primary', changes: 0 });
      // The outage as users live it: from the primary's failure, through the DR region's alarm proposing the failover
      // (after five minutes without a healthy answer) and the approval, to DNS answering the DR region, healthy.
      const failoverStep = report.steps.find((s) => s.name === 'dr-failover');
      expect(failoverStep?.measurements).toMatchObject({ dnsAnswers: 'us-west-2', startedBy: 'alarm' });
      const startedAfter = Number(failoverStep?.measurements.startedAfterSeconds);
      expect(startedAfter).toBeGreaterThanOrEqual(5 * 60);
      expect(startedAfter).toBeLessThanOrEqual(7 * 60);
      expect(Number(failoverStep?.measurements.outageAsLivedSeconds)).toBeCloseTo(
        startedAfter + (failoverStep?.recovery?.rtoSeconds ?? 0),
        -1,
      );
      expect(report.steps.find((s) => s.name === 'dr-failback')?.measurements.dnsAnswers).toBe('us-east-1');
      expect(report.steps.find((s) => s.name === 'dr-failover')?.recovery).toMatchObject({
        direction: 'failover',
        rtoMet: true,
        rpoMet: true,
      });
      const html = readFileSync(join(ROOT, json.replace(/\.json$/, '.html')), 'utf8');
      const bars = (color: string) => (html.match(new RegExp(`fill="${color}"`, 'g')) ?? []).length;
      // One bar per operation: a polling loop's repeated states are one bar each (restore verification: 79 executed
      // states, drawn as a few operations), Pass and Choice states none.
      const operations = report.steps.flatMap((s) => operationsOf(s));
      const waterfallBars = report.steps.flatMap((s) => s.recovery?.waterfall ?? []).length;
      expect(bars(BAR_COLOR)).toBe(operations.filter((o) => !o.failed).length + waterfallBars);
      expect(bars(FAILED_BAR_COLOR)).toBe(operations.filter((o) => o.failed).length);
      const verification = report.steps.find((s) => s.name === 'restore-verification');
      expect(verification?.timeline.filter((e) => e.exitedAt).length).toBeGreaterThan(50);
      expect(operationsOf(verification ?? report.steps[0]).map((o) => o.label)).toContainEqual(
        expect.stringMatching(/^DescribeRestore ×\d+$/),
      );
      expect(operationsOf(verification ?? report.steps[0]).length).toBeLessThan(15);
      // A chart per workflow, and each DR run's RTO as a waterfall of its runbook steps.
      const waterfalls = report.steps.filter((s) => s.recovery?.waterfall.length).length;
      expect(waterfalls).toBe(2);
      expect((html.match(/<svg /g) ?? []).length).toBe(report.steps.length + waterfalls);
      expect(failoverStep?.recovery?.waterfall.map((w) => w.step)).toEqual(
        expect.arrayContaining(['preflight', 'approval', 'database', 'traffic', 'health']),
      );

      // Every call of the game day is valid and allowed: no request the models refuse, no response they do not allow.
      const checks = twin?.core.modelChecks;
      expect(checks?.findings).toEqual([]);
      expect(checks).toMatchObject({ requestViolations: 0, responseViolations: 0 });
      expect(checks?.calls).toBeGreaterThan(100);
      // Every call a principal made was allowed by the policies CDK synthesizes, authorized on every resource the
      // Service Authorization Reference says it involves, with ARNs in the reference's formats.
      const iam = twin?.iam;
      expect(iam?.refusals).toEqual([]);
      expect(iam?.stats.calls).toBeGreaterThan(100);
      // The only calls made as nobody: the drill's load (alarm states) and the operator's approval at a console.
      expect([...(iam?.operatorActions ?? [])].sort()).toEqual(['cloudwatch:SetAlarmState', 'sfn:SendTaskSuccess']);
      // Every memoized decision was also evaluated afresh, and agreed.
      expect(iam?.memoVerified).toBeGreaterThan(100);
      expect(iam ? await checkAgainstReference(iam) : ['no IAM']).toEqual([]);
    },
    WHOLE_DRILL_TIMEOUT,
  );

  it('runs the backup on the twin, prints the summary as JSON and exits 0', () => {
    const result = drillProcess(['--only', 'backup', '--json']);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ ok: true, steps: [{ name: 'backup', status: 'SUCCEEDED', ok: true }] });
    // The parent and one child execution per target: every transition counts.
    expect(summary.steps[0]).toMatchObject({ executions: 3 });
    expect(summary.steps[0].transitions).toBeGreaterThan(50);
    expect(result.stderr).toContain('twin ready in');
  });

  it('runs what a workflow builds on first, marked as setup in the summary', async () => {
    const result = await drill(['--only', 'restore-verification', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { steps: { name: string; setup: boolean; ok: boolean }[] };
    expect(summary.steps.map((s) => [s.name, s.setup, s.ok])).toEqual([
      ['backup', true, true],
      ['restore-verification', false, true],
    ]);
    expect(result.stderr).toContain('▶ backup (backup, us-east-1; setup for restore-verification)');
  });

  it('exits 1 naming the workflow when a fault makes it fail', async () => {
    const result = await drill(['--only', 'backup', '--fault', 'fail:rds:CreateDBSnapshot:SnapshotQuotaExceededFault:9']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /✗ backup: expected SUCCEEDED, got FAILED \(BackupFailed: .*database: Rds\.SnapshotQuotaExceededException/,
    );
  });

  /** The drill's steps for `only` in pilot light (the default configuration otherwise), with the twin it ran on. */
  async function pilotLightDrill(only: string): Promise<{ result: Awaited<ReturnType<typeof drill>>; twin?: Twin }> {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-scenario-'));
    const file = join(dir, 'pilot-light.json');
    writeFileSync(file, JSON.stringify({ config: { dr: { strategy: 'pilot-light' } } }));
    let twin: Twin | undefined;
    const result = await drill(['--scenario', file, '--only', only, '--json'], { onTwin: (t) => (twin = t) });
    return { result, twin };
  }

  it(
    "exits 1 when a DR target is missed, saying which and why (pilot light without replicated backups: the copied snapshot's age)",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lifeline-scenario-'));
      const file = join(dir, 'pilot-light.json');
      const config = { dr: { strategy: 'pilot-light' }, backup: { automatedBackupReplication: false } };
      writeFileSync(file, JSON.stringify({ config }));
      // In this process although the other drills ran the default configuration: each twin loads its own handlers.
      const result = await drill(['--scenario', file, '--only', 'dr-failover', '--json']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/✗ dr-failover: RPO \d+ s is over the 900 s target/);
      const summary = JSON.parse(result.stdout) as { steps: { name: string; recovery?: { rpoSeconds: number } }[] };
      expect(summary.steps.find((s) => s.name === 'dr-failover')?.recovery?.rpoSeconds).toBeGreaterThan(900);
    },
    WHOLE_DRILL_TIMEOUT,
  );

  it(
    'meets a pilot light RPO of minutes with the replicated automated backups (the default), restored to their latest time',
    async () => {
      const { result, twin } = await pilotLightDrill('dr-failover');
      expect(result.status, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as { steps: { name: string; recovery?: { rpoSeconds: number } }[] };
      const failover = summary.steps.find((s) => s.name === 'dr-failover');
      expect(failover?.recovery?.rpoSeconds).toBeLessThanOrEqual(600);
      // The DR database came from the replicated automated backups (a restore in time), not from the snapshot copy.
      const restores = (twin?.core.mutations ?? [])
        .filter((m) => m.action.startsWith('RestoreDBInstance'))
        .map((m) => [m.region, m.action]);
      expect(restores).toEqual([['us-west-2', 'RestoreDBInstanceToPointInTime']]);
    },
    WHOLE_DRILL_TIMEOUT,
  );

  it(
    'undoes a bad release in pilot light: the cutover re-points the DR region (the new instance replicates its automated backups)',
    async () => {
      const { result, twin } = await pilotLightDrill('point-in-time-recovery');
      expect(result.status, result.stderr).toBe(0);
      const started = (twin?.core.mutations ?? []).filter((m) => m.action === 'StartDBInstanceAutomatedBackupsReplication');
      expect(started.map((m) => m.region)).toEqual(['us-west-2']);
    },
    WHOLE_DRILL_TIMEOUT,
  );

  it(
    "re-protects a pilot light on failback: the rebuilt primary's automated backups replicate to the DR region again",
    async () => {
      const { result, twin } = await pilotLightDrill('dr-failback');
      expect(result.status, result.stderr).toBe(0);
      // The instance that holds the primary's name after the failback is not the one deployed (that one is kept aside),
      // and it is its automated backups that the DR region now receives.
      const primary = twin?.appDatabase('us-east-1');
      if (!twin || !primary) throw new Error('no primary database after the failback');
      const started = twin.core.mutations.filter((m) => m.action === 'StartDBInstanceAutomatedBackupsReplication');
      expect(started.map((m) => m.region)).toEqual(['us-west-2']);
      const listed = (await twin.rds.describeAutomatedBackups('us-west-2', {})) as {
        DBInstanceAutomatedBackups: { DbiResourceId: string; Status: string }[];
      };
      const replicating = listed.DBInstanceAutomatedBackups.filter((b) => b.Status === 'replicating').map((b) => b.DbiResourceId);
      // Both: the deployed instance's (kept aside, still replicating until stopped) and the rebuilt primary's.
      expect(replicating).toHaveLength(2);
      expect(replicating).toContain(twin.rds.dbiResourceId(primary));
      // The run's report says so, and names the replication of the instance set aside as left for the operator.
      const [record] = twin.dynamodb.scan(twin.controlPlane.ledgerTable).filter((r) => r.pk === 'dr#failback');
      expect(record?.backupReplication).toMatch(/replicated to us-west-2: started$/);
      expect(record?.leftForYou).toEqual(
        expect.arrayContaining([expect.stringMatching(/still replicate to us-west-2.*stop-db-instance-automated-backups-replication/)]),
      );
    },
    WHOLE_DRILL_TIMEOUT,
  );

  it.each([
    [['--only', 'nothing'], /argument 'nothing' is invalid/],
    [['--fault', 'explode:everything'], /Invalid fault "explode:everything"/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('rejects bad options %j with exit code 2 before starting anything', async (args, message) => {
    let started = false;
    const result = await drill(args, { onTwin: () => (started = true) });
    expect(started).toBe(false);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('twin ready');
  });

  it('rejects a bad scenario file with exit code 2, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-scenario-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ faults: [{ kind: 'throttle', service: 'nope' }], latency: { warpDrive: 1 } }));
    const result = await drill(['--scenario', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('faults.0.service: must be a twin service name');
    expect(result.stderr).toContain('latency: keys must be latency profile entries');
  });

  it('stops PostgreSQL on Ctrl-C', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(['node', ...DRILL].join(' '));
    const child = spawn(process.execPath, [...DRILL, '--only', 'backup'], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('twin ready')) resolve();
      });
    });
    const servers = postgresUnder(child.pid ?? -1);
    expect(servers.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    // The postmaster finishes its shutdown a moment after the drill exits (longer on a loaded machine).
    for (let i = 0; i < 100 && servers.some(alive); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(servers.filter(alive)).toEqual([]);
  });
});
