import { OldestKey } from './oldest-key.js';

/**
 * A Map bounded to `max` entries: adding a new key to a full map first drops the least recently
 * inserted entry (an LRU when users re-insert on touch). The drop goes through OldestKey, so a
 * flood that evicts on every insert costs O(1) per insert.
 */
export class CappedMap<K, V> extends Map<K, V> {
  private readonly oldest = new OldestKey<K>(this);
  /** Entries dropped to make room. */
  evicted = 0;

  constructor(readonly max: number) {
    super();
  }

  /** Sets key → value, dropping the oldest entry first when the key is new and the map is full; true when one was dropped. */
  add(key: K, value: V): boolean {
    let dropped = false;
    if (this.size >= this.max && !this.has(key)) {
      const k = this.oldest.next();
      if (k !== undefined) {
        this.delete(k);
        this.evicted++;
        dropped = true;
      }
    }
    this.set(key, value);
    return dropped;
  }
}
