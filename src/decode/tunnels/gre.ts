import type { LayerCursor } from '../layer-cursor.js';

export const GreFlag = {
  CHECKSUM: 0x8000,
  ROUTING: 0x4000,
  KEY: 0x2000,
  SEQUENCE: 0x1000,
  /** Acknowledgment number present (enhanced GRE, RFC 2637). */
  ACK: 0x0080,
  VERSION: 0x0007,
} as const;

/**
 * GRE header. Version 0 (RFC 2784 §2.1 https://www.rfc-editor.org/rfc/rfc2784#section-2.1 and
 * RFC 2890 §2): flags-and-version(2) protocol(2), then checksum+reserved(4) if C, key(4) if K,
 * sequence number(4) if S. Version 1 is enhanced GRE for PPTP (RFC 2637 §4.1
 * https://www.rfc-editor.org/rfc/rfc2637#section-4.1): K must be set and the key is payload
 * length(2) + call id(2), then sequence(4) if S, acknowledgment(4) if A; only acknowledgment-only
 * packets carry no payload.
 * The routing bit of RFC 1701 (deprecated by RFC 2784) is not supported.
 * Writes the payload bounds to `cur.off`/`cur.end`, the protocol type (an EtherType) to
 * `cur.type` and the flags-and-version word to `cur.aux`.
 */
export function parseGre(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < 4) return 'decode.gre.truncated';
  const flags = (buf[start]! << 8) | buf[start + 1]!;
  const proto = (buf[start + 2]! << 8) | buf[start + 3]!;
  const version = flags & GreFlag.VERSION;
  if ((flags & GreFlag.ROUTING) !== 0) return 'decode.gre.routing_unsupported';
  let off = start + 4;
  let payloadEnd = end;
  if (version === 0) {
    if ((flags & GreFlag.CHECKSUM) !== 0) off += 4;
    if ((flags & GreFlag.KEY) !== 0) off += 4;
    if ((flags & GreFlag.SEQUENCE) !== 0) off += 4;
    if (off > end) return 'decode.gre.truncated';
  } else if (version === 1) {
    if ((flags & GreFlag.KEY) === 0) return 'decode.gre.bad_header';
    if (end - off < 4) return 'decode.gre.truncated';
    const payloadLen = (buf[off]! << 8) | buf[off + 1]!;
    off += 4;
    if ((flags & GreFlag.SEQUENCE) !== 0) off += 4;
    if ((flags & GreFlag.ACK) !== 0) off += 4;
    if (off > end) return 'decode.gre.truncated';
    if ((flags & GreFlag.SEQUENCE) === 0) return 'decode.gre.ack_only';
    if (off + payloadLen > end) return 'decode.gre.truncated';
    payloadEnd = off + payloadLen;
  } else {
    return 'decode.gre.bad_version';
  }
  return cur.set(off, payloadEnd, proto, flags);
}
