import type { LayerCursor } from '../layer-cursor.js';

export const ETHERNET_HEADER_LEN = 14;

/**
 * Ethernet II header: destination, source, EtherType. Writes the EtherType to `cur.type`.
 *
 * IEEE 802.3: a type/length value of 1500 or less is a length (802.3/LLC frame, no EtherType),
 * and 1536 (0x0600) or more is an EtherType; values in between are undefined.
 */
export function parseEthernet(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < ETHERNET_HEADER_LEN) return 'decode.eth.truncated';
  const type = (buf[start + 12]! << 8) | buf[start + 13]!;
  if (type < 0x0600) return type <= 1500 ? 'decode.eth.ieee8023' : 'decode.eth.bad_type';
  return cur.set(start + ETHERNET_HEADER_LEN, end, type, 0);
}
