import { EtherType } from './ethertype.js';
import type { LayerCursor } from './layer-cursor.js';
import { guessIpEtherType } from './link/raw.js';

export const MPLS_LABEL_LEN = 4;

/**
 * An MPLS label stack (RFC 3032 §2.1): 4-byte entries label(20) TC(3) S(1) TTL(8), the S bit set
 * on the bottom entry. MPLS does not say what follows, so we guess from the first nibble:
 * 4 IPv4, 6 IPv6, 0 a pseudowire control word (RFC 4385 §3: first nibble 0) followed by an
 * Ethernet frame (RFC 4448 §3). Writes the EtherType (TEB for the Ethernet pseudowire) to
 * `cur.type` and the number of labels to `cur.aux`.
 */
export function parseMpls(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  let off = start;
  let labels = 0;
  for (;;) {
    if (end - off < MPLS_LABEL_LEN) return 'decode.mpls.truncated';
    const bottom = (buf[off + 2]! & 0x01) === 1;
    off += MPLS_LABEL_LEN;
    labels++;
    if (bottom) break;
  }
  if (off >= end) return 'decode.mpls.truncated';
  const ip = guessIpEtherType(buf, off, end);
  if (ip !== 0) return cur.set(off, end, ip, labels);
  if (buf[off]! >> 4 === 0 && end - off >= 4 + 14) return cur.set(off + 4, end, EtherType.TEB, labels);
  return 'decode.mpls.unknown_payload';
}
