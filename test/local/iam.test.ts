import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../local/twin';
import type { IamView, PolicyDocument } from '../../local/twin/iam/template-view';
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

  it('refuses an invocation the state machine role may not make, and a call as a function role outside its grant', async () => {
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
});
