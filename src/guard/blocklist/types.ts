/**
 * The blocklist contract shared by detectors (writers), the APIBAN-compatible API, the firewall
 * sync and the honeypot. Times are milliseconds on the probe's clock (packet time in a replay,
 * about the wall clock live), so TTLs mean the same thing in both.
 */

/** Why an address is listed: a detector, the honeypot, or an operator. */
export type BanOrigin = 'detector' | 'honeypot' | 'manual';

export interface BlockEntry {
  ip: string;
  /** Cursor for incremental readers (APIBAN `ID`): strictly increasing, bumped on every re-sighting; always > 100. */
  seq: number;
  /** Rule name (e.g. `auth-bruteforce-source`) or the operator's text. */
  reason: string;
  origin: BanOrigin;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Sightings (detections, honeypot contacts, manual bans) of this address. */
  hits: number;
  /** Entry leaves the list at this time unless seen again. */
  expiresMs: number;
}

export interface Sighting {
  ip: string;
  reason: string;
  origin: BanOrigin;
  nowMs: number;
  /** Overrides the configured TTL (seconds). */
  ttlS?: number;
}

/** add: newly listed; refresh: seen again (new seq, later expiry); remove: unbanned or expired. */
export type BlockChange =
  | { type: 'add' | 'refresh'; entry: BlockEntry }
  | { type: 'remove'; entry: BlockEntry; why: 'expired' | 'unbanned' | 'allowed' };

/** `full`: refused because the store holds `maxEntries` (counted `guard.blocklist.full`). */
export type SightResult = 'added' | 'refreshed' | 'allowed' | 'full';

export interface AllowEntry {
  /** A CIDR (`10.0.0.0/8`, `2001:db8::/32`) or a single address. */
  cidr: string;
  note: string;
}

export interface BlocklistApi {
  /** Lists (or refreshes) an address unless the allowlist covers it. */
  sight(s: Sighting): SightResult;
  /** Removes an address now; false if it was not listed. */
  unban(ip: string, nowMs: number): boolean;
  /** Active entry for an address, or null. */
  check(ip: string, nowMs: number): BlockEntry | null;
  /** Active entries with seq > `afterSeq`, ascending by seq, at most `limit`. */
  since(afterSeq: number, limit: number, nowMs: number): BlockEntry[];
  /** All active entries, ascending by seq. */
  active(nowMs: number): BlockEntry[];
  /** Drops entries whose expiry passed; each goes to the listeners as a `remove`. */
  expire(nowMs: number): number;
  isAllowed(ip: string): boolean;
  allowlist(): AllowEntry[];
  /** Adds an allowlist entry; active entries it covers are removed (`why: 'allowed'`). */
  allow(cidr: string, note: string, nowMs: number): void;
  disallow(cidr: string): boolean;
  /** Users never to be treated as attackers' targets/sources by user-keyed rules. */
  isAllowedUser(user: string): boolean;
  onChange(listener: (c: BlockChange) => void): () => void;
  /** Table sizes for stats and metrics (`guard.blocklist.entries`, `guard.blocklist.allow`). */
  gauges?(): Record<string, number>;
  close(): void;
}
