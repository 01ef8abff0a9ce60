import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Counters } from '../../base/counters.js';
import { CidrSet, normaliseIp, parseCidr, type Cidr } from './cidr.js';
import type { BlocklistOptions } from './options.js';
import type { AllowEntry, BanOrigin, BlockChange, BlockEntry, BlocklistApi, Sighting, SightResult } from './types.js';

/** Schema version in PRAGMA user_version: the store refuses files written by a newer release. */
export const BLOCKLIST_SCHEMA_VERSION = 1;

/** APIBAN clients start from ID 100 and treat anything up to it as "from the beginning": every seq is above. */
export const MIN_SEQ = 100;

/** Note shown for allowlist entries that come from the configuration file. */
export const CONFIG_ALLOW_NOTE = 'configuration';

/**
 * One row per listed address. The seq index serves incremental readers (APIBAN `banned/{ID}`,
 * keyset pages), the expiry index the expiry sweep. `meta.last_seq` keeps the cursor rising even
 * when every entry has gone, so a client's stored ID never points past a later entry.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  ip TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  origin TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS entries_seq ON entries (seq);
CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires);
CREATE TABLE IF NOT EXISTS allowlist (
  cidr TEXT PRIMARY KEY NOT NULL,
  note TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Writes happen on the packet path: never wait long for another process holding the file. */
const BUSY_TIMEOUT_MS = 100;
/** Expired rows are read and deleted this many at a time, so one sweep never holds them all. */
const EXPIRE_STEP = 1000;

interface Row {
  ip: string;
  seq: number;
  reason: string;
  origin: string;
  first_seen: number;
  last_seen: number;
  hits: number;
  expires: number;
}

function toEntry(r: Row): BlockEntry {
  return {
    ip: r.ip,
    seq: r.seq,
    reason: r.reason,
    origin: r.origin as BanOrigin,
    firstSeenMs: r.first_seen,
    lastSeenMs: r.last_seen,
    hits: r.hits,
    expiresMs: r.expires,
  };
}

function checkTime(nowMs: number): void {
  if (!Number.isFinite(nowMs)) throw new RangeError(`blocklist: time must be a finite number of milliseconds, not ${nowMs}`);
}

/**
 * The blocklist in SQLite (WAL for files, so the CLI and the API read while the probe writes).
 * Every change is one transaction, then goes synchronously to the listeners (firewall sync and the
 * like). The allowlist, from the configuration and added at runtime (persisted), always wins: an
 * allowed address is never stored, and allowing a prefix removes what it covers.
 */
export class Blocklist implements BlocklistApi {
  private readonly db: Database.Database;
  private readonly listeners = new Set<(c: BlockChange) => void>();
  private configAllow: Cidr[];
  private readonly runtimeAllow = new Map<string, string>();
  private allowSet: CidrSet;
  private allowUsers: ReadonlySet<string>;
  private lastSeq: number;
  private count: number;
  private readonly q: {
    get: Database.Statement<[string], Row>;
    insert: Database.Statement<[Row]>;
    update: Database.Statement<[Row]>;
    remove: Database.Statement<[string]>;
    since: Database.Statement<[number, number, number], Row>;
    active: Database.Statement<[number], Row>;
    expired: Database.Statement<[number, number], Row>;
    all: Database.Statement<[], Row>;
    saveSeq: Database.Statement<[number]>;
    allowAdd: Database.Statement<[string, string]>;
    allowRemove: Database.Statement<[string]>;
  };
  /** A row and the cursor it advanced, together. */
  private readonly store: (row: Row, isNew: boolean) => void;
  private readonly removeAll: (ips: readonly string[]) => void;

  constructor(
    private readonly opts: BlocklistOptions,
    private readonly counters: Counters,
  ) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    const db = new Database(opts.path, { timeout: BUSY_TIMEOUT_MS });
    try {
      if (opts.path !== ':memory:') {
        db.pragma('journal_mode = WAL');
        // WAL + NORMAL: a process crash loses nothing committed; only a power cut can lose the last commits.
        db.pragma('synchronous = NORMAL');
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > BLOCKLIST_SCHEMA_VERSION) throw new Error(`${opts.path}: written by a newer sipsentry (blocklist schema ${version})`);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${BLOCKLIST_SCHEMA_VERSION}`);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.q = {
      get: db.prepare('SELECT * FROM entries WHERE ip = ?'),
      insert: db.prepare('INSERT INTO entries (ip, seq, reason, origin, first_seen, last_seen, hits, expires) VALUES (@ip, @seq, @reason, @origin, @first_seen, @last_seen, @hits, @expires)'),
      update: db.prepare('UPDATE entries SET seq = @seq, reason = @reason, origin = @origin, first_seen = @first_seen, last_seen = @last_seen, hits = @hits, expires = @expires WHERE ip = @ip'),
      remove: db.prepare('DELETE FROM entries WHERE ip = ?'),
      since: db.prepare('SELECT * FROM entries WHERE seq > ? AND expires > ? ORDER BY seq LIMIT ?'),
      active: db.prepare('SELECT * FROM entries WHERE expires > ? ORDER BY seq'),
      expired: db.prepare('SELECT * FROM entries WHERE expires <= ? ORDER BY expires LIMIT ?'),
      all: db.prepare('SELECT * FROM entries'),
      saveSeq: db.prepare("INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      allowAdd: db.prepare('INSERT INTO allowlist (cidr, note) VALUES (?, ?) ON CONFLICT (cidr) DO UPDATE SET note = excluded.note'),
      allowRemove: db.prepare('DELETE FROM allowlist WHERE cidr = ?'),
    };
    this.store = db.transaction((row: Row, isNew: boolean) => {
      (isNew ? this.q.insert : this.q.update).run(row);
      this.q.saveSeq.run(row.seq);
    });
    this.removeAll = db.transaction((ips: readonly string[]) => {
      for (const ip of ips) this.q.remove.run(ip);
    });
    const saved = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'last_seq'").get()?.value ?? 0;
    const highest = db.prepare<[], { s: number | null }>('SELECT max(seq) AS s FROM entries').get()?.s ?? 0;
    this.lastSeq = Math.max(MIN_SEQ, saved, highest);
    this.count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM entries').get()!.n;

    this.configAllow = opts.allow.map((c) => parseCidr(c));
    for (const r of db.prepare<[], { cidr: string; note: string }>('SELECT cidr, note FROM allowlist ORDER BY cidr').all()) {
      this.runtimeAllow.set(r.cidr, r.note);
    }
    this.allowSet = this.buildAllowSet();
    this.allowUsers = new Set(opts.allowUsers);
    // The configuration may have gained prefixes since the entries were written: nobody listens yet.
    this.purge(new CidrSet(this.configAllow), Number.NEGATIVE_INFINITY, false);
  }

  /** Addresses stored (expired ones not yet swept included). */
  get size(): number {
    return this.count;
  }

  gauges(): Record<string, number> {
    return { 'guard.blocklist.entries': this.count, 'guard.blocklist.allow': this.allowlist().length };
  }

  sight(s: Sighting): SightResult {
    const ip = normaliseIp(s.ip);
    checkTime(s.nowMs);
    const ttlS = s.ttlS ?? this.opts.ttl;
    if (!(ttlS > 0) || !Number.isFinite(ttlS)) throw new RangeError(`blocklist: TTL must be a positive number of seconds, not ${ttlS}`);
    if (this.allowSet.covers(ip)) {
      this.counters.inc('guard.blocklist.allowed');
      return 'allowed';
    }
    const now = s.nowMs;
    const expires = now + ttlS * 1000;
    let old = this.q.get.get(ip) ?? null;
    if (old !== null && old.expires <= now) {
      // Expired but not yet swept: it leaves, and this sighting lists the address anew.
      this.q.remove.run(ip);
      this.count--;
      this.counters.inc('guard.blocklist.expired');
      this.emit({ type: 'remove', entry: toEntry(old), why: 'expired' });
      old = null;
    }
    if (old === null && this.count >= this.opts.maxEntries) {
      this.expire(now);
      if (this.count >= this.opts.maxEntries) {
        // Refused: the address stays unlisted.
        this.counters.inc('guard.blocklist.full');
        return 'full';
      }
    }
    const row: Row =
      old === null
        ? { ip, seq: 0, reason: s.reason, origin: s.origin, first_seen: now, last_seen: now, hits: 1, expires }
        : {
            ...old,
            reason: s.reason,
            origin: s.origin,
            last_seen: Math.max(old.last_seen, now),
            hits: old.hits + 1,
            // A shorter TTL (a detector after a long manual ban) never cuts an entry short.
            expires: Math.max(old.expires, expires),
          };
    this.write(row, old === null, now);
    if (old === null) this.count++;
    this.counters.inc(old === null ? 'guard.blocklist.added' : 'guard.blocklist.refreshed');
    this.emit({ type: old === null ? 'add' : 'refresh', entry: toEntry(row) });
    return old === null ? 'added' : 'refreshed';
  }

  unban(ip: string, nowMs: number): boolean {
    const key = normaliseIp(ip);
    checkTime(nowMs);
    const old = this.q.get.get(key);
    if (old === undefined) return false;
    this.q.remove.run(key);
    this.count--;
    const active = old.expires > nowMs;
    this.counters.inc(active ? 'guard.blocklist.removed' : 'guard.blocklist.expired');
    this.emit({ type: 'remove', entry: toEntry(old), why: active ? 'unbanned' : 'expired' });
    return active;
  }

  check(ip: string, nowMs: number): BlockEntry | null {
    const r = this.q.get.get(normaliseIp(ip));
    return r !== undefined && r.expires > nowMs ? toEntry(r) : null;
  }

  since(afterSeq: number, limit: number, nowMs: number): BlockEntry[] {
    if (!(limit > 0)) return [];
    return this.q.since.all(afterSeq, nowMs, Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER))).map(toEntry);
  }

  active(nowMs: number): BlockEntry[] {
    return this.q.active.all(nowMs).map(toEntry);
  }

  expire(nowMs: number): number {
    checkTime(nowMs);
    let total = 0;
    for (;;) {
      const rows = this.q.expired.all(nowMs, EXPIRE_STEP);
      if (rows.length === 0) return total;
      this.removeAll(rows.map((r) => r.ip));
      this.count -= rows.length;
      total += rows.length;
      this.counters.inc('guard.blocklist.expired', rows.length);
      for (const r of rows) this.emit({ type: 'remove', entry: toEntry(r), why: 'expired' });
    }
  }

  isAllowed(ip: string): boolean {
    return this.allowSet.covers(normaliseIp(ip));
  }

  /** Configuration entries first (note `configuration`), then the runtime ones by prefix. */
  allowlist(): AllowEntry[] {
    const seen = new Set<string>();
    const out: AllowEntry[] = [];
    for (const c of this.configAllow) {
      if (seen.has(c.text)) continue;
      seen.add(c.text);
      out.push({ cidr: c.text, note: CONFIG_ALLOW_NOTE });
    }
    for (const [cidr, note] of this.runtimeAllow) {
      if (!seen.has(cidr)) out.push({ cidr, note });
    }
    return out;
  }

  allow(cidr: string, note: string, nowMs: number): void {
    const c = parseCidr(cidr);
    checkTime(nowMs);
    this.q.allowAdd.run(c.text, note);
    this.runtimeAllow.set(c.text, note);
    this.allowSet.add(c);
    this.purge(new CidrSet([c]), nowMs, true);
  }

  /**
   * Removes a runtime entry; false when there is none. Entries from the configuration stay: they
   * would come back at the next start anyway.
   */
  disallow(cidr: string): boolean {
    const key = parseCidr(cidr).text;
    if (!this.runtimeAllow.delete(key)) return false;
    this.q.allowRemove.run(key);
    this.allowSet = this.buildAllowSet();
    return true;
  }

  /**
   * The configuration's allowlist again (SIGHUP): its prefixes and users replace the configured
   * ones, entries added at runtime stay, and stored addresses the new prefixes cover are removed
   * (listeners hear them go as `allowed`, so firewalls release them at once).
   */
  setConfigured(allow: readonly string[], allowUsers: readonly string[], nowMs: number): void {
    const next = allow.map((c) => parseCidr(c));
    checkTime(nowMs);
    this.configAllow = next;
    this.allowSet = this.buildAllowSet();
    this.allowUsers = new Set(allowUsers);
    this.purge(new CidrSet(next), nowMs, true);
  }

  isAllowedUser(user: string): boolean {
    return this.allowUsers.has(user);
  }

  onChange(listener: (c: BlockChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private buildAllowSet(): CidrSet {
    return new CidrSet([...this.configAllow, ...[...this.runtimeAllow.keys()].map((c) => parseCidr(c))]);
  }

  private nextSeq(nowMs: number): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Math.floor(nowMs));
    return this.lastSeq;
  }

  /** Stores a row under a fresh seq (written with the cursor, in one transaction). */
  private write(row: Row, isNew: boolean, nowMs: number): void {
    row.seq = this.nextSeq(nowMs);
    this.store(row, isNew);
  }

  /** Deletes the stored addresses a prefix set covers; expired ones leave as `expired`. */
  private purge(covering: CidrSet, nowMs: number, notify: boolean): void {
    const gone: Row[] = [];
    for (const r of this.q.all.iterate()) if (covering.covers(r.ip)) gone.push(r);
    if (gone.length === 0) return;
    this.removeAll(gone.map((r) => r.ip));
    this.count -= gone.length;
    for (const r of gone) {
      const active = r.expires > nowMs;
      this.counters.inc(active ? 'guard.blocklist.removed' : 'guard.blocklist.expired');
      if (notify) this.emit({ type: 'remove', entry: toEntry(r), why: active ? 'allowed' : 'expired' });
    }
  }

  private emit(c: BlockChange): void {
    for (const l of this.listeners) {
      try {
        l(c);
      } catch {
        // A failing consumer (say, a firewall sync) must not stop the store or the other listeners.
        this.counters.inc('guard.blocklist.listener_errors');
      }
    }
  }
}
