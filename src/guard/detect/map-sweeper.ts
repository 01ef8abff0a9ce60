/**
 * Walks a Map a slice at a time, resuming where the previous slice stopped, and deletes the
 * entries `drop` picks. A live iterator (Map iterators survive deletions) rather than
 * delete-and-reinsert: re-inserting leaves holes at the front of the table that every later walk
 * from the start would have to skip.
 */
export class MapSweeper<K, V> {
  private it: MapIterator<[K, V]> | null = null;

  constructor(private readonly map: Map<K, V>) {}

  sweep(budget: number, drop: (v: V) => boolean): void {
    for (let n = 0; n < budget; n++) {
      this.it ??= this.map.entries();
      const r = this.it.next();
      if (r.done === true) {
        this.it = null;
        return;
      }
      if (drop(r.value[1])) this.map.delete(r.value[0]);
    }
  }
}
