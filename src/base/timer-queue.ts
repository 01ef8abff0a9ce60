/**
 * Timers on packet time. A binary min-heap of (due, target, generation) entries.
 *
 * Why a heap with lazy cancellation: tracked objects reschedule often (every refresh, every
 * in-dialog message); re-arming just bumps the object's generation and pushes a new entry, and
 * stale entries are skipped when they surface. No closures: each queue has one handler that gets
 * the target back, so a timer costs one small entry object.
 */
export interface Timed {
  /** Generation of the live timer; entries with another generation are stale. */
  timerGen: number;
  /** Due time of the live timer in µs, or -1 when unarmed. */
  timerDue: number;
}

interface Entry<T> {
  due: number;
  seq: number;
  gen: number;
  target: T;
}

export class TimerQueue<T extends Timed> {
  private heap: Entry<T>[] = [];
  private seq = 0;

  constructor(private readonly onFire: (target: T, due: number) => void) {}

  get size(): number {
    return this.heap.length;
  }

  /** Arms (or re-arms) the timer of target at due (µs packet time). */
  arm(target: T, due: number): void {
    if (target.timerDue < 0) this.live++;
    target.timerGen++;
    target.timerDue = due;
    this.push({ due, seq: this.seq++, gen: target.timerGen, target });
  }

  /** Disarms the timer of target (its heap entries become stale). */
  disarm(target: T): void {
    if (target.timerDue >= 0) this.live--;
    target.timerGen++;
    target.timerDue = -1;
  }

  /** Fires, in due order, every live timer due at or before now. Ties fire in arming order. */
  advance(now: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.due <= now) {
      const e = this.pop();
      if (e.gen !== e.target.timerGen) continue;
      this.live--;
      e.target.timerDue = -1;
      e.target.timerGen++;
      this.onFire(e.target, e.due);
    }
    // Stale entries pile up when objects re-arm far more often than timers fire; rebuild when they dominate.
    if (h.length > 4096 && h.length > 4 * this.live) this.compact();
  }

  /** Targets with an armed timer. */
  private live = 0;

  /** Earliest live due time, or -1. */
  peekDue(): number {
    const h = this.heap;
    while (h.length > 0 && h[0]!.gen !== h[0]!.target.timerGen) this.pop();
    return h.length > 0 ? h[0]!.due : -1;
  }

  private compact(): void {
    const live = this.heap.filter((e) => e.gen === e.target.timerGen);
    this.heap = [];
    for (const e of live) this.push(e);
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(e: Entry<T>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry<T> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
