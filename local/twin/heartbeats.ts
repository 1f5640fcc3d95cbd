import { heartbeatRecord } from '../../functions/shared/ledger';
import type { AwsServices } from './aws-services';
import { HEARTBEAT_TABLE } from './data-plane';
import type { DbInstance } from './services/rds';

/**
 * The heartbeat function runs every minute in AWS; the twin writes the rows
 * it would have written, one per virtual minute, whenever data is about to
 * be copied or read, up to now (or the start of an outage of its region).
 */
export class Heartbeats {
  /** Virtual time up to which heartbeats have been written, per physical database. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly aws: Pick<AwsServices, 'core' | 'rds' | 'dynamodb'>,
    /** The ledger the function records its newest write in; undefined until the control plane is seeded. */
    private readonly ledgerTable: () => string | undefined,
  ) {}

  /** Writes the heartbeats due in `instance`'s database (a primary with data; replicas receive them by replication). */
  async writeDue(instance: DbInstance): Promise<void> {
    const { core } = this.aws;
    if (!instance.physical || instance.replicaOf) return;
    const outage = core.outageStart(instance.region);
    const until = Math.floor((outage ?? core.clock.now()) / 60_000) * 60_000;
    const from = this.written.get(instance.physical) ?? Math.max(instance.createdAt, until - 24 * 3600_000);
    if (until <= from) return;
    await core.dataPlane.query(
      instance.physical,
      `INSERT INTO ${HEARTBEAT_TABLE} (written_at, source) ` +
        "SELECT to_timestamp(t / 1000.0), 'heartbeat-function' FROM generate_series($1::bigint, $2::bigint, 60000) AS t",
      [from + 60_000 - (from % 60_000), until],
    );
    this.written.set(instance.physical, until);
    const ledgerTable = this.ledgerTable();
    if (ledgerTable) this.aws.dynamodb.putInternal(ledgerTable, heartbeatRecord(instance.id, new Date(until)));
  }

  /** A read of the ledger's `heartbeat#<instance>` partition sees the writes due first, as the function would have recorded them. */
  async beforeLedgerRead(pk: unknown): Promise<void> {
    const match = typeof pk === 'string' ? /^heartbeat#(.+)$/.exec(pk) : null;
    const instance = match ? [...this.aws.rds.instances.values()].map((m) => m.get(match[1])).find((i) => i !== undefined) : undefined;
    if (instance) await this.writeDue(instance);
  }
}
