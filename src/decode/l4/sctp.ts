import type { LayerCursor } from '../layer-cursor.js';

export const SCTP_COMMON_HEADER_LEN = 12;

/**
 * SCTP common header (RFC 9260 §3.1, https://www.rfc-editor.org/rfc/rfc9260#section-3.1):
 * source port, destination port, verification tag, checksum. The chunks that follow are the
 * L4 payload. Writes their bounds to `cur.off`/`cur.end`, the destination port to `cur.type`
 * and the source port to `cur.aux`.
 */
export function parseSctp(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < SCTP_COMMON_HEADER_LEN) return 'decode.sctp.truncated';
  const src = (buf[start]! << 8) | buf[start + 1]!;
  const dst = (buf[start + 2]! << 8) | buf[start + 3]!;
  return cur.set(start + SCTP_COMMON_HEADER_LEN, end, dst, src);
}
