import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';

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

/** Values per row in a packed batch: id, ts, kind, action, client_ip, call_id, user, doc. */
export const ROW_SLOTS = 8;

const DELETE_STEP = 2000;
const BUSY_TIMEOUT_MS = 100;
/** After a size-triggered cleanup the database uses this share of maxBytes, so cleanups stay rare. */
const SIZE_LOW_WATER = 0.9;
/**
 * WAL pages between automatic checkpoints (SQLite's default is 1000, 4 MiB). Each checkpoint copies
 * the log into the database and syncs it; at event rates that is most of the insert cost, and a
 * 32 MiB log needs an eighth of the syncs.
 */
const WAL_AUTOCHECKPOINT_PAGES = 8000;

export interface RetentionResult {
  byAge: number;
  bySize: number;
}

export interface EventsDbOptions {
  path: string;
  maxAge: number;
  maxBytes: number;
}

/**
 * The events database as the writer sees it: schema, batched inserts and retention. It runs where
 * SqliteOutput puts it: on a worker thread (the default) or on the calling thread. Every step is
 * bounded (retention deletes DELETE_STEP rows at a time with a turn of the event loop between), so
 * the thread it runs on stays responsive. A busy database (another writer) is waited for
 * BUSY_TIMEOUT_MS at most, then the call throws and the delivery retries later.
 */
export class EventsDb {
  private readonly insertRows: (rows: readonly unknown[]) => number;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly opts: EventsDbOptions,
  ) {
    const insert = db.prepare('INSERT OR IGNORE INTO events (id, ts, kind, action, client_ip, call_id, user, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertRows = db.transaction((rows: readonly unknown[]) => {
      let added = 0;
      for (let i = 0; i + ROW_SLOTS <= rows.length; i += ROW_SLOTS) {
        added += insert.run(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], rows[i + 4], rows[i + 5], rows[i + 6], rows[i + 7]).changes;
      }
      return added;
    });
  }

  /** Opens (creating the file, its directory and the schema); throws on a file of a newer schema. */
  static open(opts: EventsDbOptions): EventsDb {
    mkdirSync(dirname(opts.path), { recursive: true });
    const db = new Database(opts.path, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a process crash loses nothing committed; only a power cut can lose the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > EVENTS_SCHEMA_VERSION) throw new Error(`${opts.path}: written by a newer sipsentry (schema ${version})`);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${EVENTS_SCHEMA_VERSION}`);
    } catch (err) {
      db.close();
      throw err;
    }
    return new EventsDb(db, opts);
  }

  /** Inserts packed rows (ROW_SLOTS values each) in one transaction; returns how many were new. */
  insert(rows: readonly unknown[]): number {
    if (this.closed) throw new Error('sqlite output is closed');
    return this.insertRows(rows);
  }

  /** Deletes what is past maxAge (measured at nowMs), then the oldest events while past maxBytes. */
  async retain(nowMs: number): Promise<RetentionResult> {
    const result = { byAge: 0, bySize: 0 };
    const db = this.db;
    if (this.closed) return result;
    if (this.opts.maxAge > 0) {
      const newest = (db.prepare('SELECT max(ts) AS t FROM events').get() as { t: number | null }).t;
      if (newest !== null) {
        // Age counts from the newest event (a replayed old capture is not deleted as it lands),
        // but never from a future timestamp.
        const cutoff = Math.min(newest, nowMs) - this.opts.maxAge * 1000;
        const older = db.prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE ts < ? ORDER BY ts LIMIT ?)');
        result.byAge = await this.deleteInSteps(Infinity, (n) => older.run(cutoff, n).changes);
      }
    }
    if (this.opts.maxBytes > 0 && !this.closed) {
      const span = db.prepare('SELECT max(rowid) - min(rowid) + 1 AS n FROM events');
      const oldest = db.prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events ORDER BY ts, id LIMIT ?)');
      // Rows to delete from the average row size. Index pages of deleted rows stay partly used until
      // inserts refill them, so less space shows as free than was freed: measure again after each pass.
      for (let pass = 0; pass < 8 && !this.closed; pass++) {
        const used = usedBytes(db);
        if (used <= this.opts.maxBytes) break;
        const rows = (span.get() as { n: number | null }).n ?? 0;
        const n = await this.deleteInSteps(Math.ceil((rows * (used - this.opts.maxBytes * SIZE_LOW_WATER)) / used), (k) => oldest.run(k).changes);
        result.bySize += n;
        if (n === 0) break;
      }
    }
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private async deleteInSteps(rows: number, step: (n: number) => number): Promise<number> {
    let done = 0;
    while (done < rows && !this.closed) {
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
