import { own } from '../base/own.js';

/**
 * Entries per generation (a cache holds up to twice this many). Sized for tens of thousands of
 * distinct users, contacts and addresses, so a registration's value is still cached when the
 * refresh or the expiry comes; each kind of value has its own cache.
 */
export const DEFAULT_CACHE_SIZE = 65536;

/**
 * Bounded cache of recent results (two generations): a hit in the young map costs one lookup, a
 * hit in the old one is promoted, and when the young map is full it becomes the old one and the
 * previous old one is dropped. Approximately LRU without list upkeep, and unlike a cache that
 * simply starts over it keeps its hit rate when the working set is near its size.
 * Values repeat (the same users, hosts and addresses event after event), so most encryptions end here.
 */
export class RecentCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly capacity = DEFAULT_CACHE_SIZE) {}

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined || this.old.size === 0) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    // Owned key: a key sliced from a message would keep that message's whole header text alive.
    this.young.set(own(key), value);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}
