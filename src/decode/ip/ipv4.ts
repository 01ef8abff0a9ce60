import type { LayerCursor } from '../layer-cursor.js';

export const IPV4_MIN_HEADER_LEN = 20;
/** Offsets of the source and destination addresses inside the IPv4 header. */
export const IPV4_SRC = 12;
export const IPV4_DST = 16;

/** Set in the packed fragment value of `cur.aux` when more fragments follow. */
export const MORE_FRAGMENTS = 1;

/**
 * IPv4 header (RFC 791 §3.1, https://www.rfc-editor.org/rfc/rfc791#section-3.1).
 * Writes the payload bounds to `cur.off`/`cur.end` (trimmed to Total Length, which drops
 * Ethernet padding), the protocol to `cur.type`, and the fragment position packed as
 * `fragmentOffsetBytes | MF` to `cur.aux` (0 for an unfragmented datagram).
 * The header checksum is not checked: capturing hosts with checksum offload record zeros.
 */
export function parseIpv4(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < IPV4_MIN_HEADER_LEN) return 'decode.ipv4.truncated';
  const vihl = buf[start]!;
  if (vihl >> 4 !== 4) return 'decode.ipv4.bad_version';
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER_LEN) return 'decode.ipv4.bad_header_length';
  if (start + hlen > end) return 'decode.ipv4.truncated';
  let total = (buf[start + 2]! << 8) | buf[start + 3]!;
  // Segmentation offload on the capturing host records a zero total length: use the captured end.
  if (total === 0) total = end - start;
  if (total < hlen) return 'decode.ipv4.bad_total_length';
  if (start + total > end) return 'decode.ipv4.truncated';
  const frag = (buf[start + 6]! << 8) | buf[start + 7]!;
  const aux = ((frag & 0x1fff) << 3) | ((frag & 0x2000) !== 0 ? MORE_FRAGMENTS : 0);
  return cur.set(start + hlen, start + total, buf[start + 9]!, aux);
}

/** The 16-bit Identification field of the IPv4 header at `start`. */
export function ipv4Id(buf: Buffer, start: number): number {
  return (buf[start + 4]! << 8) | buf[start + 5]!;
}
