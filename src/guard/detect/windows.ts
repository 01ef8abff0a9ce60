/**
 * The last `size` occurrence times of one key, in a ring. "size occurrences within W" holds
 * exactly when the ring is full and its oldest time is no older than W: constant memory for an
 * exact sliding-window threshold.
 */
export class RecentTimes {
  private readonly t: Float64Array;
  private n = 0;
  private head = 0;

  constructor(readonly size: number) {
    this.t = new Float64Array(size);
  }

  push(tsUs: number): void {
    this.t[this.head] = tsUs;
    this.head = (this.head + 1) % this.size;
    if (this.n < this.size) this.n++;
  }

  /** Occurrences no older than `windowUs` before `nowUs` (at most `size`). */
  countWithin(nowUs: number, windowUs: number): number {
    let c = 0;
    for (let i = 0; i < this.n; i++) if (nowUs - this.t[i]! <= windowUs) c++;
    return c;
  }

  /** Oldest time kept (the start of the evidence). */
  get oldest(): number {
    return this.n < this.size ? this.t[0]! : this.t[this.head]!;
  }
}

/**
 * An approximate sliding-window count from two fixed buckets (the previous window weighted by how
 * much of it still overlaps): O(1) memory and time per key, within a few percent of the exact count
 * for steady rates, which is all a flood threshold needs.
 */
export class SlidingCount {
  private startUs = 0;
  private cur = 0;
  private prev = 0;

  constructor(private readonly windowUs: number) {}

  add(tsUs: number): number {
    this.roll(tsUs);
    this.cur++;
    return this.estimate(tsUs);
  }

  estimate(tsUs: number): number {
    this.roll(tsUs);
    const overlap = 1 - (tsUs - this.startUs) / this.windowUs;
    return this.cur + this.prev * (overlap > 0 ? overlap : 0);
  }

  private roll(tsUs: number): void {
    const w = this.windowUs;
    if (tsUs - this.startUs < w) return;
    const windows = Math.floor((tsUs - this.startUs) / w);
    this.prev = windows === 1 ? this.cur : 0;
    this.cur = 0;
    this.startUs += windows * w;
  }
}
