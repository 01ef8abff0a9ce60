import type { LayerCursor } from '../layer-cursor.js';
import { guessIpEtherType } from '../link/raw.js';

export const GTPU_HEADER_LEN = 8;
/** Message type of a G-PDU: a GTP-U packet carrying a user (T-)PDU. */
export const GTPU_G_PDU = 255;
/** Bound on the extension headers walked in one packet. */
export const MAX_GTPU_EXTENSIONS = 16;

/**
 * GTP-U header (3GPP TS 29.281 §5.1/§5.2): version(3)=1 PT(1)=1 spare E S PN, message type,
 * length(2, bytes after the first 8), TEID(4); when any of E/S/PN is set, sequence(2) N-PDU(1)
 * next-extension-type(1) follow; with E, each extension header is length(1, in 4-octet units,
 * counting itself) content and next-extension-type(1, last byte), until type 0.
 * Only G-PDUs carry user traffic; the T-PDU is guessed as IPv4/IPv6 from its version nibble.
 * Writes the T-PDU bounds (trimmed to the length field) to `cur.off`/`cur.end`, its EtherType
 * to `cur.type` and the TEID to `cur.aux`.
 */
export function parseGtpu(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < GTPU_HEADER_LEN) return 'decode.gtpu.truncated';
  const b0 = buf[start]!;
  if (b0 >> 5 !== 1 || (b0 & 0x10) === 0) return 'decode.gtpu.bad_version';
  if (buf[start + 1] !== GTPU_G_PDU) return 'decode.gtpu.not_gpdu';
  const length = (buf[start + 2]! << 8) | buf[start + 3]!;
  const pduEnd = start + GTPU_HEADER_LEN + length;
  if (pduEnd > end) return 'decode.gtpu.truncated';
  const teid = ((buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!) >>> 0;
  let off = start + GTPU_HEADER_LEN;
  if ((b0 & 0x07) !== 0) {
    if (pduEnd - off < 4) return 'decode.gtpu.truncated';
    let next = buf[off + 3]!;
    off += 4;
    if ((b0 & 0x04) === 0) next = 0;
    for (let count = 0; next !== 0; count++) {
      if (count >= MAX_GTPU_EXTENSIONS) return 'decode.gtpu.too_many_extensions';
      if (off >= pduEnd) return 'decode.gtpu.truncated';
      const len = buf[off]! * 4;
      if (len === 0) return 'decode.gtpu.bad_extension';
      if (off + len > pduEnd) return 'decode.gtpu.truncated';
      next = buf[off + len - 1]!;
      off += len;
    }
  }
  const type = guessIpEtherType(buf, off, pduEnd);
  if (type === 0) return off >= pduEnd ? 'decode.gtpu.empty' : 'decode.gtpu.unknown_payload';
  return cur.set(off, pduEnd, type, teid);
}
