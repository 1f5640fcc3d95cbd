import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import type { IamView, PolicyDocument } from '../../local/twin/iam/template-view';
import { alarmEventPattern } from '../../contracts/alarm-scaling';
import { LocalEventBus } from '../../local/eventbridge';
import { TWIN_ACCOUNT } from '../../local/twin/aws-core';
import { Iam } from '../../local/twin/iam/authorizer';
import { runJob } from '../../local/workflows';
import { startTwin } from '../support/twin';

/** `view` with `action` taken out of the policies of the roles whose name contains `role` (and `keep` deciding per resource). */
function without(view: IamView, role: string, action: string, keep: (resource: string) => boolean = () => false): IamView {
  const strip = (document: PolicyDocument): PolicyDocument => ({
    ...document,
    Statement: document.Statement.flatMap((statement) => {
      const actions = [statement.Action].flat().map(String);
      if (!actions.includes(action)) return [statement];
      const resources = [statement.Resource].flat().map(String).filter(keep);
      const rest = actions.filter((a) => a !== action);
      return [
        ...(rest.length ? [{ ...statement, Action: rest }] : []),
        ...(resources.length ? [{ ...statement, Action: action, Resource: resources }] : []),
      ];
    }),
  });
  const roles = Object.fromEntries(
    Object.entries(view.roles).map(([arn, r]) => [
      arn,
      r.name.includes(role) ? { ...r, policies: r.policies.map((p) => ({ ...p, document: strip(p.document) })) } : r,
    ]),
  );
  return { ...view, roles };
}

describe('IAM on the twin: a call its deployed policies do not allow fails as AWS fails it, before anything changes', () => {
  let twin: Twin;
  let deployed: IamView;
  beforeAll(async () => {
    twin = await startTwin({ appName: 'iam' }, { start: new Date('2026-03-02T08:00:00.000Z') });
    deployed = twin.iam?.view as IamView;
    const backup = await runJob(twin, 'backup', { reason: 'a snapshot to work with' }, { executionName: 'iam-1' });
    expect(backup.status).toBe('SUCCEEDED');
  });
  afterAll(async () => twin?.stop());

  it('refuses a restore whose role may not use the default option group (the restore-verification policy before this fix)', async () => {
    // Prepare: the workflow role's restore grant without the option group, as the product deployed it before.
    twin.authorizeWith(
      without(deployed, 'RestoreVerificationWorkflowRole', 'rds:RestoreDBInstanceFromDBSnapshot', (r) => !r.includes(':og:')),
    );
    const refused = (r: { action: string; resource: string }) =>
      r.action === 'rds:RestoreDBInstanceFromDBSnapshot' && r.resource.includes(':og:');
    twin.iam?.expectRefusals(refused);
    const before = twin.core.mutations.length;

    // Act
    const result = await runJob(twin, 'restore-verification', { reason: 'iam test' }, { executionName: 'iam-verify' });

    // Assess: the restore is refused with RDS's AccessDenied naming the action and the option group; no instance was created
    // (the run still records its failure in the ledger and the report bucket).
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('is not authorized to perform: rds:RestoreDBInstanceFromDBSnapshot on resource: ');
    expect(result.cause).toContain(`:og:default:postgres-16`);
    expect(result.cause).toContain('Error Code: AccessDenied');
    expect(twin.iam?.refusals.filter(refused).length).toBeGreaterThan(0);
    expect(twin.core.mutations.slice(before).filter((m) => m.service === 'rds')).toEqual([]);
  });

  it('refuses a cross-region snapshot copy under a KMS key its role may not use (KMSKeyNotAccessibleFault), copying nothing', async () => {
    // Prepare: CopyToDr's KMS grant names the primary key only, not the DR key the copy is encrypted with.
    const drKey = twin.inventory.dr.kmsKeyArn;
    twin.authorizeWith(without(deployed, 'CopyToDr', 'kms:CreateGrant', (r) => r !== drKey));
    const refused = (r: { action: string; resource: string }) => r.action === 'kms:CreateGrant' && r.resource === drKey;
    twin.iam?.expectRefusals(refused);
    const before = twin.core.mutations.length;

    // Act
    const result = await runJob(twin, 'backup', { reason: 'iam test', targets: ['database'] }, { executionName: 'iam-kms' });

    // Assess: the copy fails with RDS's fault naming the DR key; no snapshot appeared in the DR region.
    expect(result.status).toBe('FAILED');
    expect(JSON.stringify(result.output ?? result.cause)).toContain(`The target KMS key [${drKey}] does not exist, is not enabled`);
    expect(twin.iam?.refusals.filter(refused).length).toBeGreaterThan(0);
    expect(twin.core.mutations.slice(before).filter((m) => m.region === twin.drRegion && m.service === 'rds')).toEqual([]);
  });

  it('refuses an invocation the state machine role may not make', async () => {
    // Prepare: the backup role loses lambda:InvokeFunction on its Plan function.
    const plan = Object.entries(deployed.functions).find(([, f]) => f.construct === 'BackupFunctionsPlanFunction')?.[0] ?? '';
    twin.authorizeWith(without(deployed, 'BackupWorkflowRole', 'lambda:InvokeFunction', (r) => !r.startsWith(plan)));
    const refused = (r: { action: string; resource: string }) => r.action === 'lambda:InvokeFunction' && r.resource === plan;
    twin.iam?.expectRefusals(refused);
    const before = twin.core.mutations.length;

    // Act
    const result = await runJob(twin, 'backup', { reason: 'iam test' }, { executionName: 'iam-invoke' });

    // Assess
    expect(plan).toMatch(/^arn:aws:lambda:/);
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain(`is not authorized to perform: lambda:InvokeFunction on resource: ${plan}`);
    expect(twin.core.mutations.slice(before)).toEqual([]);
    twin.authorizeWith(deployed);
  });

  it('starts nothing when the role of the deployed schedule or rule may not start the machine', async () => {
    // Prepare: the schedule's and the scaling rule's roles without states:StartExecution.
    twin.authorizeWith(
      without(without(deployed, 'SchedulerRoleForTarget', 'states:StartExecution'), 'EventsRole', 'states:StartExecution'),
    );
    twin.iam?.expectRefusals((r) => r.action === 'states:StartExecution');
    const bus = new LocalEventBus(twin);
    bus.addRule(
      alarmEventPattern([`arn:aws:cloudwatch:${twin.primaryRegion}:${TWIN_ACCOUNT}:alarm:iam-primary-service-cpu-high`]),
      'alarm-scaling',
      twin.primaryRegion,
    );
    const before = twin.core.mutations.length;

    // Act
    const scheduled = runJob(twin, 'backup', { reason: 'iam test' }, { executionName: 'iam-schedule', bySchedule: true });
    await twin.core.call('cloudwatch', 'SetAlarmState', twin.primaryRegion, {
      AlarmName: 'iam-primary-service-cpu-high',
      StateValue: 'ALARM',
      StateReason: 'iam test',
    });
    const routed = bus.drain();

    // Assess: each start is refused naming the action and the machine; no workflow ran.
    await expect(scheduled).rejects.toThrow(
      /EventBridge Scheduler could not start backup: .* states:StartExecution on resource: arn:aws:states:/,
    );
    await expect(routed).rejects.toThrow(
      /EventBridge could not start alarm-scaling: .* states:StartExecution on resource: arn:aws:states:/,
    );
    expect(twin.core.mutations.slice(before).filter((m) => m.service !== 'cloudwatch')).toEqual([]);
    twin.authorizeWith(deployed);
  });
});

describe('the IAM memo', () => {
  it('decides by the request itself where a policy variable names the resource, as the simulator does', async () => {
    // Prepare: an Allow on the snapshots named after the caller's request tag; the memo must not reuse a decision.
    const role = 'arn:aws:iam::111122223333:role/owner';
    const view: IamView = {
      roles: {
        [role]: {
          arn: role,
          name: 'owner',
          assumedBy: ['lambda.amazonaws.com'],
          awsManaged: [],
          policies: [
            {
              name: 'by-owner',
              document: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'rds:DeleteDBSnapshot',
                    Resource: 'arn:aws:rds:us-east-1:111122223333:snapshot:${aws:RequestTag/owner}-*',
                  },
                ],
              },
            },
          ],
        },
      },
      functions: {},
      stateMachines: {},
      invokers: [],
      keyPolicies: {},
      bucketPolicies: {},
      encryptionKeys: {},
      resourceTags: {},
    };
    const iam = new Iam(
      view,
      '111122223333',
      () => undefined,
      () => '',
    );
    iam.verifyMemo = true;
    const ask = (snapshot: string) =>
      iam.allows(
        { role, session: 'test' },
        {
          action: 'rds:DeleteDBSnapshot',
          resource: `arn:aws:rds:us-east-1:111122223333:snapshot:${snapshot}`,
          resourceType: 'snapshot',
          context: { 'aws:RequestTag/owner': 'alice' },
        },
      );

    // Act
    const own = await ask('alice-a');
    const other = await ask('bob-b');
    const ownAgain = await ask('alice-a');

    // Assess
    expect(own.allowed).toBe(true);
    expect(other.allowed).toBe(false);
    expect(ownAgain.allowed).toBe(true);
    expect(iam.memoVerified).toBe(1);
  });
});
