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

/**
 * Most timers are armed at "now + a fixed delay" (transaction timeout, linger, hold): for each such
 * delay the due times arrive in order, so a FIFO lane keeps them sorted at O(1) per timer. Other
 * delays go to the heap. Firing takes the earliest head among the lanes and the heap.
 */
class Lane<T> {
  entries: Entry<T>[] = [];
  head = 0;

  push(e: Entry<T>): void {
    this.entries.push(e);
  }

  peek(): Entry<T> | undefined {
    return this.entries[this.head];
  }

  shift(): Entry<T> {
    const e = this.entries[this.head++]!;
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  get size(): number {
    return this.entries.length - this.head;
  }
}

/** How many distinct fixed delays get a lane of their own. */
const MAX_LANES = 16;

export class TimerQueue<T extends Timed> {
  private heap: Entry<T>[] = [];
  private readonly lanes = new Map<number, Lane<T>>();
  private readonly laneList: Lane<T>[] = [];
  private seq = 0;
  /** The latest time advanced to: lanes stay sorted because arms happen at non-decreasing `now`. */
  private now = 0;
  /** No entry is due before this (a lower bound, stale entries included): most advances stop here. */
  private nextDue = Infinity;

  constructor(private readonly onFire: (target: T, due: number) => void) {}

  get size(): number {
    let n = this.heap.length;
    for (const l of this.laneList) n += l.size;
    return n;
  }

  /** Arms (or re-arms) the timer of target at due (µs packet time). */
  arm(target: T, due: number): void {
    if (target.timerDue < 0) this.live++;
    target.timerGen++;
    target.timerDue = due;
    const e: Entry<T> = { due, seq: this.seq++, gen: target.timerGen, target };
    if (due < this.nextDue) this.nextDue = due;
    const delay = due - this.now;
    if (delay >= 0) {
      let lane = this.lanes.get(delay);
      if (lane === undefined && this.laneList.length < MAX_LANES) {
        lane = new Lane<T>();
        this.lanes.set(delay, lane);
        this.laneList.push(lane);
      }
      if (lane !== undefined) {
        const last = lane.entries[lane.entries.length - 1];
        if (last === undefined || last.due <= due) {
          lane.push(e);
          return;
        }
      }
    }
    this.push(e);
  }

  /** Disarms the timer of target (its queued entries become stale). */
  disarm(target: T): void {
    if (target.timerDue >= 0) this.live--;
    target.timerGen++;
    target.timerDue = -1;
  }

  /** Fires, in due order, every live timer due at or before now. Ties fire in arming order. */
  advance(now: number): void {
    if (now > this.now) this.now = now;
    if (now < this.nextDue) return;
    for (;;) {
      const e = this.earliest();
      if (e === null || e.due > now) {
        this.nextDue = e === null ? Infinity : e.due;
        break;
      }
      this.take(e);
      if (e.gen !== e.target.timerGen) continue;
      this.live--;
      e.target.timerDue = -1;
      e.target.timerGen++;
      this.onFire(e.target, e.due);
    }
    // Stale entries pile up in the heap when objects re-arm far more often than timers fire.
    if (this.heap.length > 4096 && this.heap.length > 4 * this.live) this.compact();
  }

  /** Targets with an armed timer. */
  private live = 0;
  /** Where earliest() found its entry: a lane, or null for the heap. */
  private from: Lane<T> | null = null;

  private earliest(): Entry<T> | null {
    let best: Entry<T> | null = this.heap.length > 0 ? this.heap[0]! : null;
    this.from = null;
    for (const l of this.laneList) {
      const e = l.peek();
      if (e !== undefined && (best === null || e.due < best.due || (e.due === best.due && e.seq < best.seq))) {
        best = e;
        this.from = l;
      }
    }
    return best;
  }

  private take(e: Entry<T>): void {
    if (this.from !== null) this.from.shift();
    else if (this.heap[0] === e) this.pop();
  }

  /** Earliest live due time, or -1. */
  peekDue(): number {
    for (;;) {
      const e = this.earliest();
      if (e === null) return -1;
      if (e.gen === e.target.timerGen) return e.due;
      this.take(e);
    }
  }

  private compact(): void {
    const live = this.heap.filter((e) => e.gen === e.target.timerGen);
    this.heap = [];
    for (const e of live) this.push(e);
  }

  // Sift with a hole instead of swaps: destructuring swaps allocated a temporary array per step.
  private push(e: Entry<T>): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p]!;
      if (q.due < e.due || (q.due === e.due && q.seq < e.seq)) break;
      h[i] = q;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Entry<T> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        let ce = h[l]!;
        if (l + 1 < n) {
          const r = h[l + 1]!;
          if (r.due < ce.due || (r.due === ce.due && r.seq < ce.seq)) {
            c = l + 1;
            ce = r;
          }
        }
        if (last.due < ce.due || (last.due === ce.due && last.seq < ce.seq)) break;
        h[i] = ce;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
