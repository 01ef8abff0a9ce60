/**
 * The result slot every layer parser writes into, so that parsing returns several values
 * without allocating: one cursor per decoder, reused for every layer of every frame.
 *
 * Parsers have the shape `(buf, start, end, cur) => string | null`: `null` on success, else the
 * name of the anomaly counter to increment (the frame is then dropped by the caller).
 */
export class LayerCursor {
  /** Offset of the next layer (its first byte). */
  off = 0;
  /** End (exclusive) of the next layer; may be shorter than the input end (padding trimmed). */
  end = 0;
  /**
   * What the next layer is. Link and tunnel parsers give an EtherType (the common namespace of
   * Ethernet, GRE, Geneve, SLL); IP parsers give an IP protocol number.
   */
  type = 0;
  /** Layer-specific extra value (documented by each parser); 0 when unused. */
  aux = 0;

  set(off: number, end: number, type: number, aux: number): null {
    this.off = off;
    this.end = end;
    this.type = type;
    this.aux = aux;
    return null;
  }
}
