import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../local/eventbridge';
import type { Twin } from '../../local/twin';
import { runJob } from '../../local/workflows';
import { approveWith } from '../support/dr';
import { startTwin } from '../support/twin';

/**
 * Both regions deploy every job; which one acts follows the active region, which the DR runbooks hand over with
 * the traffic switch and each region reads from its own replica of the ledger.
 */
describe('the jobs follow the active region', () => {
  let twin: Twin;
  let bus: LocalEventBus;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'handover' });
    bus = new LocalEventBus(twin);
    for (const region of [twin.primaryRegion, twin.drRegion]) bus.addDeployedRules('alarm-scaling', region);
  });
  afterAll(async () => twin?.stop());

  const ledger = () => twin.dynamodb.scan(twin.controlPlane.ledgerTable);
  const handovers = () => ledger().filter((r) => r.pk === 'region#active');
  /** What changed since mutation `from`, outside the control plane's own ledger. */
  const changedSince = (from: number) => twin.core.mutations.slice(from).filter((m) => m.service !== 'dynamodb');
  const backup = (region: string, executionName: string) =>
    runJob(twin, 'backup', { reason: 'test: scheduled backup' }, { region, executionName, bySchedule: true });
  const fire = async (region: string, role: 'primary' | 'dr') => {
    const name = `handover-${role}-service-cpu-high`;
    await twin.core.call('cloudwatch', 'SetAlarmState', region, { AlarmName: name, StateValue: 'OK', StateReason: 'test' });
    await bus.drain();
    await twin.core.call('cloudwatch', 'SetAlarmState', region, { AlarmName: name, StateValue: 'ALARM', StateReason: 'test' });
    return bus.drain();
  };
  const run = async (job: 'dr-failover' | 'dr-failback', executionName: string) => {
    const stop = approveWith(twin, { decision: 'approve', afterSeconds: 60 });
    try {
      const to = job === 'dr-failover' ? twin.drRegion : twin.primaryRegion;
      const direction = job === 'dr-failover' ? 'failover' : 'failback';
      return await runJob(
        twin,
        job,
        { mode: direction, reason: 'test', confirm: `${direction} to ${to}` },
        { region: twin.drRegion, executionName },
      );
    } finally {
      stop();
    }
  };

  it('before any failover the DR region is passive: its scheduled backup records a no-op and changes nothing', async () => {
    // Prepare
    const from = twin.core.mutations.length;

    // Act
    const result = await backup(twin.drRegion, 'dr-passive');

    // Assess
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.timeline.map((t) => t.state)).toEqual(['Plan', 'ActiveRegion', 'PassiveRegion']);
    expect(changedSince(from)).toEqual([]);
    expect(ledger().find((r) => r.pk === 'run#dr-passive')).toMatchObject({ outcome: 'passive', active: 'primary', role: 'dr' });
  });

  it('a failover hands the jobs to the DR region once it is proven healthy, after its database is up', async () => {
    // Prepare
    twin.core.faults.add({ kind: 'region-outage', region: twin.primaryRegion }, twin.clock.now());
    twin.clock.advance(5 * 60_000);

    // Act
    const result = await run('dr-failover', 'failover-1');

    // Assess
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(handovers()).toEqual([expect.objectContaining({ active: 'dr', by: 'failover-1' })]);
    // Not at the switch (which runs alongside the promotion when the primary is down): after the database is up.
    const report = result.output as { timeline: { step: string; endedAt?: string }[] };
    const databaseUp = report.timeline.find((s) => s.step === 'database')?.endedAt ?? '';
    const trafficMoved = report.timeline.find((s) => s.step === 'traffic')?.endedAt ?? '';
    expect(trafficMoved < databaseUp).toBe(true);
    expect(String(handovers()[0].sk) >= databaseUp).toBe(true);
  });

  it('the DR region backs up its own database and cache with the primary down: copies pending, not failed', async () => {
    // Prepare
    twin.clock.advance(60 * 60_000);
    const from = twin.core.mutations.length;

    // Act
    const result = await backup(twin.drRegion, 'dr-active');

    // Assess: snapshots of the DR workload in the DR region, nothing changed anywhere else
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const changes = changedSince(from);
    expect(changes.filter((m) => m.action === 'CreateDBSnapshot').map((m) => [m.region, m.resource])).toEqual([
      [twin.drRegion, expect.stringContaining('lifeline-database-dr-active')],
    ]);
    expect(changes.filter((m) => m.action === 'CreateSnapshot').map((m) => m.region)).toEqual([twin.drRegion]);
    expect(changes.filter((m) => m.region !== twin.drRegion)).toEqual([]);
    const manifests = ledger().filter((r) => String(r.pk).startsWith('backup#') && r.runId === 'dr-active');
    expect(manifests.map((m) => [m.targetId, m.copy, Object.keys(m.snapshots as object)])).toEqual(
      expect.arrayContaining([
        ['database', 'pending', [twin.drRegion]],
        ['cache', 'pending', [twin.drRegion]],
      ]),
    );
    expect(String(manifests[0].copyNote)).toContain(`${twin.primaryRegion} did not answer`);
    // Retention applied here; the primary's copies wait for a run that reaches it.
    expect(manifests[0].prune).toContainEqual(
      expect.objectContaining({ region: twin.primaryRegion, skipped: `${twin.primaryRegion} did not answer` }),
    );
  });

  it("the DR region's alarms scale its own service", async () => {
    // Prepare
    const { cluster, service } = twin.inventory.dr;
    const before = twin.ecs.service(twin.drRegion, cluster, service).desiredCount;

    // Act
    const [result] = await fire(twin.drRegion, 'dr');

    // Assess
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(twin.ecs.service(twin.drRegion, cluster, service).desiredCount).toBeGreaterThan(before);
  });

  it("the DR region's verification restores its own newest backup there, and cleans up", async () => {
    // Prepare
    const from = twin.core.mutations.length;

    // Act
    const result = await runJob(twin, 'restore-verification', { reason: 'test' }, { region: twin.drRegion, executionName: 'verify-dr' });

    // Assess
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const changes = changedSince(from);
    const restored = changes.find((m) => m.action === 'RestoreDBInstanceFromDBSnapshot');
    expect(restored?.region).toBe(twin.drRegion);
    expect(ledger().find((r) => r.pk === 'run#verify-dr')).toMatchObject({ snapshotId: expect.stringContaining('dr-active') });
    expect(changes.filter((m) => m.action === 'DeleteDBInstance').map((m) => m.resource)).toEqual([restored?.resource]);
  });

  it('the primary region, back, is passive: its backup, verification and scaling record a no-op and change nothing', async () => {
    // Prepare
    twin.core.faults.clear('region-outage', twin.primaryRegion, twin.clock.now());
    twin.clock.advance(30 * 60_000);
    const from = twin.core.mutations.length;

    // Act
    const backedUp = await backup(twin.primaryRegion, 'primary-passive');
    const verified = await runJob(twin, 'restore-verification', { reason: 'test' }, { executionName: 'verify-passive', bySchedule: true });
    const [scaled] = await fire(twin.primaryRegion, 'primary');

    // Assess
    expect([backedUp.status, verified.status, scaled.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(verified.timeline.map((t) => t.state)).toEqual(['Plan', 'ActiveRegion', 'PassiveRegion']);
    const { cluster, service } = twin.inventory.primary;
    const noop = ledger()
      .filter((r) => r.pk === `scaling-noop#${cluster}/${service}`)
      .at(-1);
    expect(noop?.reason).toContain('the dr region is active');
    expect(ledger().find((r) => r.pk === 'run#primary-passive')).toMatchObject({ outcome: 'passive', active: 'dr' });
    expect(ledger().find((r) => r.pk === 'run#verify-passive')).toMatchObject({ outcome: 'passive', active: 'dr' });
    expect(changedSince(from).filter((m) => m.action !== 'SetAlarmState')).toEqual([]);
  });

  it('failback hands everything back: the primary backs up again and copies to the DR region', async () => {
    // Act
    const failback = await run('dr-failback', 'failback-1');
    twin.clock.advance(60 * 60_000);
    const from = twin.core.mutations.length;
    const result = await backup(twin.primaryRegion, 'primary-again');

    // Assess
    expect(failback.status, failback.cause).toBe('SUCCEEDED');
    expect(handovers().map((h) => h.active)).toEqual(['dr', 'primary']);
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const copies = changedSince(from).filter((m) => m.action === 'CopyDBSnapshot');
    expect(copies.map((m) => m.region)).toEqual([twin.drRegion]);
    const manifests = ledger().filter((r) => String(r.pk).startsWith('backup#') && r.runId === 'primary-again');
    expect(manifests.map((m) => m.copy)).toEqual(['copied', 'copied']);
  });
});
