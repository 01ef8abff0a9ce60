/**
 * Compact arrow trace of a dialog or transaction: `>INVITE <407 >ACK >INVITE <100 <180 <200 >ACK >BYE <200`.
 * `>` travels from the side that created the dialog (caller, UAC), `<` towards it.
 * `{n}` after a token counts its retransmissions. Bounded: past `max` tokens the oldest
 * are dropped and `…[k]` tells how many.
 *
 * One trace per transaction and call: the token list starts small and the retransmission counts
 * exist only once a retransmission is seen (most traces never have one).
 */
export class MessageTrace {
  private tokens: string[] | null = null;
  private retrans: number[] | null = null;
  private dropped = 0;

  constructor(private readonly max = 32) {}

  /** Appends a token and returns its handle (used to count its retransmissions later). */
  add(token: string): number {
    let t = this.tokens;
    if (t === null) {
      this.tokens = t = [token];
      return this.dropped;
    }
    if (t.length >= this.max) {
      t.shift();
      this.retrans?.shift();
      this.dropped++;
    }
    t.push(token);
    this.retrans?.push(0);
    return this.dropped + t.length - 1;
  }

  /** Counts one retransmission of the token with this handle (ignored once it scrolled out). */
  retransmitted(handle: number): void {
    const n = this.tokens?.length ?? 0;
    const i = handle - this.dropped;
    if (i < 0 || i >= n) return;
    const r = (this.retrans ??= new Array<number>(n).fill(0));
    r[i]!++;
  }

  toString(): string {
    let s = this.dropped > 0 ? `…[${this.dropped}] ` : '';
    const t = this.tokens;
    if (t === null) return s;
    const r = this.retrans;
    for (let i = 0; i < t.length; i++) {
      if (i > 0) s += ' ';
      s += t[i];
      if (r !== null && r[i]! > 0) s += `{${r[i]}}`;
    }
    return s;
  }
}
