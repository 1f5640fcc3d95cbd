import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FARGATE_VCPU_QUOTA } from '../../contracts/dr-runbook';
import type { RunbookReport } from '../../functions/dr/report';
import type { ExecutionResult } from '../../local/runner';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';
import { approveFromLedger, approveWith, protectedMutations } from '../support/dr';
import { failCalls } from '../support/faults';

const MINUTE = 60_000;

describe('DR failover and failback on the twin (warm standby, real PostgreSQL)', () => {
  let twin: Twin;
  let primary: string;
  let dr: string;
  /** Runs a runbook in the DR region; with `answer`, an operator answers its approval request during the run. */
  const runbook =
    (job: 'dr-failover' | 'dr-failback') => async (input: unknown, name: string, answer?: Parameters<typeof approveWith>[1]) => {
      const stop = answer ? approveWith(twin, answer) : undefined;
      try {
        return await runJob(twin, job, input, { region: dr, executionName: name });
      } finally {
        stop?.();
      }
    };
  const failover = runbook('dr-failover');
  const failback = runbook('dr-failback');
  /** The report of a run that completed (the assertion shows the cause when it did not). */
  const completedReport = (result: ExecutionResult) => {
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = result.output as RunbookReport;
    expect(report.outcome).toBe('completed');
    return report;
  };

  beforeAll(async () => {
    // Replica lag of 150 s makes the lost writes span several heartbeats, so the RPO is measurable to the minute.
    twin = await startTwin(
      { appName: 'drill', dns: { domainName: 'app.example.com', hostedZoneId: 'Z0000000DRILL' } },
      { start: new Date('2026-09-01T10:00:00.000Z'), latency: { rdsReplicaLag: 150 } },
    );
    primary = twin.primaryRegion;
    dr = twin.drRegion;
  });
  afterAll(async () => twin?.stop());

  it('rejects a wrong confirm phrase in the first state, before any change', async () => {
    const before = twin.core.mutations.length;
    const result = await failover({ mode: 'failover', reason: 'game day', confirm: `failover to ${primary}` }, 'wrong-confirm');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toContain(`confirm: must be exactly "failover to ${dr}"`);
    expect(result.timeline.map((t) => t.state)).toEqual(['Validate', 'ReadValidationError', 'InvalidInput']);
    expect(twin.core.mutations.length).toBe(before);
    const missing = await failover({ mode: 'failover' }, 'no-reason');
    expect(missing.cause).toContain('reason:');
  });

  it('runs a dry run as a preflight report with zero mutations', async () => {
    const before = twin.core.mutations.length;
    const result = await failover({ reason: 'quarterly check' }, 'dry-run');
    expect(result.status).toBe('SUCCEEDED');
    const report = result.output as RunbookReport;
    expect(report.outcome).toBe('dry-run');
    expect(report.preflight.ok).toBe(true);
    expect(report.preflight.database).toMatchObject({ action: 'promote', instanceId: 'drill-dr-db' });
    expect(report.preflight.estimatedRpoSeconds).toBeGreaterThanOrEqual(150);
    expect(report.expectedRtoSeconds).toBeGreaterThan(report.criticalPathSeconds);
    expect(twin.core.mutations.slice(before)).toEqual([]);
  });

  const blocksOnQuota =
    'blocks on the Fargate vCPU quota Service Quotas applies in the DR region, and falls back to the configured one when it cannot read it';
  it(blocksOnQuota, async () => {
    const { serviceCode, quotaCode, name } = FARGATE_VCPU_QUOTA;
    const quotaCheck = (report: RunbookReport) => report.preflight.checks.find((c) => c.name === 'Fargate vCPU quota');
    // A region the account has never run Fargate in may have no vCPU to give.
    twin.quotas.seed(dr, serviceCode, quotaCode, name, 0);
    try {
      const blocked = await failover({ reason: 'quarterly check' }, 'dry-run-small-quota');
      const report = blocked.output as RunbookReport;
      expect(report.preflight.ok).toBe(false);
      expect(quotaCheck(report)).toMatchObject({ ok: false, blocking: true });
      expect(quotaCheck(report)?.detail).toMatch(/exceeds the quota of 0 in us-west-2 \(Service Quotas fargate\/L-3032A538\): raise it/);
    } finally {
      twin.quotas.seed(dr, serviceCode, quotaCode, name, twin.config.dr.fargateVcpuQuota);
    }
    failCalls(twin, {
      service: 'servicequotas',
      action: 'GetServiceQuota',
      error: 'AccessDeniedException',
      message: 'not authorized',
      count: 1,
    });
    const fallback = (await failover({ reason: 'quarterly check' }, 'dry-run-quota-denied')).output as RunbookReport;
    expect(quotaCheck(fallback)).toMatchObject({ ok: true });
    expect(quotaCheck(fallback)?.detail).toContain(
      `of ${twin.config.dr.fargateVcpuQuota} in us-west-2 (configured dr.fargateVcpuQuota; Service Quotas did not answer: ` +
        "the runbook's role may not read it)",
    );
  });

  it('ends without change when the approval is rejected or times out', async () => {
    const before = twin.core.mutations.length;
    const rejected = await failover({ mode: 'failover', reason: 'primary looks slow', confirm: `failover to ${dr}` }, 'rejected', {
      decision: 'reject',
      afterSeconds: 120,
    });
    expect(rejected.status).toBe('SUCCEEDED');
    expect((rejected.output as RunbookReport).outcome).toBe('rejected');
    expect(twin.sns.messages.some((m) => m.message.includes('aws stepfunctions send-task-success'))).toBe(true);

    const timedOut = await failover({ mode: 'failover', reason: 'nobody answers', confirm: `failover to ${dr}` }, 'timed-out');
    expect(timedOut.status).toBe('FAILED');
    expect(timedOut.error).toBe('ApprovalTimedOut');
    expect(timedOut.durationSeconds).toBeGreaterThanOrEqual(3600);
    expect(protectedMutations(twin, before)).toEqual([]);
  });

  it('sends a throttled approval request again, and keeps waiting (recorded in the ledger) when it cannot be sent at all', async () => {
    const before = twin.core.mutations.length;
    const publishes = () => twin.core.calls.filter((c) => c.service === 'sns' && c.action === 'Publish');
    const publishedBefore = publishes().length;
    // One throttled Publish, as during a regional event: the request goes out on the retry and the approver answers.
    twin.core.faults.add({ kind: 'throttle', service: 'sns', action: 'Publish', count: 1 }, twin.clock.now());
    const answered = await failover({ mode: 'failover', reason: 'throttled request', confirm: `failover to ${dr}` }, 'throttled', {
      decision: 'reject',
      afterSeconds: 60,
    });
    expect((answered.output as RunbookReport).outcome).toBe('rejected');
    // The approval request, throttled then sent; then the run's own report of the rejection.
    expect(
      publishes()
        .slice(publishedBefore)
        .map((c) => c.error ?? 'sent'),
    ).toEqual(['Throttling', 'sent', 'sent']);

    // SNS failing for good: the request is not lost. It was recorded in the ledger before any send; the run keeps
    // waiting on its token; an operator who gets no message finds it there and answers it (here: rejects).
    const unsentFrom = publishes().length;
    failCalls(twin, { service: 'sns', action: 'Publish', error: 'InternalErrorException', message: 'SNS is down', count: 100 });
    const stop = approveFromLedger(twin, { decision: 'reject', afterSeconds: 600 });
    let unsent;
    try {
      unsent = await runJob(
        twin,
        'dr-failover',
        { mode: 'failover', reason: 'no notifications', confirm: `failover to ${dr}` },
        {
          region: dr,
          executionName: 'unsent',
        },
      );
    } finally {
      stop();
      twin.core.faults.clear('fail');
    }
    expect(unsent.status).toBe('SUCCEEDED');
    expect((unsent.output as RunbookReport).outcome).toBe('rejected');
    // The operator answered from the ledger; the run's report then closed the request (no token left to answer).
    const closed = twin.dynamodb.scan(twin.controlPlane.ledgerTable).find((r) => r.pk === 'dr#approval' && r.sk === 'unsent');
    expect(closed).toMatchObject({ outcome: 'rejected', direction: 'failover' });
    expect(closed?.taskToken).toBeUndefined();
    // Every send failed (five sends, each with the SDK's own attempts), and so did the best-effort summary.
    const sends = publishes().slice(unsentFrom);
    expect(sends.length).toBeGreaterThanOrEqual(5);
    expect(sends.every((c) => c.error === 'InternalErrorException')).toBe(true);
    // Nothing of the workload changed (the run keeps its own report in the artifacts bucket).
    expect(protectedMutations(twin, before).filter((m) => !m.resource.includes('/reports/dr-failover/'))).toEqual([]);
  });

  it('fails a failover whose promotion fails, saying what was done and what was not', async () => {
    failCalls(twin, {
      service: 'rds',
      action: 'PromoteReadReplica',
      region: dr,
      error: 'InvalidDBInstanceStateFault',
      message: 'injected: replica cannot be promoted',
      count: 10,
    });
    const result = await failover(
      { mode: 'failover', reason: 'game day: promotion fails', confirm: `failover to ${dr}` },
      'promotion-fails',
      { decision: 'approve', afterSeconds: 60 },
    );
    twin.core.faults.clear('fail');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RunbookFailed');
    expect(result.cause).toContain('injected: replica cannot be promoted');
    expect(result.cause).toMatch(/Not done: database drill-dr-db in .* is not a writer \(still a read replica\)/);
    expect(result.cause).toMatch(/traffic not switched to us-west-2 \(the switch says primary\)/);
    expect(twin.rds.instance(dr, 'drill-dr-db').replicaOf).toBeDefined();
  });

  const failsOverWithPrimaryDown =
    'fails over with the primary region down: healthy in the DR region, RTO and RPO reported, the RPO is the writes really lost';
  it(failsOverWithPrimaryDown, async () => {
    // Orders every minute, then the primary region goes down.
    for (let i = 0; i < 10; i += 1) {
      await twin.writeSampleRows(1, `order-${i}`);
      twin.clock.advance(MINUTE);
    }
    twin.core.faults.add({ kind: 'region-outage', region: primary }, twin.clock.now());
    twin.clock.advance(5 * MINUTE);
    const callsBefore = twin.core.calls.length;
    const mutationsAtStart = twin.core.mutations.length;
    const result = await failover({ mode: 'failover', reason: 'primary region outage', confirm: `failover to ${dr}` }, 'outage', {
      decision: 'approve',
      afterSeconds: 90,
    });
    const report = completedReport(result);
    // us-east-1 is down, and with it Route 53's control plane: the runbook called no Route 53 (or other global)
    // API, and what it asked of the down region were the preflight's best-effort reads, all of which failed.
    const calls = twin.core.calls.slice(callsBefore);
    expect(primary).toBe('us-east-1');
    expect(calls.filter((c) => c.service === 'route53')).toEqual([]);
    const downRegionCalls = calls.filter((c) => c.region === primary);
    expect(downRegionCalls.length).toBeGreaterThan(0);
    expect(downRegionCalls.filter((c) => !/^(Describe|Get|List)/.test(c.action) || !c.error)).toEqual([]);
    // A warm standby's service already uses the replica, whose endpoint the promotion keeps: the application is not
    // repointed (which sets its parameter, then redeploys). Traffic moved by the switch in the DR region.
    const failoverChanges = twin.core.mutations.slice(mutationsAtStart).map((m) => `${m.region} ${m.service}:${m.action} ${m.resource}`);
    expect(failoverChanges.filter((m) => m.includes('ssm:'))).toEqual([`${dr} ssm:PutParameter /drill/dr/traffic`]);
    expect(report.timeline.find((s) => s.step === 'traffic')).toMatchObject({ step: 'traffic' });
    expect(report.preflight.checks.find((c) => c.name.startsWith(`${primary} service`))?.ok).toBe(false);
    expect(twin.healthOf(dr)).toEqual({ healthy: true, reasons: [] });
    expect(twin.route53.resolve('Z0000000DRILL', 'app.example.com')?.AliasTarget?.DNSName).toBe(twin.inventory.dr.endpoint);
    expect(report.rtoSeconds).toBeGreaterThan(0);
    expect(report.rtoSeconds).toBeLessThan(report.rtoTargetSeconds + (report.approvalSeconds ?? 0));
    expect(report.timeline.map((s) => s.step)).toEqual(
      expect.arrayContaining(['preflight', 'approval', 'database', 'cache', 'service', 'traffic', 'repoint', 'dns', 'health']),
    );

    // The writes really missing from the promoted database.
    const promoted = twin.rds.instance(dr, 'drill-dr-db');
    const oldPrimary = twin.rds.instances.get(primary)?.get('drill-primary-db');
    const newest = async (physical: string) =>
      (await twin.core.dataPlane.query(physical, 'SELECT max(written_at) AS t FROM orders')).rows[0].t as Date;
    const lostSeconds = ((await newest(oldPrimary?.physical ?? '')).getTime() - (await newest(promoted.physical ?? '')).getTime()) / 1000;
    expect(lostSeconds).toBeGreaterThan(0);
    // Heartbeats are written once a minute: the measured RPO is the lost window to within that minute.
    expect(Math.abs((report.rpoSeconds ?? Infinity) - lostSeconds)).toBeLessThanOrEqual(60);
    expect(report.replicaLagSeconds).toBeGreaterThan(150);

    const ledger = twin.dynamodb.scan(twin.controlPlane.ledgerTable).filter((r) => r.pk === 'dr#failover');
    expect(ledger.map((r) => r.outcome)).toEqual(expect.arrayContaining(['completed', 'failed', 'rejected', 'timed-out']));
    expect(twin.s3.getInternal(twin.inventory.dr.bucket, 'reports/dr-failover/outage.json')).toContain('"rtoSeconds"');
    expect(twin.sns.messages.at(-1)?.subject).toBe('Lifeline DR failover: completed');

    // Run twice, approved again: the second failover finds the work done and changes nothing of the workload (no
    // promotion, parameter, redeployment or DNS change): only its own ledger record and report.
    const mutationsBefore = twin.core.mutations.length;
    const again = await failover({ mode: 'failover', reason: 'run twice', confirm: `failover to ${dr}` }, 'outage-again', {
      decision: 'approve',
      afterSeconds: 90,
    });
    expect(completedReport(again).outcome).toBe('completed');
    const changed = twin.core.mutations.slice(mutationsBefore).filter((m) => m.service !== 'dynamodb' && m.service !== 's3');
    expect(changed.map((m) => `${m.service}:${m.action}`)).toEqual([]);
  });

  const failsBack =
    'fails back once the primary region is back: the original topology returns and the data written in the DR region is kept';
  it(failsBack, async () => {
    await twin.core.dataPlane.query(
      twin.rds.instance(dr, 'drill-dr-db').physical ?? '',
      `INSERT INTO orders (customer, total_cents, written_at) VALUES ('written-in-dr', 4200, $1)`,
      [twin.clock.date()],
    );
    twin.core.faults.clear('region-outage', primary);
    twin.clock.advance(10 * MINUTE);
    const report = completedReport(
      await failback({ mode: 'failback', reason: 'primary region recovered', confirm: `failback to ${primary}` }, 'failback', {
        decision: 'approve',
        afterSeconds: 60,
      }),
    );

    const newPrimary = twin.rds.instance(primary, 'drill-primary-db');
    expect(newPrimary.replicaOf).toBeUndefined();
    expect(newPrimary.deletionProtection).toBe(true);
    const kept = await twin.core.dataPlane.query(
      newPrimary.physical ?? '',
      `SELECT count(*)::int AS n FROM orders WHERE customer = 'written-in-dr'`,
    );
    expect(kept.rows[0].n).toBe(1);
    expect(twin.rds.instance(dr, 'drill-dr-db').replicaOf).toEqual({ region: primary, id: 'drill-primary-db' });
    // The DR service uses its new replica, as deployed: the next failover neither repoints nor redeploys it.
    expect(twin.ssm.value(dr, '/drill/app/database-instance')).toBe('drill-dr-db');
    expect(twin.healthOf(primary).healthy).toBe(true);
    expect(twin.route53.resolve('Z0000000DRILL', 'app.example.com')?.AliasTarget?.DNSName).toBe(twin.inventory.primary.endpoint);
    expect(twin.ecs.service(dr, twin.inventory.dr.cluster, twin.inventory.dr.service).desiredCount).toBe(twin.config.service.standbyCount);
    // Nothing was deleted: the instances the switch left behind are kept, protected, and named in the report.
    expect(twin.core.mutations.filter((m) => m.service === 'rds' && m.kind === 'delete')).toEqual([]);
    expect(report.leftForYou).toHaveLength(2);
  });
});
