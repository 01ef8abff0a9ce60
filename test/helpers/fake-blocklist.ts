import type { AllowEntry, BlockChange, BlockEntry, BlocklistApi, Sighting, SightResult } from '../../src/guard/blocklist/types.js';

/**
 * A small in-memory BlocklistApi for consumers' tests: exact-address allowlist, a fixed TTL,
 * changes emitted synchronously like the real list.
 */
export class FakeBlocklist implements BlocklistApi {
  private readonly entries = new Map<string, BlockEntry>();
  private readonly allowed = new Map<string, AllowEntry>();
  private readonly listeners = new Set<(c: BlockChange) => void>();
  private seq = 100;

  constructor(private readonly ttlS = 3600) {}

  sight(s: Sighting): SightResult {
    if (this.isAllowed(s.ip)) return 'allowed';
    const expiresMs = s.nowMs + (s.ttlS ?? this.ttlS) * 1000;
    const old = this.entries.get(s.ip);
    const entry: BlockEntry = {
      ip: s.ip,
      seq: ++this.seq,
      reason: s.reason,
      origin: s.origin,
      firstSeenMs: old?.firstSeenMs ?? s.nowMs,
      lastSeenMs: s.nowMs,
      hits: (old?.hits ?? 0) + 1,
      expiresMs: Math.max(expiresMs, old?.expiresMs ?? 0),
    };
    this.entries.set(s.ip, entry);
    this.emit({ type: old === undefined ? 'add' : 'refresh', entry });
    return old === undefined ? 'added' : 'refreshed';
  }

  /** Lists an address with exactly this entry's fields (tests of timeouts and odd values). */
  put(entry: BlockEntry): void {
    const old = this.entries.get(entry.ip);
    this.entries.set(entry.ip, entry);
    this.emit({ type: old === undefined ? 'add' : 'refresh', entry });
  }

  unban(ip: string, _nowMs: number): boolean {
    const entry = this.entries.get(ip);
    if (entry === undefined) return false;
    this.entries.delete(ip);
    this.emit({ type: 'remove', entry, why: 'unbanned' });
    return true;
  }

  /** Removes an entry without telling the listeners (a change a follower missed). */
  forget(ip: string): void {
    this.entries.delete(ip);
  }

  check(ip: string, nowMs: number): BlockEntry | null {
    const e = this.entries.get(ip);
    return e !== undefined && e.expiresMs > nowMs ? e : null;
  }

  since(afterSeq: number, limit: number, nowMs: number): BlockEntry[] {
    return this.active(nowMs)
      .filter((e) => e.seq > afterSeq)
      .slice(0, limit);
  }

  active(nowMs: number): BlockEntry[] {
    return [...this.entries.values()].filter((e) => e.expiresMs > nowMs).sort((a, b) => a.seq - b.seq);
  }

  expire(nowMs: number): number {
    let n = 0;
    for (const e of [...this.entries.values()]) {
      if (e.expiresMs > nowMs) continue;
      this.entries.delete(e.ip);
      this.emit({ type: 'remove', entry: e, why: 'expired' });
      n++;
    }
    return n;
  }

  isAllowed(ip: string): boolean {
    return this.allowed.has(ip);
  }

  allowlist(): AllowEntry[] {
    return [...this.allowed.values()];
  }

  allow(cidr: string, note: string, _nowMs: number): void {
    this.allowed.set(cidr, { cidr, note });
    const e = this.entries.get(cidr);
    if (e !== undefined) {
      this.entries.delete(cidr);
      this.emit({ type: 'remove', entry: e, why: 'allowed' });
    }
  }

  disallow(cidr: string): boolean {
    return this.allowed.delete(cidr);
  }

  isAllowedUser(_user: string): boolean {
    return false;
  }

  onChange(listener: (c: BlockChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listeners currently subscribed. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  close(): void {
    this.listeners.clear();
  }

  private emit(c: BlockChange): void {
    for (const l of this.listeners) l(c);
  }
}
