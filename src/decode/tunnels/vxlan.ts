import { EtherType } from '../ethertype.js';
import type { LayerCursor } from '../layer-cursor.js';

export const VXLAN_HEADER_LEN = 8;

/**
 * VXLAN header (RFC 7348 §5, https://www.rfc-editor.org/rfc/rfc7348#section-5): flags(8)
 * reserved(24) VNI(24) reserved(8); the I flag (0x08) must be set for a valid VNI. The other flag
 * bits are reserved (zero when sent); we accept only the G bit (0x80) of the group-policy
 * extension besides I, so that ordinary UDP on the port (SIP text starts with a letter, bit 0x40
 * set) is not taken for VXLAN. An Ethernet frame follows. Writes its bounds to `cur.off`/`cur.end`,
 * EtherType TEB (Ethernet) to `cur.type` and the VNI to `cur.aux`.
 */
export function parseVxlan(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < VXLAN_HEADER_LEN) return 'decode.vxlan.truncated';
  const flags = buf[start]!;
  if ((flags & 0x08) === 0 || (flags & 0x77) !== 0) return 'decode.vxlan.bad_flags';
  const vni = (buf[start + 4]! << 16) | (buf[start + 5]! << 8) | buf[start + 6]!;
  return cur.set(start + VXLAN_HEADER_LEN, end, EtherType.TEB, vni);
}
