import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import validateAsl from 'asl-validator';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ALARM_CATALOG } from '../../contracts/alarm-catalog';
import { SCHEDULED_BACKUP_INPUT } from '../../contracts/backup';
import { apiActionsOf, placeholdersOf } from '../../contracts/asl';
import { isReadOnlyAction } from '../../cdk/compliance/iam-actions';
import { isRecord } from '../../cdk/compliance/rule';
import { STATE_MACHINES_DIR } from '../../contracts/asl';
import { parseConfig } from '../../contracts/config/load';
import { cachedPolicies, cacheFileOf, iamViewOf, policySourceDigest } from '../../local/twin/iam/policy-cache';
import { synthLifeline } from '../../cdk/synth';

const CONTROL_PLANE = 'Lifeline-ControlPlane-Primary';
const STANDBY_CONTROL_PLANE = 'Lifeline-ControlPlane-Standby';
const files = readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Every action the role may perform (inline policies attached to it and its managed policies), with the resources. */
function roleGrants(resources: Resources, roleLogicalId: string, allTemplates: Resources[]): { action: string; resource: string }[] {
  const grants: { action: string; resource: string }[] = [];
  const statementsOf = (document: unknown) => (isRecord(document) && Array.isArray(document.Statement) ? document.Statement : []);
  const add = (document: unknown) => {
    for (const statement of statementsOf(document)) {
      if (!isRecord(statement) || statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat())
        for (const resource of [statement.Resource].flat()) grants.push({ action: String(action), resource: JSON.stringify(resource) });
    }
  };
  for (const resource of Object.values(resources)) {
    if (resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(roleLogicalId))
      add(resource.Properties.PolicyDocument);
  }
  const role = resources[roleLogicalId];
  const managed = JSON.stringify(role.Properties.ManagedPolicyArns ?? []);
  for (const template of allTemplates) {
    for (const [id, resource] of Object.entries(template)) {
      // Managed policies of another stack are attached through an export whose name carries the logical id.
      if (resource.Type === 'AWS::IAM::ManagedPolicy' && managed.includes(id)) add(resource.Properties.PolicyDocument);
    }
  }
  return grants;
}

describe('control plane', () => {
  const { json } = synthLifeline({});
  const allResources = Object.values(json).map((t) => (isRecord(t) && isRecord(t.Resources) ? (t.Resources as Resources) : {}));
  const resources = (json[CONTROL_PLANE] as { Resources: Resources }).Resources;
  const standbyResources = (json[STANDBY_CONTROL_PLANE] as { Resources: Resources }).Resources;
  // The DR runbooks live in the DR region's control plane (they must run with the primary region gone).
  const machines = [...Object.entries(resources), ...Object.entries(standbyResources)].filter(
    ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  const stackOf = (id: string) => (id in resources ? resources : standbyResources);
  /** The deployed machine of a file, by the lifeline:definition tag the workflow construct sets. */
  const machineFor = (file: string) => {
    const found = machines.find(([, r]) => JSON.stringify(r.Properties.Tags ?? []).includes(`"Value":"${file}"`));
    if (!found) throw new Error(`no deployed state machine for ${file}`);
    return Object.assign(found[1], { logicalId: found[0] });
  };

  it('deploys every state machine file: the jobs in both regions, the runbooks in the DR region', () => {
    expect(files.sort()).toEqual([
      'alarm-scaling.asl.json',
      'backup-target.asl.json',
      'backup.asl.json',
      'dr-failback.asl.json',
      'dr-failover.asl.json',
      'point-in-time-recovery.asl.json',
      'restore-verification.asl.json',
    ]);
    for (const file of files) expect(machineFor(file)).toBeDefined();
    const deployedIn = (stack: Resources) =>
      Object.values(stack)
        .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
        .map((r) => files.find((file) => JSON.stringify(r.Properties.Tags ?? []).includes(`"Value":"${file}"`)))
        .sort();
    const jobs = [
      'alarm-scaling.asl.json',
      'backup-target.asl.json',
      'backup.asl.json',
      'point-in-time-recovery.asl.json',
      'restore-verification.asl.json',
    ];
    expect(deployedIn(resources)).toEqual(jobs);
    expect(deployedIn(standbyResources)).toEqual([...jobs, 'dr-failback.asl.json', 'dr-failover.asl.json'].sort());
  });

  it('deploys every job in the DR region too, acting on the DR workload while that region is active', () => {
    const standby = synthLifeline({}).templates[STANDBY_CONTROL_PLANE];
    // The scheduled backup and verification fire there as well (their plan records a no-op while the region is passive).
    standby.resourcePropertiesCountIs(
      'AWS::Scheduler::Schedule',
      Match.objectLike({ Description: Match.stringLikeRegexp('scheduled backup') }),
      1,
    );
    standby.hasResourceProperties('AWS::Scheduler::Schedule', { Description: Match.stringLikeRegexp('daily restore verification') });
    // Its functions know their region's role, and the dashboard has its own name (dashboards are account-wide).
    standby.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'lifeline-backup', REGION_ROLE: 'dr' }) },
    });
    standby.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'lifeline-operations-dr' });
    // The DR scaling rule routes the DR workload's scaling alarms.
    const scalingRule = Object.values(standby.findResources('AWS::Events::Rule')).find((r) =>
      JSON.stringify(r).includes('alarm-scaling workflow'),
    );
    expect(JSON.stringify(scalingRule?.Properties.EventPattern)).toContain('Workload-Standby');
  });

  it.each(files)('%s passes asl-validator', (file) => {
    const result = validateAsl(JSON.parse(readFileSync(join(STATE_MACHINES_DIR, file), 'utf8')));
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it.each(files)('%s: every ${Placeholder} has exactly one substitution, and every substitution a placeholder', (file) => {
    const placeholders = [...placeholdersOf(readFileSync(join(STATE_MACHINES_DIR, file), 'utf8'))].sort();
    const substituted = Object.keys((machineFor(file).Properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>).sort();
    expect(substituted).toEqual(placeholders);
  });

  it.each(files)('%s: its role allows every API action the file calls and no other mutating action', (file) => {
    const definition = JSON.parse(readFileSync(join(STATE_MACHINES_DIR, file), 'utf8'));
    const needed = apiActionsOf(definition).map((a) => a.iamAction);
    const roleArn = machineFor(file).Properties.RoleArn;
    const roleId = isRecord(roleArn) && Array.isArray(roleArn['Fn::GetAtt']) ? String(roleArn['Fn::GetAtt'][0]) : '';
    const grants = roleGrants(stackOf(machineFor(file).logicalId), roleId, allResources);
    const granted = new Set(grants.map((g) => g.action));
    for (const action of needed) expect(granted, `${file} calls ${action}`).toContain(action);
    // What the role may change beyond the file's own calls: invoking its functions, writing
    // to the encrypted topic's key, tagging what it creates, the S3 export, and log delivery.
    const allowedExtraActions = [
      'lambda:InvokeFunction',
      'kms:CreateGrant',
      'kms:(Decrypt|GenerateDataKey\\*)',
      'rds:AddTagsToResource',
      'elasticache:AddTagsToResource',
      's3:(PutObject|DeleteObject|GetObject|ListBucket|GetBucketLocation)',
      'states:(DescribeExecution|StopExecution)',
      'events:(PutTargets|PutRule|DescribeRule)',
      'logs:.*Delivery',
      'logs:PutResourcePolicy',
      'xray:.*',
    ];
    const allowedExtras = new RegExp(`^(${allowedExtraActions.join('|')})$`);
    const mutating = [...granted].filter((a) => !isReadOnlyAction(a) && !needed.includes(a));
    expect(mutating.filter((a) => !allowedExtras.test(a))).toEqual([]);
    // No mutating action on "*".
    expect(grants.filter((g) => g.resource === '"*"' && !isReadOnlyAction(g.action) && !/^(logs|xray):/.test(g.action))).toEqual([]);
  });

  it('backup-target.asl.json: its role may list the buckets, which ElastiCache asks of the caller of an export', () => {
    const roleArn = machineFor('backup-target.asl.json').Properties.RoleArn;
    const roleId = isRecord(roleArn) && Array.isArray(roleArn['Fn::GetAtt']) ? String(roleArn['Fn::GetAtt'][0]) : '';
    const grants = roleGrants(stackOf(machineFor('backup-target.asl.json').logicalId), roleId, allResources);
    expect(grants).toContainEqual({ action: 's3:ListAllMyBuckets', resource: '"*"' });
  });

  it('gives the DR copy function as long as the state that invokes it waits, for a multipart copy of a large export', () => {
    const copy = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).includes('Copies a snapshot'),
    );
    expect(copy.map((r) => r.Properties.Timeout)).toEqual([300]);
  });

  it('logs every state machine at level ALL with execution data, traced', () => {
    for (const [, machine] of machines) {
      expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
  });

  it('runs functions on Node.js 22, arm64, traced, with Powertools configured by environment', () => {
    const functions = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment ?? {}).includes('POWERTOOLS_SERVICE_NAME'),
    );
    // Seven backup, five scaling, three verification and five point-in-time recovery functions, the sweeper and the
    // heartbeat writer.
    expect(functions.length).toBe(22);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Environment).toMatchObject({
        Variables: {
          POWERTOOLS_SERVICE_NAME: expect.stringMatching(
            /^lifeline-(backup|heartbeat|alarm-scaling|restore-verification|point-in-time-recovery)$/,
          ),
          POWERTOOLS_METRICS_NAMESPACE: 'Lifeline',
        },
      });
    }
  });

  it('schedules backups with EventBridge Scheduler from the configuration, in a flexible window, with the shared input', () => {
    const template = synthLifeline({}).templates[CONTROL_PLANE];
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 */6 * * ? *)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: Match.objectLike({
        Input: JSON.stringify(SCHEDULED_BACKUP_INPUT),
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
      }),
    });
  });

  it('alarms on failed backup executions and on a stale newest backup per target, notifying the topic', () => {
    const template = synthLifeline({}).templates[CONTROL_PLANE];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Threshold: 0,
      AlarmActions: Match.anyValue(),
    });
    // Stale: no success, nor a passive-region no-op (the active region backs up), within the window: one metric both publish.
    for (const target of ['database', 'cache']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'BackupCovered',
        Namespace: 'Lifeline',
        Dimensions: Match.arrayWith([{ Name: 'Target', Value: target }]),
        Period: 420 * 60,
        Statistic: 'Sum',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        TreatMissingData: 'breaching',
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it('writes a heartbeat every minute in each region, from inside the VPC', () => {
    for (const stack of [CONTROL_PLANE, 'Lifeline-ControlPlane-Standby']) {
      const template = synthLifeline({}).templates[stack];
      template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)' });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'lifeline-heartbeat',
            REGION_ROLE: stack === CONTROL_PLANE ? 'primary' : 'dr',
          }),
        },
        VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue() }),
      });
    }
  });

  it('routes the scaling alarms to the scaling workflow with the shared event pattern', () => {
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const pattern = rules[0].Properties.EventPattern as { source: string[]; 'detail-type': string[]; resources: unknown[] };
    expect(pattern.source).toEqual(['aws.cloudwatch']);
    expect(pattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
    // The alarms whose catalog entry scales something (the service, cache replicas, read replicas), in the primary
    // region: a linked policy's alarm reaches the workflow only if the rule routes it.
    const scaling = Object.values(ALARM_CATALOG).filter((d) => d.scales !== 'none' && d.onlyWhen !== 'read-replica').length;
    expect(pattern.resources).toHaveLength(scaling);
    expect(scaling).toBe(8);
    const target = (rules[0].Properties.Targets as { Arn: { Ref: string } }[])[0];
    expect(JSON.stringify(resources[target.Arn.Ref].Properties.Tags)).toContain('alarm-scaling.asl.json');
  });

  const deploysDashboard =
    'deploys the operator dashboard with executions, failures, backup age, verified RPO, restore duration, ' +
    'the last failover against the targets, and scaling';
  it(deploysDashboard, () => {
    const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0].Properties.DashboardName).toBe('lifeline-operations');
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const title of [
      'Executions per workflow',
      'Failed executions per workflow',
      'Newest backup age',
      'Verified RPO',
      'Last restore duration',
      'Scaling actions',
    ])
      expect(body).toContain(title);
    for (const metricName of [
      'ExecutionsStarted',
      'ExecutionsFailed',
      'NewestBackupAgeSeconds',
      'VerifiedRpoSeconds',
      'RestoreDurationSeconds',
      'ScaleOut',
      'ScaleIn',
    ])
      expect(body).toContain(metricName);
    // The DR runbooks run (and publish) in the DR region; the dashboard reads them there, against the targets.
    const parts = (dashboards[0].Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    type Widget = {
      properties: { title?: string; metrics?: unknown[][]; annotations?: { horizontal: { value: number; label: string }[] } };
    };
    const { widgets } = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as { widgets: Widget[] };
    const last = widgets.find((w) => w.properties.title?.startsWith('Last failover'));
    expect(last?.properties.title).toBe('Last failover (s): RTO target 1800, RPO target 900');
    expect(last?.properties.metrics).toEqual(
      expect.arrayContaining([
        [
          'Lifeline',
          'DrRtoSeconds',
          'Direction',
          'failover',
          'service',
          'lifeline-dr-failover',
          expect.objectContaining({ region: 'us-west-2', label: 'RTO' }),
        ],
        [
          'Lifeline',
          'DrRpoSeconds',
          'Direction',
          'failover',
          'service',
          'lifeline-dr-failover',
          expect.objectContaining({ region: 'us-west-2', label: 'RPO' }),
        ],
      ]),
    );
    const history = widgets.find((w) => w.properties.title === 'DR runs: RTO and RPO (s) vs targets');
    expect(history?.properties.annotations?.horizontal.map((a) => [a.label, a.value])).toEqual([
      ['RTO target', 1800],
      ['RPO target', 900],
    ]);
  });

  it('keeps the ledger as a global table with point-in-time recovery and a replica in the DR region', () => {
    const template = synthLifeline({}).templates[CONTROL_PLANE];
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: 'us-west-2', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ]),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });
  it('deploys the DR runbooks in the DR region, proposed by an alarm on the primary as seen from there, with approval', () => {
    const template = synthLifeline({}).templates[STANDBY_CONTROL_PLANE];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PrimaryEndpointHealthy',
      Namespace: 'Lifeline',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 5,
      TreatMissingData: 'breaching',
    });
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r).includes('propose a DR failover'),
    );
    expect(rules).toHaveLength(1);
    const input = JSON.stringify(rules[0]);
    expect(input).toContain(String.raw`\"mode\":\"failover\"`);
    expect(input).toContain('failover to us-west-2');
    expect(input).toContain(String.raw`\"proposedBy\":\"alarm\"`);
    // The runbook's settings: approval required and the plan's timings from the latency profile.
    const settings = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((f) => JSON.stringify(f))
      .find((f) => f.includes('DR_SETTINGS'));
    expect(settings).toContain('requireApproval');
    expect(settings).toContain('promoteReplica');
  });
});

describe("the twin's IAM policies", () => {
  it('are cached, for every configuration, from the current sources, and the cache holds what this synthesis gives', () => {
    // Prepare
    const digest = policySourceDigest();
    const cached = cachedPolicies();
    const config = parseConfig({});

    // Act
    const stale = cached.filter(({ entry }) => entry.sourceDigest !== digest).map(({ file }) => file);
    const fresh = iamViewOf(synthLifeline({}), config);

    // Assess: a stale file means `npm run policies` was not run after a change to what the policies come from.
    expect(stale).toEqual([]);
    expect(cached.find(({ file }) => file === cacheFileOf(config))?.entry.view).toEqual(fresh);
  });
});
