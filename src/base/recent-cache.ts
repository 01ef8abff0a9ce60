import { own } from './own.js';

/**
 * Bounded cache of recent results (two generations): a hit in the young map costs one lookup, a
 * hit in the old one is promoted, and when the young map is full it becomes the old one and the
 * previous old one is dropped. Approximately LRU without list upkeep, and unlike a cache that
 * simply starts over it keeps its hit rate when the working set is near its size.
 */
export class RecentCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly capacity: number) {}

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
