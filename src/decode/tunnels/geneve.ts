import type { LayerCursor } from '../layer-cursor.js';

export const GENEVE_HEADER_LEN = 8;

/**
 * Geneve header (RFC 8926 §3.4, https://www.rfc-editor.org/rfc/rfc8926#section-3.4): Ver(2)=0
 * OptLen(6, in 4-byte words) O C Rsvd(6) ProtocolType(16) VNI(24) Rsvd(8), then the options.
 * Writes the payload bounds to `cur.off`/`cur.end`, the protocol type (an EtherType; 0x6558
 * for Ethernet) to `cur.type` and the VNI to `cur.aux`.
 */
export function parseGeneve(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < GENEVE_HEADER_LEN) return 'decode.geneve.truncated';
  const b0 = buf[start]!;
  if (b0 >> 6 !== 0) return 'decode.geneve.bad_version';
  const off = start + GENEVE_HEADER_LEN + (b0 & 0x3f) * 4;
  if (off > end) return 'decode.geneve.truncated';
  const proto = (buf[start + 2]! << 8) | buf[start + 3]!;
  const vni = (buf[start + 4]! << 16) | (buf[start + 5]! << 8) | buf[start + 6]!;
  return cur.set(off, end, proto, vni);
}
