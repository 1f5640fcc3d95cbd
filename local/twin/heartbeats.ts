import { heartbeatRecord } from '../../functions/shared/ledger';
import type { AwsServices } from './aws-services';
import { DataPlane, HEARTBEAT_TABLE } from './data-plane';
import type { DbInstance } from './services/rds';

/**
 * The heartbeat function runs every minute in AWS; the twin writes the rows
 * it would have written, one per virtual minute, whenever data is about to
 * be copied, read or written, up to now (or the start of an outage of its region).
 *
 * Point-in-time recovery replays the WAL to a named mark (local/twin/data-plane.ts), so the rows must reach the
 * WAL in virtual-time order: every writable database is caught up together, one virtual minute at a time (the
 * function's interval: a restore to any time lands on the heartbeat before it), each step followed by its mark on
 * every server written, and before any other write the twin makes.
 */
export class Heartbeats {
  /** Virtual time up to which heartbeats have been written, per physical database. */
  private readonly written = new Map<string, number>();
  private catchingUp?: Promise<void>;

  constructor(
    private readonly aws: Pick<AwsServices, 'core' | 'rds' | 'dynamodb'>,
    /** The ledger the function records its newest write in; undefined until the control plane is seeded. */
    private readonly ledgerTable: () => string | undefined,
    /** The databases the function writes to: each region's, by the inventory (it skips a read replica). */
    private readonly databases: () => readonly { readonly region: string; readonly id: string }[] = () => [],
  ) {}

  /** Writes the heartbeats due in `instance`'s database, and in every other writable one with it (WAL order). */
  async writeDue(instance: DbInstance): Promise<void> {
    if (!instance.physical || instance.replicaOf) return;
    await this.writeAllDue();
  }

  /** Writes the heartbeats due in every writable database (primaries with data of the main server), in time order. */
  async writeAllDue(): Promise<void> {
    // One catch-up at a time: a second caller waits for the first, then finds little left to do.
    while (this.catchingUp) await this.catchingUp;
    this.catchingUp = this.catchUp();
    try {
      await this.catchingUp;
    } finally {
      this.catchingUp = undefined;
    }
  }

  private async catchUp(): Promise<void> {
    const { core } = this.aws;
    const now = core.clock.now();
    const due = this.databases()
      .flatMap(({ region, id }) => {
        const instance = this.aws.rds.instances.get(region)?.get(id);
        return instance?.physical && !instance.replicaOf && instance.status.at(now) !== 'deleted' ? [instance] : [];
      })
      .map((instance) => {
        const outage = core.outageStart(instance.region);
        const until = Math.floor((outage ?? now) / 60_000) * 60_000;
        const physical = instance.physical ?? '';
        // From when the database took writes (its creation, or a promoted replica's end of promotion) under the name
        // the function connects to (an instance renamed into it: once the rename completed).
        const since = Math.max(instance.writableSince ?? instance.createdAt, instance.namedSince ?? 0);
        const from = this.written.get(physical) ?? Math.max(since, until - 24 * 3600_000);
        return { instance, physical, from, until };
      })
      .filter((d) => d.until > d.from);
    if (due.length === 0) return;
    // One virtual minute at a time, the function's own interval: a restore to any time lands on the heartbeat before it
    // (the log-upload boundaries, where a restore to the latest restorable time lands, are minutes too).
    const step = 60_000;
    const until = Math.max(...due.map((d) => d.until));
    // Before a server's first mark nothing can be recovered to: that history goes in at once.
    const first = Math.max(Math.min(...due.map((d) => Math.max(d.from, core.dataPlane.earliestMarkOf(d.physical) ?? now))));
    await core.dataPlane.withSessions(
      due.map((d) => d.physical),
      async (session) => {
        for (let boundary = Math.floor(first / step) * step + step; ; boundary += step) {
          const end = Math.min(boundary, until);
          for (const d of due) {
            const from = this.written.get(d.physical) ?? d.from;
            const to = Math.min(end, d.until);
            if (to <= from) continue;
            await session.write(
              d.physical,
              `INSERT INTO ${HEARTBEAT_TABLE} (written_at, source) ` +
                "SELECT to_timestamp(t / 1000.0), 'heartbeat-function' FROM generate_series($1::bigint, $2::bigint, 60000) AS t",
              [from + 60_000 - (from % 60_000), to],
            );
            this.written.set(d.physical, to);
          }
          // Every server written to gets the mark (each recovers from its own WAL).
          for (const server of new Set(due.map((d) => DataPlane.serverOf(d.physical)))) await session.mark(end, server);
          if (end >= until) break;
        }
      },
    );
    const ledgerTable = this.ledgerTable();
    if (ledgerTable)
      for (const d of due)
        this.aws.dynamodb.putInternal(
          ledgerTable,
          heartbeatRecord(d.instance.id, new Date(d.until), this.aws.rds.dbiResourceId(d.instance)),
        );
  }

  /** A read of the ledger's `heartbeat#<instance>` partition sees the writes due first, as the function would have recorded them. */
  async beforeLedgerRead(pk: unknown): Promise<void> {
    const match = typeof pk === 'string' ? /^heartbeat#(.+)$/.exec(pk) : null;
    const instance = match ? [...this.aws.rds.instances.values()].map((m) => m.get(match[1])).find((i) => i !== undefined) : undefined;
    if (instance) await this.writeDue(instance);
  }
}
