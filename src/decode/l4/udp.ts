import type { LayerCursor } from '../layer-cursor.js';

export const UDP_HEADER_LEN = 8;

/**
 * UDP header (RFC 768): source port, destination port, length (header included), checksum.
 * Writes the payload bounds (trimmed to the Length field) to `cur.off`/`cur.end`, the
 * destination port to `cur.type` and the source port to `cur.aux`. The checksum is not
 * checked (offloading NICs record garbage).
 */
export function parseUdp(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < UDP_HEADER_LEN) return 'decode.udp.truncated';
  const length = (buf[start + 4]! << 8) | buf[start + 5]!;
  if (length < UDP_HEADER_LEN) return 'decode.udp.bad_length';
  if (start + length > end) return 'decode.udp.truncated';
  const src = (buf[start]! << 8) | buf[start + 1]!;
  const dst = (buf[start + 2]! << 8) | buf[start + 3]!;
  return cur.set(start + UDP_HEADER_LEN, start + length, dst, src);
}
