import type { LayerCursor } from '../layer-cursor.js';

export const SLL_HEADER_LEN = 16;

/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL, https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html):
 * packet type(2) ARPHRD type(2) address length(2) address(8) protocol(2). The protocol is an
 * EtherType for ordinary interfaces; the few non-EtherType values (< 0x0600: raw 802.2, CAN...)
 * are reported as such and left to the dispatcher to reject.
 */
export function parseSll(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < SLL_HEADER_LEN) return 'decode.sll.truncated';
  const proto = (buf[start + 14]! << 8) | buf[start + 15]!;
  return cur.set(start + SLL_HEADER_LEN, end, proto, 0);
}
