/**
 * Min-heap of (due µs, slot, generation): when each key in an episode should be checked for calm.
 * Lazy like the tracker's timers: a key that keeps flooding is not re-armed per occurrence; its entry
 * surfaces at the old calm time, the limiter recomputes and pushes the new one. An entry whose
 * generation no longer matches its slot (episode ended, key evicted) is skipped.
 */
export class CalmHeap {
  private due = new Float64Array(256);
  private slot = new Int32Array(256);
  private gen = new Uint32Array(256);
  size = 0;

  push(due: number, slot: number, gen: number): void {
    if (this.size === this.due.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.due[p]! <= due) break;
      this.move(p, i);
      i = p;
    }
    this.due[i] = due;
    this.slot[i] = slot;
    this.gen[i] = gen;
  }

  /** Due time of the earliest entry, or Infinity. */
  peekDue(): number {
    return this.size > 0 ? this.due[0]! : Infinity;
  }

  peekSlot(): number {
    return this.slot[0]!;
  }

  peekGen(): number {
    return this.gen[0]!;
  }

  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    const d = this.due[n]!;
    const s = this.slot[n]!;
    const g = this.gen[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.due[l + 1]! < this.due[l]! ? l + 1 : l;
      if (d <= this.due[c]!) break;
      this.move(c, i);
      i = c;
    }
    this.due[i] = d;
    this.slot[i] = s;
    this.gen[i] = g;
  }

  private move(from: number, to: number): void {
    this.due[to] = this.due[from]!;
    this.slot[to] = this.slot[from]!;
    this.gen[to] = this.gen[from]!;
  }

  private grow(): void {
    const n = this.due.length * 2;
    const due = new Float64Array(n);
    due.set(this.due);
    const slot = new Int32Array(n);
    slot.set(this.slot);
    const gen = new Uint32Array(n);
    gen.set(this.gen);
    this.due = due;
    this.slot = slot;
    this.gen = gen;
  }
}
