import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { WorkerClient } from '../base/worker-client.js';
import { byteSize, duration } from '../config/units.js';
import { GiB, instanceName } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { EventsDb, type RetentionResult } from './sqlite-db.js';
import type { SqliteRequest } from './sqlite-worker.js';

/** The library default; the CLI chooses the real default location. */
export const DEFAULT_SQLITE_PATH = 'sipsentry-events.db';

export const sqliteSchema = z.strictObject({
  name: instanceName.default('sqlite'),
  path: z.string().min(1).default(DEFAULT_SQLITE_PATH),
  /** Events older than this many seconds (before the newest stored event, or now if earlier) are deleted; 0 = keep. */
  maxAge: duration().default(30 * 86_400),
  /** Past this size the oldest events are deleted until 90 % of it is used; 0 = no cap. */
  maxBytes: byteSize().default(GiB),
  /** Seconds between retention runs. */
  retentionInterval: duration().pipe(z.number().min(1)).default(60),
  /** Where the database work runs: a worker thread of its own (default), or `inline` on the packet thread. */
  thread: z.enum(['worker', 'inline']).default('worker'),
});
export type SqliteOptions = z.output<typeof sqliteSchema>;

export { EVENTS_SCHEMA_VERSION, usedBytes, type RetentionResult } from './sqlite-db.js';

/**
 * Rows per insert transaction: each is a bounded step (a few milliseconds), and on the calling thread
 * a turn of the event loop separates two.
 */
const ROWS_PER_TRANSACTION = 500;

/**
 * Events in a local SQLite file (WAL mode: `sipsentry query` and the API read while the probe
 * writes). Inserts are `INSERT OR IGNORE` on the record id, so a resent batch never duplicates.
 * Retention runs every retentionInterval seconds, never on the insert path.
 *
 * better-sqlite3 is synchronous, and at event rates inserts and WAL checkpoints cost tens of
 * microseconds per row. With `thread: worker` (the default) the database lives on a worker thread:
 * the packet thread only packs each batch into an array and posts it. `inline` runs it here.
 */
export class SqliteOutput implements Output {
  readonly name: string;
  private db: EventsDb | null = null;
  /** The writer thread (thread: worker); running once opened, until it dies or is closed. */
  private readonly worker = new WorkerClient(new URL('./sqlite-worker.js', import.meta.url), 'sqlite writer');
  private timer: NodeJS.Timeout | null = null;
  private retention: Promise<RetentionResult> | null = null;
  private readonly deleted: string;
  private readonly duplicate: string;

  constructor(
    private readonly opts: SqliteOptions,
    private readonly ctx: OutputContext,
    /** The clock retention measures age against. */
    private readonly now: () => number = Date.now,
  ) {
    this.name = opts.name;
    this.deleted = `output.${opts.name}.retention_deleted`;
    this.duplicate = `output.${opts.name}.duplicate`;
  }

  async open(): Promise<void> {
    if (this.db !== null || this.worker.running) return;
    if (this.opts.thread === 'inline') this.db = EventsDb.open(this.opts);
    else await this.startWorker();
    this.timer = setInterval(() => void this.retainLogged(), this.opts.retentionInterval * 1000);
    this.timer.unref();
    // Room first, then inserts: a database over its limits at start is trimmed before the backlog lands.
    await this.retainLogged();
  }

  /** A new writer thread opens the database before anything else. */
  private async startWorker(): Promise<void> {
    try {
      await this.request({ op: 'open', opts: this.opts });
    } catch (err) {
      await this.worker.terminate();
      throw err;
    }
  }

  private request(r: DistributiveOmit<SqliteRequest, 'seq'>): Promise<unknown> {
    return this.worker.request(r);
  }

  async write(batch: readonly OutputRecord[]): Promise<void> {
    // A writer thread that died (it is reported to the waiting writes) is started again by the retry.
    if (this.opts.thread !== 'inline' && !this.worker.running && this.timer !== null) await this.startWorker();
    const inserts: Array<Promise<unknown>> = [];
    for (let i = 0; i < batch.length; i += ROWS_PER_TRANSACTION) {
      const to = Math.min(batch.length, i + ROWS_PER_TRANSACTION);
      const rows = packRows(batch, i, to);
      if (this.worker.running) {
        inserts.push(this.request({ op: 'insert', rows }).then((added) => this.counted(to - i, added as number)));
        continue;
      }
      if (i > 0) await nextTurn();
      if (this.db === null) throw new Error('sqlite output is not open');
      this.counted(to - i, this.db.insert(rows));
    }
    await Promise.all(inserts);
  }

  /** Rows already there: a retried or resumed batch (or the same document twice). */
  private counted(rows: number, added: number): void {
    if (added < rows) this.ctx.counters.inc(this.duplicate, rows - added);
  }

  /** Deletes what is past maxAge, then the oldest events while past maxBytes. One run at a time. */
  enforceRetention(): Promise<RetentionResult> {
    this.retention ??= this.retain().finally(() => {
      this.retention = null;
    });
    return this.retention;
  }

  private async retain(): Promise<RetentionResult> {
    const result =
      this.worker.running
        ? ((await this.request({ op: 'retain', nowMs: this.now() })) as RetentionResult)
        : this.db !== null
          ? await this.db.retain(this.now())
          : { byAge: 0, bySize: 0 };
    const total = result.byAge + result.bySize;
    if (total > 0) {
      this.ctx.counters.inc(this.deleted, total);
      this.ctx.log.info({ output: this.name, ...result }, 'sqlite retention deleted old events');
    }
    return result;
  }

  /** Retention problems are logged, never fatal: the events keep coming in. */
  private async retainLogged(): Promise<void> {
    try {
      await this.enforceRetention();
    } catch (err) {
      this.ctx.log.warn({ output: this.name, err: (err as Error).message }, 'sqlite retention failed');
    }
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.retention?.catch(() => undefined);
    const db = this.db;
    this.db = null;
    db?.close();
    if (this.worker.running) {
      await this.request({ op: 'close' }).catch(() => undefined);
      await this.worker.terminate();
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Records [from, to) as one flat array (ROW_SLOTS values each): cheap to post to the writer thread. */
function packRows(batch: readonly OutputRecord[], from: number, to: number): unknown[] {
  const rows: unknown[] = [];
  for (let i = from; i < to; i++) {
    const r = batch[i]!;
    rows.push(r.id, r.tsMs, r.kind, r.action, r.clientIp, r.callId, r.user, r.json);
  }
  return rows;
}

export const sqliteOutput: OutputKind<typeof sqliteSchema> = {
  kind: 'sqlite',
  schema: sqliteSchema,
  fromTarget: (target) => (target === undefined || target === '' ? {} : { path: target }),
  create: (opts, ctx) => new SqliteOutput(opts, ctx),
};
