import Database from 'better-sqlite3';
import { inNet, parseIpFilter } from './ip-filter.js';
import type { OutputRecord } from '../events/record.js';
import { EVENTS_SCHEMA_VERSION } from './sqlite-db.js';

/** Which events: every field is optional and they combine with AND. */
export interface EventFilter {
  /** Milliseconds since the epoch: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  /** event.kind is one of these (`event`, `alert`, `metric`). */
  kinds?: readonly string[];
  /** event.action is one of these. */
  actions?: readonly string[];
  /** Client address, exact or a CIDR prefix. */
  ip?: string;
  user?: string;
  callId?: string;
  /** The document contains this text (ASCII case-insensitive). */
  text?: string;
}

export interface EventQuery extends EventFilter {
  /** Page size: default 100, at most 10000. */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string | null;
  /** asc: oldest first (default); desc: newest first. */
  order?: 'asc' | 'desc';
}

export interface EventPage {
  records: OutputRecord[];
  /** Cursor of the following page, or null when this was the last one. */
  next: string | null;
}

/** A bad query (`query`: the caller's mistake), or a database that cannot be opened or read. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly kind: 'query' | 'open' | 'read' | 'timeout',
  ) {
    super(message);
  }
}

export const MAX_PAGE = 10_000;

/** A row of the events table as stored. */
export interface Row {
  id: string;
  ts: number;
  kind: string;
  action: string;
  client_ip: string | null;
  call_id: string | null;
  user: string | null;
  doc: string;
}

/**
 * The read side of the sqlite output's database, for `sipsentry query` and the HTTP API: filtered
 * event pages with keyset pagination on (ts, id) (stable while the probe keeps inserting), counts
 * per action and the busiest client addresses. The connection is read-only.
 */
export class SqliteStore {
  private constructor(private readonly db: Database.Database) {}

  /** Opens an existing database read-only; StoreError (kind `open`) when that is not possible. */
  static open(path: string): SqliteStore {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true, timeout: 1000 });
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
      if (table === undefined) throw new StoreError('no events table: not a sipsentry events database', 'open');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > EVENTS_SCHEMA_VERSION) throw new StoreError(`written by a newer sipsentry (schema ${version})`, 'open');
      db.function('sipsentry_in_net', { deterministic: true }, (ip: unknown, net: unknown, bits: unknown) =>
        typeof ip === 'string' && Buffer.isBuffer(net) && inNet(ip, net, Number(bits)) ? 1 : 0,
      );
      return new SqliteStore(db);
    } catch (err) {
      db?.close();
      throw err instanceof StoreError ? err : new StoreError((err as Error).message, 'open');
    }
  }

  queryEvents(q: EventQuery = {}): EventPage {
    return this.reading(() => this.page(q));
  }

  /** Events per action, most frequent first. */
  countsByAction(f: EventFilter = {}): Array<{ action: string; count: number }> {
    return this.reading(() => {
      const { where, params } = conditions(f);
      const sql = `SELECT action, count(*) AS count FROM events${clause(where)} GROUP BY action ORDER BY count DESC, action`;
      return this.db.prepare(sql).all(...params) as Array<{ action: string; count: number }>;
    });
  }

  /** The client addresses with the most events, most first. */
  topClientIps(f: EventFilter = {}, limit = 10): Array<{ ip: string; count: number }> {
    return this.reading(() => {
      const { where, params } = conditions(f);
      where.push('client_ip IS NOT NULL');
      const sql = `SELECT client_ip AS ip, count(*) AS count FROM events${clause(where)} GROUP BY client_ip ORDER BY count DESC, client_ip LIMIT ?`;
      return this.db.prepare(sql).all(...params, limit) as Array<{ ip: string; count: number }>;
    });
  }

  /** The users (authentication user, else From user) with the most events, most first. */
  topUsers(f: EventFilter = {}, limit = 10): Array<{ user: string; count: number }> {
    return this.reading(() => {
      const { where, params } = conditions(f);
      where.push('user IS NOT NULL');
      const sql = `SELECT user, count(*) AS count FROM events${clause(where)} GROUP BY user ORDER BY count DESC, user LIMIT ?`;
      return this.db.prepare(sql).all(...params, limit) as Array<{ user: string; count: number }>;
    });
  }

  close(): void {
    this.db.close();
  }

  /** SQLite failures (a corrupt or vanished file) become StoreError `read`. */
  private reading<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw err instanceof StoreError ? err : new StoreError((err as Error).message, 'read');
    }
  }

  private page(q: EventQuery): EventPage {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new StoreError(`limit must be a whole number from 1 to ${MAX_PAGE}`, 'query');
    const desc = q.order === 'desc';
    const { where, params } = conditions(q);
    if (q.cursor !== undefined && q.cursor !== null) {
      const [ts, id] = decodeCursor(q.cursor);
      // (ts, id) after the cursor, written so that the ts part can use an index.
      where.push(desc ? 'ts <= ? AND (ts < ? OR id < ?)' : 'ts >= ? AND (ts > ? OR id > ?)');
      params.push(ts, ts, id);
    }
    const dir = desc ? 'DESC' : 'ASC';
    const sql = `SELECT id, ts, kind, action, client_ip, call_id, user, doc FROM events${clause(where)} ORDER BY ts ${dir}, id ${dir} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as Row[];
    const more = rows.length > limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { records: rows.map(toRecord), next: more && last !== undefined ? encodeCursor(last.ts, last.id) : null };
  }

}

function conditions(f: EventFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.from !== undefined) {
    where.push('ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    where.push('ts < ?');
    params.push(f.to);
  }
  if (f.kinds !== undefined && f.kinds.length > 0) {
    where.push(`kind IN (${f.kinds.map(() => '?').join(', ')})`);
    params.push(...f.kinds);
  }
  if (f.actions !== undefined && f.actions.length > 0) {
    where.push(`action IN (${f.actions.map(() => '?').join(', ')})`);
    params.push(...f.actions);
  }
  if (f.ip !== undefined) {
    const ip = parseIpFilter(f.ip);
    if (ip === null) throw new StoreError(`not an IP address or CIDR prefix: ${f.ip}`, 'query');
    if ('exact' in ip) {
      where.push('client_ip = ?');
      params.push(ip.exact);
    } else {
      where.push('client_ip IS NOT NULL AND sipsentry_in_net(client_ip, ?, ?)');
      params.push(ip.net, ip.bits);
    }
  }
  if (f.user !== undefined) {
    where.push('user = ?');
    params.push(f.user);
  }
  if (f.callId !== undefined) {
    where.push('call_id = ?');
    params.push(f.callId);
  }
  if (f.text !== undefined && f.text !== '') {
    where.push("doc LIKE ? ESCAPE '\\'");
    params.push('%' + f.text.replace(/[\\%_]/g, '\\$&') + '%');
  }
  return { where, params };
}

function clause(where: string[]): string {
  return where.length > 0 ? ' WHERE ' + where.join(' AND ') : '';
}

function toRecord(r: Row): OutputRecord {
  return { json: r.doc, id: r.id, tsMs: r.ts, kind: r.kind, action: r.action, clientIp: r.client_ip, callId: r.call_id, user: r.user };
}

function encodeCursor(ts: number, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return [v[0] as number, v[1]];
  } catch {
    // Reported below like any other malformed cursor.
  }
  throw new StoreError('malformed cursor', 'query');
}
