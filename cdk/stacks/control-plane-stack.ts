import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { LifelineConfig, RegionRole } from '../../contracts/config/schema';
import { Backup } from '../control-plane/backup';
import { OperatorDashboard } from '../control-plane/dashboard';
import { DrRunbooks } from '../control-plane/dr-runbook';
import { Heartbeat } from '../control-plane/heartbeat';
import { inventoryOf } from '../control-plane/inventory';
import { Ledger } from '../control-plane/ledger';
import { RestoreVerification } from '../control-plane/restore-verification';
import { PointInTimeRecovery } from '../control-plane/point-in-time-recovery';
import { Scaling } from '../control-plane/scaling';
import { bundledCode, type FunctionFactory } from '../control-plane/ops-function';
import type { WorkloadStack } from './workload-stack';

export interface ControlPlaneStackProps extends StackProps {
  readonly config: LifelineConfig;
  readonly role: RegionRole;
  /** The workload stacks of both regions. */
  readonly primary: WorkloadStack;
  readonly standby: WorkloadStack;
  /** The primary control plane, whose global ledger table the standby uses. */
  readonly primaryControlPlane?: ControlPlaneStack;
  /** How functions get their code. @default bundledCode (esbuild) */
  readonly functionFactory?: FunctionFactory;
}

/**
 * The control plane of one region: the ledger (a global table owned by the
 * primary, with a replica here in the DR region), the functions and
 * workflows of every job (each acting while its region is the active one),
 * the dashboard and the heartbeat; in the DR region, the DR runbooks.
 */
export class ControlPlaneStack extends Stack {
  readonly ledgerTable: dynamodb.ITableV2;
  readonly functionFactory: FunctionFactory;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    Tags.of(this).add('lifeline:app', props.config.appName);
    Tags.of(this).add('lifeline:region-role', props.role);
    this.functionFactory = props.functionFactory ?? bundledCode;

    const inventory = inventoryOf(props.config, props);
    const secretName = props.primary.database.credentials?.secretName;
    if (!secretName) throw new Error('The primary database has no master secret');
    if (props.role === 'primary') {
      this.ledgerTable = new Ledger(this, 'Ledger', { replicaRegions: [props.config.regions.dr] }).table;
    } else {
      if (!props.primaryControlPlane) throw new Error('The standby control plane needs the primary one (for its ledger replica)');
      this.ledgerTable = dynamodb.TableV2.fromTableName(this, 'LedgerReplica', props.primaryControlPlane.ledgerTable.tableName);
    }
    // Every job in both regions: each acts on its own region's workload while that region is the active one
    // (functions/shared/active-region.ts), so a failover leaves the DR region protected without its primary.
    const role = props.role === 'primary' ? 'primary' : 'dr';
    const [home, away] = role === 'primary' ? [props.primary, props.standby] : [props.standby, props.primary];
    const job = { config: props.config, inventory, ledger: this.ledgerTable, factory: this.functionFactory, role } as const;
    const topic = home.notifications.topic;
    const backup = new Backup(this, 'Backup', { ...job, home, away, topic });
    const verification = new RestoreVerification(this, 'RestoreVerification', { ...job, home, away, topic });
    const scaling = new Scaling(this, 'Scaling', { ...job, workload: home, topic });
    const recovery = new PointInTimeRecovery(this, 'PointInTimeRecovery', { ...job, home, away, topic });
    new OperatorDashboard(this, 'Dashboard', {
      appName: props.config.appName,
      dashboardName: role === 'primary' ? undefined : `${props.config.appName}-operations-dr`,
      region: home.region,
      workflows: {
        backup: backup.workflow.stateMachine,
        'alarm scaling': scaling.workflow.stateMachine,
        'restore verification': verification.workflow.stateMachine,
        'point-in-time recovery': recovery.workflow.stateMachine,
      },
      backupTargets: ['database', 'cache'],
      scalingTarget: `${home.service.cluster.clusterName}/${home.service.service.serviceName}`,
      rpoTargetSeconds: props.config.dr.rpoMinutes * 60,
      rtoTargetSeconds: props.config.dr.rtoMinutes * 60,
      drRegion: props.config.regions.dr,
    });
    new Heartbeat(this, 'Heartbeat', {
      inventory,
      role,
      workload: home,
      secretName,
      factory: this.functionFactory,
      ledger: this.ledgerTable,
      healthCheckPath: props.config.service.healthCheckPath,
    });
    if (props.role === 'standby') {
      new DrRunbooks(this, 'DrRunbooks', {
        config: props.config,
        inventory,
        primary: props.primary,
        standby: props.standby,
        ledger: this.ledgerTable,
        factory: this.functionFactory,
        role,
      });
    }
  }
}
