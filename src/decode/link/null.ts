import { EtherType } from '../ethertype.js';
import type { LayerCursor } from '../layer-cursor.js';

export const NULL_HEADER_LEN = 4;

/**
 * BSD loopback (LINKTYPE_NULL and LINKTYPE_LOOP, https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html):
 * a 4-byte address family. NULL stores it in the byte order of the capturing host, LOOP always
 * in network byte order. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD)
 * or 30 (macOS). Writes EtherType IPv4/IPv6 to `cur.type`.
 */
export function parseNull(
  buf: Buffer,
  start: number,
  end: number,
  networkOrder: boolean,
  cur: LayerCursor,
): string | null {
  if (end - start < NULL_HEADER_LEN) return 'decode.null.truncated';
  const b0 = buf[start]!;
  const b1 = buf[start + 1]!;
  const b2 = buf[start + 2]!;
  const b3 = buf[start + 3]!;
  // Families are small numbers: whichever end holds the non-zero low bytes tells the order.
  let family: number;
  if (networkOrder || (b0 === 0 && b1 === 0)) family = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  else family = ((b3 << 24) | (b2 << 16) | (b1 << 8) | b0) >>> 0;
  switch (family) {
    case 2:
      return cur.set(start + NULL_HEADER_LEN, end, EtherType.IPV4, 0);
    case 24:
    case 28:
    case 30:
      return cur.set(start + NULL_HEADER_LEN, end, EtherType.IPV6, 0);
    default:
      return 'decode.null.unknown_family';
  }
}
