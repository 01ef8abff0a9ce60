/**
 * The event store's reader thread (sqlite-reader.ts): opens the database read-only on the first
 * request (and again after a failure) and runs each query, so a search over millions of rows never
 * blocks packet processing.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from '../base/worker-client.js';
import { SqliteStore, StoreError } from './sqlite-store.js';

export type ReaderOp = 'queryEvents' | 'countsByAction' | 'topClientIps' | 'topUsers';
export interface ReaderRequest {
  seq: number;
  path: string;
  op: ReaderOp;
  args: unknown[];
}

const port = parentPort!;
let store: SqliteStore | null = null;

function run(r: ReaderRequest): unknown {
  store ??= SqliteStore.open(r.path);
  const s = store as unknown as Record<ReaderOp, (...args: unknown[]) => unknown>;
  return s[r.op](...r.args);
}

port.on('message', (r: ReaderRequest) => {
  let reply: WorkerReply;
  try {
    reply = { seq: r.seq, ok: true, value: run(r) };
  } catch (err) {
    const kind = err instanceof StoreError ? err.kind : 'read';
    // A bad query leaves the connection good; anything else opens it again next time.
    if (kind !== 'query') {
      store?.close();
      store = null;
    }
    reply = { seq: r.seq, ok: false, error: err instanceof Error ? err.message : String(err), kind };
  }
  port.postMessage(reply);
});
