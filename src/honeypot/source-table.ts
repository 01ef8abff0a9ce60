import { CappedMap } from '../base/capped-map.js';

/**
 * Per-source state of the honeypot: whether a source was seen before, and a token bucket that
 * caps how many responses it gets. Bounded: when full, the least recently seen source is
 * forgotten (a Map iterates in insertion order; touching a source re-inserts it).
 */
export interface SourceState {
  tokens: number;
  /** Time of the last refill, in µs. */
  refillUs: number;
}

export class SourceTable {
  private readonly sources: CappedMap<string, SourceState>;
  /** Burst size: the rate, but at least one INVITE answer (100 Trying and a final response). */
  private readonly capacity: number;

  /**
   * @param ratePerSecond responses a source may get per second
   * @param maxSources bound of the table
   */
  constructor(
    private readonly ratePerSecond: number,
    maxSources: number,
  ) {
    this.capacity = Math.max(ratePerSecond, 2);
    this.sources = new CappedMap(maxSources);
  }

  /** Sources forgotten to make room; one seen again counts as new. */
  get evicted(): number {
    return this.sources.evicted;
  }

  get size(): number {
    return this.sources.size;
  }

  /** Records a contact from `ip`; true when the source is new (not in the table). */
  touch(ip: string, nowUs: number): boolean {
    const s = this.sources.get(ip);
    if (s !== undefined) {
      this.sources.delete(ip);
      this.sources.set(ip, s);
      return false;
    }
    this.sources.add(ip, { tokens: this.capacity, refillUs: nowUs });
    return true;
  }

  /**
   * Takes `n` tokens from the source's bucket when it holds that many; false (and nothing taken)
   * otherwise. A source not in the table has no tokens.
   */
  take(ip: string, n: number, nowUs: number): boolean {
    const s = this.sources.get(ip);
    if (s === undefined) return false;
    const elapsedUs = nowUs - s.refillUs;
    if (elapsedUs > 0) {
      s.tokens = Math.min(this.capacity, s.tokens + (elapsedUs * this.ratePerSecond) / 1e6);
      s.refillUs = nowUs;
    }
    if (s.tokens < n) return false;
    s.tokens -= n;
    return true;
  }
}
