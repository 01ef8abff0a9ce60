import type { LayerCursor } from '../layer-cursor.js';

export const TCP_MIN_HEADER_LEN = 20;

/**
 * TCP header (RFC 9293 §3.1, https://www.rfc-editor.org/rfc/rfc9293#section-3.1): the Data
 * Offset gives the header length in 32-bit words (options skipped). Writes the payload bounds
 * to `cur.off`/`cur.end`, the destination port to `cur.type` and the source port to `cur.aux`;
 * sequence, acknowledgment and flags are read by the caller with the helpers below.
 */
export function parseTcp(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < TCP_MIN_HEADER_LEN) return 'decode.tcp.truncated';
  const hlen = (buf[start + 12]! >> 4) * 4;
  if (hlen < TCP_MIN_HEADER_LEN) return 'decode.tcp.bad_data_offset';
  if (start + hlen > end) return 'decode.tcp.truncated';
  const src = (buf[start]! << 8) | buf[start + 1]!;
  const dst = (buf[start + 2]! << 8) | buf[start + 3]!;
  return cur.set(start + hlen, end, dst, src);
}

export function tcpSeq(buf: Buffer, start: number): number {
  return ((buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!) >>> 0;
}

export function tcpAck(buf: Buffer, start: number): number {
  return ((buf[start + 8]! << 24) | (buf[start + 9]! << 16) | (buf[start + 10]! << 8) | buf[start + 11]!) >>> 0;
}

/** The flags byte (CWR ECE URG ACK PSH RST SYN FIN). */
export function tcpFlags(buf: Buffer, start: number): number {
  return buf[start + 13]!;
}
