import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { byteSize, duration } from '../config/units.js';
import { GiB, instanceName } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { EventsDb, type RetentionResult } from './sqlite-db.js';
import type { SqliteReply, SqliteRequest } from './sqlite-worker.js';

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

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

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
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
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
    if (this.db !== null || this.worker !== null) return;
    if (this.opts.thread === 'inline') this.db = EventsDb.open(this.opts);
    else await this.startWorker();
    this.timer = setInterval(() => void this.retainLogged(), this.opts.retentionInterval * 1000);
    this.timer.unref();
    // Room first, then inserts: a database over its limits at start is trimmed before the backlog lands.
    await this.retainLogged();
  }

  private async startWorker(): Promise<void> {
    const w = new Worker(new URL('./sqlite-worker.js', import.meta.url));
    // Referenced only while a request is out: an idle writer never keeps the process alive.
    w.unref();
    w.on('message', (r: SqliteReply) => {
      const p = this.pending.get(r.seq);
      if (p === undefined) return;
      this.pending.delete(r.seq);
      if (this.pending.size === 0) w.unref();
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(r.error));
    });
    const died = (err: Error): void => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (err) => died(err));
    w.on('exit', (code) => died(new Error(`the sqlite writer thread exited (code ${code})`)));
    this.worker = w;
    try {
      await this.request({ op: 'open', opts: this.opts });
    } catch (err) {
      this.worker = null;
      await w.terminate();
      throw err;
    }
  }

  private request(r: DistributiveOmit<SqliteRequest, 'seq'>): Promise<unknown> {
    const w = this.worker;
    if (w === null) return Promise.reject(new Error('sqlite output is not open'));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      w.ref();
      w.postMessage({ ...r, seq });
    });
  }

  async write(batch: readonly OutputRecord[]): Promise<void> {
    // A writer thread that died (it is reported to the waiting writes) is started again by the retry.
    if (this.opts.thread !== 'inline' && this.worker === null && this.timer !== null) await this.startWorker();
    const inserts: Array<Promise<unknown>> = [];
    for (let i = 0; i < batch.length; i += ROWS_PER_TRANSACTION) {
      const to = Math.min(batch.length, i + ROWS_PER_TRANSACTION);
      const rows = packRows(batch, i, to);
      if (this.worker !== null) {
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
      this.worker !== null
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
    const w = this.worker;
    if (w !== null) {
      await this.request({ op: 'close' }).catch(() => undefined);
      this.worker = null;
      await w.terminate();
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
