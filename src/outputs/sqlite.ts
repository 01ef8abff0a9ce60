import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { byteSize, duration } from '../config/units.js';
import { GiB, instanceName } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';

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
});
export type SqliteOptions = z.output<typeof sqliteSchema>;

/** Schema version in PRAGMA user_version: the store refuses files it does not know. */
export const EVENTS_SCHEMA_VERSION = 1;

/**
 * One row per document, the indexed values beside it. A rowid table (inserts append; the random ids
 * only go to their own index); the composite indexes end in ts so that filtered queries come out in
 * time order, and `events_ts` (ts, id) serves keyset pagination and oldest-first deletion.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY NOT NULL,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  action TEXT NOT NULL,
  client_ip TEXT,
  call_id TEXT,
  user TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts, id);
CREATE INDEX IF NOT EXISTS events_action ON events (action, ts);
CREATE INDEX IF NOT EXISTS events_client_ip ON events (client_ip, ts) WHERE client_ip IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_call_id ON events (call_id, ts) WHERE call_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_user ON events (user, ts) WHERE user IS NOT NULL;
`;

/**
 * better-sqlite3 is synchronous, so every step is bounded: inserts go in transactions of at most
 * ROWS_PER_TRANSACTION rows and retention deletes DELETE_STEP rows at a time, with a turn of the
 * event loop between steps (each step takes a few milliseconds). A busy database (another writer)
 * is waited for BUSY_TIMEOUT_MS at most; then write() rejects and the delivery retries later.
 */
const ROWS_PER_TRANSACTION = 500;
const DELETE_STEP = 2000;
const BUSY_TIMEOUT_MS = 100;
/** After a size-triggered cleanup the database uses this share of maxBytes, so cleanups stay rare. */
const SIZE_LOW_WATER = 0.9;

export interface RetentionResult {
  byAge: number;
  bySize: number;
}

/**
 * Events in a local SQLite file (WAL mode: `sipsentry query` and the API read while the probe
 * writes). Inserts are `INSERT OR IGNORE` on the record id, so a resent batch never duplicates.
 * Retention runs every retentionInterval seconds, never on the insert path.
 */
export class SqliteOutput implements Output {
  readonly name: string;
  private db: Database.Database | null = null;
  private insertRows: ((batch: readonly OutputRecord[], from: number, to: number) => number) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retention: Promise<RetentionResult> | null = null;
  private readonly deleted: string;
  private readonly duplicate: string;

  constructor(
    private readonly opts: SqliteOptions,
    private readonly ctx: OutputContext,
    private readonly now: () => number = Date.now,
  ) {
    this.name = opts.name;
    this.deleted = `output.${opts.name}.retention_deleted`;
    this.duplicate = `output.${opts.name}.duplicate`;
  }

  async open(): Promise<void> {
    if (this.db !== null) return;
    mkdirSync(dirname(this.opts.path), { recursive: true });
    const db = new Database(this.opts.path, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a process crash loses nothing committed; only a power cut can lose the last commits.
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > EVENTS_SCHEMA_VERSION) throw new Error(`${this.opts.path}: written by a newer sipsentry (schema ${version})`);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${EVENTS_SCHEMA_VERSION}`);
    } catch (err) {
      db.close();
      throw err;
    }
    const insert = db.prepare('INSERT OR IGNORE INTO events (id, ts, kind, action, client_ip, call_id, user, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertRows = db.transaction((batch: readonly OutputRecord[], from: number, to: number) => {
      let added = 0;
      for (let i = from; i < to; i++) {
        const r = batch[i]!;
        added += insert.run(r.id, r.tsMs, r.kind, r.action, r.clientIp, r.callId, r.user, r.json).changes;
      }
      return added;
    });
    this.db = db;
    this.timer = setInterval(() => void this.retainLogged(), this.opts.retentionInterval * 1000);
    this.timer.unref();
    // Room first, then inserts: a database over its limits at start is trimmed before the backlog lands.
    await this.retainLogged();
  }

  async write(batch: readonly OutputRecord[]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_TRANSACTION) {
      if (i > 0) await nextTurn();
      if (this.insertRows === null) throw new Error('sqlite output is not open');
      const to = Math.min(batch.length, i + ROWS_PER_TRANSACTION);
      const added = this.insertRows(batch, i, to);
      // Rows already there: a retried or resumed batch (or the same document twice).
      if (added < to - i) this.ctx.counters.inc(this.duplicate, to - i - added);
    }
  }

  /** Deletes what is past maxAge, then the oldest events while past maxBytes. One run at a time. */
  enforceRetention(): Promise<RetentionResult> {
    this.retention ??= this.retain().finally(() => {
      this.retention = null;
    });
    return this.retention;
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
    const db = this.db;
    this.db = null;
    this.insertRows = null;
    await this.retention?.catch(() => undefined);
    db?.close();
  }

  private async retain(): Promise<RetentionResult> {
    const result = { byAge: 0, bySize: 0 };
    const db = this.db;
    if (db === null) return result;
    if (this.opts.maxAge > 0) {
      const newest = (db.prepare('SELECT max(ts) AS t FROM events').get() as { t: number | null }).t;
      if (newest !== null) {
        // Age counts from the newest event (a replayed old capture is not deleted as it lands),
        // but never from a future timestamp.
        const cutoff = Math.min(newest, this.now()) - this.opts.maxAge * 1000;
        const older = db.prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE ts < ? ORDER BY ts LIMIT ?)');
        result.byAge = await this.deleteInSteps(db, Infinity, (n) => older.run(cutoff, n).changes);
      }
    }
    if (this.opts.maxBytes > 0) {
      const span = db.prepare('SELECT max(rowid) - min(rowid) + 1 AS n FROM events');
      const oldest = db.prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events ORDER BY ts, id LIMIT ?)');
      // Rows to delete from the average row size. Index pages of deleted rows stay partly used until
      // inserts refill them, so less space shows as free than was freed: measure again after each pass.
      for (let pass = 0; pass < 8 && this.db === db; pass++) {
        const used = usedBytes(db);
        if (used <= this.opts.maxBytes) break;
        const rows = (span.get() as { n: number | null }).n ?? 0;
        const n = await this.deleteInSteps(db, Math.ceil((rows * (used - this.opts.maxBytes * SIZE_LOW_WATER)) / used), (k) => oldest.run(k).changes);
        result.bySize += n;
        if (n === 0) break;
      }
    }
    const total = result.byAge + result.bySize;
    if (total > 0) {
      this.ctx.counters.inc(this.deleted, total);
      this.ctx.log.info({ output: this.name, ...result }, 'sqlite retention deleted old events');
    }
    return result;
  }

  private async deleteInSteps(db: Database.Database, rows: number, step: (n: number) => number): Promise<number> {
    let done = 0;
    while (done < rows && this.db === db) {
      const want = Math.min(DELETE_STEP, rows - done);
      const n = step(want);
      done += n;
      if (n < want) break; // nothing left to delete
      await nextTurn();
    }
    return done;
  }
}

/** Bytes in pages that hold data (free pages are reused by later inserts, so they do not count). */
export function usedBytes(db: Database.Database): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
}

export const sqliteOutput: OutputKind<typeof sqliteSchema> = {
  kind: 'sqlite',
  schema: sqliteSchema,
  fromTarget: (target) => (target === undefined || target === '' ? {} : { path: target }),
  create: (opts, ctx) => new SqliteOutput(opts, ctx),
};
