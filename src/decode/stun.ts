/**
 * STUN messages multiplexed on a SIP flow (RFC 5626 §4.4.2 keep-alives).
 *
 * "The most significant 2 bits of every STUN message MUST be zeroes." ... "The magic cookie field
 * MUST contain the fixed value 0x2112A442" ... "The message length MUST contain the size, in bytes,
 * of the message not including the 20-byte STUN header. Since all STUN attributes are padded to a
 * multiple of 4 bytes, the last 2 bits of this field are always zero."
 * https://www.rfc-editor.org/rfc/rfc5389#section-6
 */

export const STUN_HEADER_LENGTH = 20;

/**
 * Total length (header + attributes) of the STUN message at `start`; -1 when the bytes are not a
 * STUN header; 0 when fewer than 8 bytes are available and the ones present still fit.
 */
export function stunMessageLength(buf: Buffer, start: number, end: number): number {
  const avail = end - start;
  if (avail < 1) return 0;
  if ((buf[start] & 0xc0) !== 0) return -1;
  if (avail < 8) return 0;
  if (buf[start + 4] !== 0x21 || buf[start + 5] !== 0x12 || buf[start + 6] !== 0xa4 || buf[start + 7] !== 0x42) {
    return -1;
  }
  const len = (buf[start + 2] << 8) | buf[start + 3];
  if ((len & 3) !== 0) return -1;
  return STUN_HEADER_LENGTH + len;
}

/** A datagram that holds exactly one STUN message. */
export function isStunDatagram(buf: Buffer, start: number, end: number): boolean {
  return end - start >= STUN_HEADER_LENGTH && stunMessageLength(buf, start, end) === end - start;
}
