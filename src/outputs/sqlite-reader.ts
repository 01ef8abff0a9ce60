import { WorkerClient, WorkerRequestError } from '../base/worker-client.js';
import type { ReaderOp } from './sqlite-reader-worker.js';
import { StoreError, type EventFilter, type EventPage, type EventQuery } from './sqlite-store.js';

/** How long one query may run before its thread is stopped (ms). */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/**
 * SqliteStore's queries on a reader thread of its own, for the HTTP API: better-sqlite3 is
 * synchronous, and a text search or an aggregate over a month of events can take seconds, which
 * on the packet thread would stall capture until the kernel drops packets. A query that runs past
 * the time-out has its thread stopped (SQLite offers no other way out from JavaScript) and fails
 * with StoreError `timeout`; the next query starts a new thread. Failures keep SqliteStore's kinds.
 */
export class StoreReader {
  private readonly worker = new WorkerClient(new URL('./sqlite-reader-worker.js', import.meta.url), 'event store reader');

  constructor(
    private readonly path: string,
    private readonly timeoutMs = DEFAULT_QUERY_TIMEOUT_MS,
  ) {}

  queryEvents(q: EventQuery = {}): Promise<EventPage> {
    return this.run('queryEvents', [q]) as Promise<EventPage>;
  }

  countsByAction(f: EventFilter = {}): Promise<Array<{ action: string; count: number }>> {
    return this.run('countsByAction', [f]) as Promise<Array<{ action: string; count: number }>>;
  }

  topClientIps(f: EventFilter = {}, limit = 10): Promise<Array<{ ip: string; count: number }>> {
    return this.run('topClientIps', [f, limit]) as Promise<Array<{ ip: string; count: number }>>;
  }

  topUsers(f: EventFilter = {}, limit = 10): Promise<Array<{ user: string; count: number }>> {
    return this.run('topUsers', [f, limit]) as Promise<Array<{ user: string; count: number }>>;
  }

  close(): Promise<void> {
    return this.worker.terminate();
  }

  private async run(op: ReaderOp, args: unknown[]): Promise<unknown> {
    try {
      return await this.worker.request({ path: this.path, op, args }, this.timeoutMs);
    } catch (err) {
      if (!(err instanceof WorkerRequestError)) throw err;
      const kind = err.kind === 'query' || err.kind === 'open' || err.kind === 'timeout' ? err.kind : 'read';
      throw new StoreError(err.message, kind);
    }
  }
}
