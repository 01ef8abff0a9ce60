/**
 * Compact arrow trace of a dialog or transaction: `>INVITE <407 >ACK >INVITE <100 <180 <200 >ACK >BYE <200`.
 * `>` travels from the side that created the dialog (caller, UAC), `<` towards it.
 * `{n}` after a token counts its retransmissions. Bounded: past `max` tokens the oldest
 * are dropped and `…[k]` tells how many.
 */
export class MessageTrace {
  private tokens: string[] = [];
  private retrans: number[] = [];
  private dropped = 0;

  constructor(private readonly max = 32) {}

  /** Appends a token and returns its handle (used to count its retransmissions later). */
  add(token: string): number {
    if (this.tokens.length >= this.max) {
      this.tokens.shift();
      this.retrans.shift();
      this.dropped++;
    }
    this.tokens.push(token);
    this.retrans.push(0);
    return this.dropped + this.tokens.length - 1;
  }

  /** Counts one retransmission of the token with this handle (ignored once it scrolled out). */
  retransmitted(handle: number): void {
    const i = handle - this.dropped;
    if (i >= 0 && i < this.retrans.length) this.retrans[i]!++;
  }

  toString(): string {
    let s = this.dropped > 0 ? `…[${this.dropped}] ` : '';
    for (let i = 0; i < this.tokens.length; i++) {
      if (i > 0) s += ' ';
      s += this.tokens[i];
      if (this.retrans[i]! > 0) s += `{${this.retrans[i]}}`;
    }
    return s;
  }
}
