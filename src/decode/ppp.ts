import { EtherType } from './ethertype.js';
import type { LayerCursor } from './layer-cursor.js';

/**
 * A PPP frame as carried by PPPoE and GRE: optional address/control bytes 0xff 0x03 (RFC 1662 §3.1,
 * omitted under address-and-control-field compression), then the protocol field, one byte when
 * protocol-field compression is on (RFC 1661 §6.5: a compressed field has an odd first byte,
 * since every protocol number has an odd low byte and an even high byte).
 * Writes EtherType IPv4/IPv6 to `cur.type` for PPP protocols 0x0021/0x0057; other protocols
 * (LCP, IPCP, CHAP, compressed data...) are not traffic for us.
 */
export function parsePpp(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  let off = start;
  if (end - off >= 2 && buf[off] === 0xff && buf[off + 1] === 0x03) off += 2;
  if (off >= end) return 'decode.ppp.truncated';
  let proto = buf[off]!;
  if ((proto & 1) === 1) {
    off += 1;
  } else {
    if (end - off < 2) return 'decode.ppp.truncated';
    proto = (proto << 8) | buf[off + 1]!;
    off += 2;
  }
  if (proto === 0x21) return cur.set(off, end, EtherType.IPV4, proto);
  if (proto === 0x57) return cur.set(off, end, EtherType.IPV6, proto);
  return 'decode.ppp.unsupported_protocol';
}
