import type { LayerCursor } from '../layer-cursor.js';

export const ERSPAN_II_HEADER_LEN = 8;
export const ERSPAN_III_HEADER_LEN = 12;
/** Platform-specific subheader that follows an ERSPAN III header when its O bit is set. */
export const ERSPAN_III_SUBHEADER_LEN = 8;

/**
 * ERSPAN header (draft-foschiano-erspan-03 §4.2/§4.3), carried by GRE with protocol 0x88be
 * (type II, version field 1) or 0x22eb (type III, version field 2); the mirrored Ethernet frame
 * follows. Type I has no header (GRE 0x88be without a sequence number) and is handled by the
 * caller. Writes the frame bounds to `cur.off`/`cur.end` and the session id to `cur.aux`.
 */
export function parseErspan(buf: Buffer, start: number, end: number, type3: boolean, cur: LayerCursor): string | null {
  if (end - start < ERSPAN_II_HEADER_LEN) return 'decode.erspan.truncated';
  const version = buf[start]! >> 4;
  const session = ((buf[start + 2]! & 0x03) << 8) | buf[start + 3]!;
  if (!type3) {
    if (version !== 1) return 'decode.erspan.bad_version';
    return cur.set(start + ERSPAN_II_HEADER_LEN, end, 0, session);
  }
  if (version !== 2) return 'decode.erspan.bad_version';
  if (end - start < ERSPAN_III_HEADER_LEN) return 'decode.erspan.truncated';
  let off = start + ERSPAN_III_HEADER_LEN;
  // O flag: lowest bit of the third word.
  if ((buf[start + 11]! & 0x01) !== 0) off += ERSPAN_III_SUBHEADER_LEN;
  if (off > end) return 'decode.erspan.truncated';
  return cur.set(off, end, 0, session);
}
