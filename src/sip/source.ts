/**
 * The bytes being parsed together with their latin1 text. Scanners read bytes; the strings they
 * return are slices of the text, so a message pays for one string decode (its header section)
 * instead of one native decode per field. latin1 maps byte i to char i, so offsets are shared.
 *
 * Slices share memory with the header text (V8 sliced strings): a consumer that keeps many
 * values for a long time keeps the header text of each message they came from alive.
 */
export class TextSource {
  readonly buf: Buffer;
  /** latin1 decoding of buf[base, base + text.length). */
  readonly text: string;
  readonly base: number;

  constructor(buf: Buffer, text: string, base: number) {
    this.buf = buf;
    this.text = text;
    this.base = base;
  }

  /** A source over buf[start, end). */
  static of(buf: Buffer, start: number, end: number): TextSource {
    return new TextSource(buf, buf.toString('latin1', start, end), start);
  }

  /** Bytes [start, end) as latin1 text: one char per byte (identifiers, URIs, tokens). */
  latin1(start: number, end: number): string {
    return this.text.slice(start - this.base, end - this.base);
  }

  /** Bytes [start, end) decoded as UTF-8 (display text); a plain slice when they are ASCII. */
  utf8(start: number, end: number): string {
    const buf = this.buf;
    for (let p = start; p < end; p++) {
      if (buf[p] >= 0x80) return buf.toString('utf8', start, end);
    }
    return this.text.slice(start - this.base, end - this.base);
  }
}
