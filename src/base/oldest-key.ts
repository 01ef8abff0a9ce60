/**
 * The least recently inserted key of a Map, for tables that evict oldest-first when full.
 *
 * Why not `map.keys().next()`: a Map keeps deleted entries as holes until it is rehashed, and a
 * fresh iterator starts at the front, so in a full table that evicts on every insert each call
 * skips every hole left by the evictions before it (20 µs per insert at 200,000 entries, a flood
 * of spoofed sources slowing the probe 60-fold). One live iterator moves past each hole once:
 * Map iterators survive deletions and rehashing, visit entries appended after they were made, and
 * re-inserted keys (an LRU's touch) come up again in their new place.
 */
export class OldestKey<K> {
  private it: MapIterator<K>;

  constructor(private readonly map: Map<K, unknown>) {
    this.it = map.keys();
  }

  /** The oldest key still in the map, or undefined when it is empty. */
  next(): K | undefined {
    let r = this.it.next();
    if (r.done === true) {
      this.it = this.map.keys();
      r = this.it.next();
    }
    return r.done === true ? undefined : r.value;
  }

  /**
   * The oldest key other than `skip` (the entry being worked on when a byte budget is exceeded).
   * A skipped key stays in the map but behind this iterator: it comes up again once the walk has
   * reached the newest entry and starts over, so it may outlive entries younger than it.
   */
  nextOther(skip: K): K | undefined {
    const k = this.next();
    if (k !== skip) return k;
    const after = this.next();
    return after === skip ? undefined : after;
  }
}
