import { CappedMap } from '../base/capped-map.js';

/**
 * OPTIONS keep-alive memory: the same successful ping between the same parties (same From, To and
 * request-URI) repeated within the window is a keep-alive, not news. Insertion-ordered Map used as an
 * LRU so the table stays bounded under an OPTIONS sweep.
 */
export class KeepaliveTable {
  private readonly last: CappedMap<string, number>;

  constructor(
    /** Pings repeated within this long are keep-alives (µs); may change between calls. */
    public windowUs: number,
    max: number,
  ) {
    this.last = new CappedMap(max);
  }

  get evicted(): number {
    return this.last.evicted;
  }

  get size(): number {
    return this.last.size;
  }

  /** Records a successful ping; true when it repeats one seen within the window. */
  seen(key: string, nowUs: number): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined) this.last.delete(key); // re-inserted at the young end
    this.last.add(key, nowUs);
    return prev !== undefined && nowUs - prev <= this.windowUs;
  }

  /** A failed ping breaks the series: the next success is news again. */
  forget(key: string): void {
    this.last.delete(key);
  }
}
