import type { LayerCursor } from '../layer-cursor.js';

export const SLL2_HEADER_LEN = 20;

/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html):
 * protocol(2) reserved(2) interface index(4) ARPHRD type(2) packet type(1) address length(1) address(8).
 */
export function parseSll2(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < SLL2_HEADER_LEN) return 'decode.sll2.truncated';
  const proto = (buf[start]! << 8) | buf[start + 1]!;
  return cur.set(start + SLL2_HEADER_LEN, end, proto, 0);
}
