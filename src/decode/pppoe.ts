import type { LayerCursor } from './layer-cursor.js';

export const PPPOE_HEADER_LEN = 6;

/**
 * PPPoE session stage header (RFC 2516 §4): VER=1 TYPE=1 (one byte 0x11), CODE=0x00 for session
 * data, SESSION_ID(2), LENGTH(2) of the PPP payload. The PPP frame follows (see parsePpp).
 * `cur.end` is trimmed to LENGTH; `cur.aux` is the session id.
 */
export function parsePppoeSession(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < PPPOE_HEADER_LEN) return 'decode.pppoe.truncated';
  if (buf[start] !== 0x11) return 'decode.pppoe.bad_version';
  if (buf[start + 1] !== 0x00) return 'decode.pppoe.bad_code';
  const session = (buf[start + 2]! << 8) | buf[start + 3]!;
  const length = (buf[start + 4]! << 8) | buf[start + 5]!;
  const off = start + PPPOE_HEADER_LEN;
  if (off + length > end) return 'decode.pppoe.truncated';
  return cur.set(off, off + length, 0, session);
}
