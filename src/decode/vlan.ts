import type { LayerCursor } from './layer-cursor.js';

export const VLAN_TAG_LEN = 4;

/**
 * One IEEE 802.1Q / 802.1ad tag after its TPID: TCI(2) then the inner EtherType(2).
 * Writes the inner EtherType to `cur.type` and the VLAN id to `cur.aux`.
 */
export function parseVlanTag(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < VLAN_TAG_LEN) return 'decode.vlan.truncated';
  const vid = ((buf[start]! & 0x0f) << 8) | buf[start + 1]!;
  const type = (buf[start + 2]! << 8) | buf[start + 3]!;
  return cur.set(start + VLAN_TAG_LEN, end, type, vid);
}
