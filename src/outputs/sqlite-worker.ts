/**
 * The SQLite writer thread (sqlite.ts): owns the events database and answers the output's requests
 * (open, insert, retain, close) one by one, so inserts and checkpoints never block packet processing.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from '../base/worker-client.js';
import { EventsDb, type EventsDbOptions } from './sqlite-db.js';

export type SqliteRequest =
  | { seq: number; op: 'open'; opts: EventsDbOptions }
  | { seq: number; op: 'insert'; rows: unknown[] }
  | { seq: number; op: 'retain'; nowMs: number }
  | { seq: number; op: 'close' };


const port = parentPort!;
let db: EventsDb | null = null;

async function handle(r: SqliteRequest): Promise<unknown> {
  switch (r.op) {
    case 'open':
      db?.close();
      db = EventsDb.open(r.opts);
      return null;
    case 'insert':
      if (db === null) throw new Error('sqlite output is not open');
      return db.insert(r.rows);
    case 'retain':
      return db === null ? { byAge: 0, bySize: 0 } : await db.retain(r.nowMs);
    case 'close':
      db?.close();
      db = null;
      return null;
  }
}

port.on('message', (r: SqliteRequest) => {
  handle(r).then(
    (value) => port.postMessage({ seq: r.seq, ok: true, value } satisfies WorkerReply),
    (err: unknown) => port.postMessage({ seq: r.seq, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
