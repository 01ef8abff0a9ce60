/**
 * The bounded table of rate keys, (event type, client IP) → slot, as columns of typed arrays: a
 * million keys must not mean a million small objects for the collector to walk. Each slot is on one
 * of two recency lists, keys in an episode (`HOT`) and the others (`CALM`), so that
 *  - when the table is full, the least recently seen calm key goes first, in O(1), and an
 *    exceeded key (whose suppressed count would be lost) only when no calm key is left;
 *  - idle calm keys are expired from the head of their list without scanning the table.
 * Columns grow by doubling up to `maxKeys`, so a quiet probe does not pay for a flood's capacity.
 */
export const CALM = 0;
export const HOT = 1;

const INITIAL_CAPACITY = 1024;

export class KeyTable {
  /** Per event type (index), client IP → slot. */
  private readonly index: Map<string, number>[];
  size = 0;
  capacity = 0;
  private freeHead = -1;
  /** Slots never handed out yet (below it every slot is in use or on the free list). */
  private highWater = 0;
  readonly head = new Int32Array([-1, -1]);
  readonly tail = new Int32Array([-1, -1]);
  readonly count = new Int32Array(2);

  // Columns, indexed by slot (rate counters by slot × windows + window).
  ip: string[] = [];
  action = new Uint8Array(0);
  list = new Uint8Array(0);
  port = new Int32Array(0);
  prev = new Int32Array(0);
  next = new Int32Array(0);
  /** Bumped whenever the slot's episode or owner changes: older calm-check entries become stale. */
  gen = new Uint32Array(0);
  /** Packet time of the last occurrence (rates are decayed from it). */
  lastUs = new Float64Array(0);
  /** When the slot last moved to the tail of its list (idle expiry counts from it). */
  touchUs = new Float64Array(0);
  /** Decayed occurrence counts, one per window. */
  rate = new Float64Array(0);
  /** Episode: start (µs, -1 = none), over-limit occurrences, next one to emit, suppressed since the last emitted and in total. */
  sinceUs = new Float64Array(0);
  exceeded = new Float64Array(0);
  nextReport = new Float64Array(0);
  suppressed = new Float64Array(0);
  suppressedTotal = new Float64Array(0);

  constructor(
    readonly windows: number,
    readonly maxKeys: number,
    actions: number,
  ) {
    this.index = [];
    for (let i = 0; i < actions; i++) this.index.push(new Map());
    this.grow(Math.min(INITIAL_CAPACITY, maxKeys));
  }

  find(action: number, ip: string): number {
    return this.index[action]!.get(ip) ?? -1;
  }

  get full(): boolean {
    return this.size >= this.maxKeys;
  }

  /** A fresh calm slot for a key known to be absent; the caller has made room (`full` is false). */
  add(action: number, ip: string, nowUs: number): number {
    let s: number;
    if (this.freeHead >= 0) {
      s = this.freeHead;
      this.freeHead = this.next[s]!;
    } else {
      if (this.highWater === this.capacity) this.grow(Math.min(this.capacity * 2, this.maxKeys));
      s = this.highWater++;
    }
    this.size++;
    this.index[action]!.set(ip, s);
    this.ip[s] = ip;
    this.action[s] = action;
    this.port[s] = -1;
    this.lastUs[s] = nowUs;
    this.rate.fill(0, s * this.windows, (s + 1) * this.windows);
    this.sinceUs[s] = -1;
    this.exceeded[s] = 0;
    this.nextReport[s] = 1;
    this.suppressed[s] = 0;
    this.suppressedTotal[s] = 0;
    this.gen[s] = (this.gen[s]! + 1) >>> 0;
    this.list[s] = CALM;
    this.append(s, CALM, nowUs);
    return s;
  }

  remove(s: number): void {
    this.unlink(s);
    this.index[this.action[s]!]!.delete(this.ip[s]!);
    this.ip[s] = '';
    this.gen[s] = (this.gen[s]! + 1) >>> 0;
    this.next[s] = this.freeHead;
    this.freeHead = s;
    this.size--;
  }

  /** Moves the slot to the tail (most recent end) of `list`. */
  touch(s: number, list: number, nowUs: number): void {
    if (this.list[s] === list && this.tail[list] === s) {
      this.touchUs[s] = nowUs;
      return;
    }
    this.unlink(s);
    this.list[s] = list;
    this.append(s, list, nowUs);
  }

  private append(s: number, list: number, nowUs: number): void {
    const t = this.tail[list]!;
    this.prev[s] = t;
    this.next[s] = -1;
    if (t >= 0) this.next[t] = s;
    else this.head[list] = s;
    this.tail[list] = s;
    this.touchUs[s] = nowUs;
    this.count[list]!++;
  }

  private unlink(s: number): void {
    const l = this.list[s]!;
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p >= 0) this.next[p] = n;
    else this.head[l] = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail[l] = p;
    this.count[l]!--;
  }

  private grow(to: number): void {
    const from = this.capacity;
    const w = this.windows;
    const f64 = (a: Float64Array, k = 1) => {
      const b = new Float64Array(to * k);
      b.set(a.subarray(0, from * k));
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(to);
      b.set(a.subarray(0, from));
      return b;
    };
    const action = new Uint8Array(to);
    action.set(this.action);
    this.action = action;
    const list = new Uint8Array(to);
    list.set(this.list);
    this.list = list;
    const gen = new Uint32Array(to);
    gen.set(this.gen);
    this.gen = gen;
    this.port = i32(this.port);
    this.prev = i32(this.prev);
    this.next = i32(this.next);
    this.lastUs = f64(this.lastUs);
    this.touchUs = f64(this.touchUs);
    this.rate = f64(this.rate, w);
    this.sinceUs = f64(this.sinceUs);
    this.exceeded = f64(this.exceeded);
    this.nextReport = f64(this.nextReport);
    this.suppressed = f64(this.suppressed);
    this.suppressedTotal = f64(this.suppressedTotal);
    for (let i = from; i < to; i++) this.ip.push('');
    this.capacity = to;
  }

  /** Bytes held by the columns (the index Map and the IP strings come on top). */
  get columnBytes(): number {
    return this.capacity * (1 + 1 + 4 * 4 + 8 * 7 + 8 * this.windows);
  }
}
