import { EtherType } from '../ethertype.js';
import type { LayerCursor } from '../layer-cursor.js';

/**
 * The EtherType of an IP packet told by its version nibble (IPv4 or IPv6), or 0 when the
 * bytes start with neither. Used for raw IP links and for IP guessed inside MPLS and GTP-U.
 */
export function guessIpEtherType(buf: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  const version = buf[start]! >> 4;
  if (version === 4) return EtherType.IPV4;
  if (version === 6) return EtherType.IPV6;
  return 0;
}

/** Raw IP (LINKTYPE_RAW 101): no link header. Writes the EtherType to `cur.type`. */
export function parseRawIp(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end <= start) return 'decode.raw.truncated';
  const type = guessIpEtherType(buf, start, end);
  if (type === 0) return 'decode.raw.unknown_version';
  return cur.set(start, end, type, 0);
}
