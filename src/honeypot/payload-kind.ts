/**
 * What one received unit (a datagram or a stream frame) holds, with the rules decode applies to
 * captured traffic (src/decode/classify.ts), so the probe sees honeypot input like captured input.
 */
import type { PayloadKind } from '../decode/sip-payload.js';

const CR = 0x0d;
const LF = 0x0a;

/** Short runs of zero bytes or blanks keep NAT bindings open too (see decode's classify.ts). */
const MAX_PADDING_KEEPALIVE = 16;
/** Longest start line looked at; a longer first line is not SIP. */
const MAX_START_LINE = 16_384;

/** RFC 3261 §7.1 Request-Line and §7.2 Status-Line; the SIP-Version must be there either way. */
const REQUEST_LINE = /^[A-Za-z0-9.!%*_+`'~-]{1,64} [^\s]+ SIP\/\d{1,4}\.\d{1,4}$/i;
const STATUS_LINE = /^SIP\/\d{1,4}\.\d{1,4} \d{3}(?: .*)?$/is;

export function payloadKind(buf: Buffer, start: number, end: number): PayloadKind {
  if (isKeepalive(buf, start, end)) return 'keepalive';
  if (startsLikeSip(buf, start, end)) return 'sip';
  if (isStun(buf, start, end)) return 'stun';
  return 'non-sip';
}

/**
 * RFC 5626 §3.5.1 CRLF ping/pong: only CR/LF bytes; or a short run of zero bytes or blanks.
 */
export function isKeepalive(buf: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  const b0 = buf[start];
  if (b0 === CR || b0 === LF) {
    for (let i = start + 1; i < end; i++) if (buf[i] !== CR && buf[i] !== LF) return false;
    return true;
  }
  if (end - start > MAX_PADDING_KEEPALIVE) return false;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b0 === 0 ? b !== 0 : b !== 0x20 && b !== 0x09 && b !== CR && b !== LF) return false;
  }
  return true;
}

/** The first line (after any CR/LF) is a SIP request or status line. */
export function startsLikeSip(buf: Buffer, start: number, end: number): boolean {
  let p = start;
  while (p < end && (buf[p] === CR || buf[p] === LF)) p++;
  const limit = Math.min(end, p + MAX_START_LINE);
  let e = buf.indexOf(LF, p);
  if (e < 0 || e > limit) {
    if (end - p > MAX_START_LINE) return false;
    e = end;
  }
  if (e > p && buf[e - 1] === CR) e--;
  const line = buf.toString('latin1', p, e);
  return REQUEST_LINE.test(line) || STATUS_LINE.test(line);
}

/** RFC 5389 §6: top bits zero, the magic cookie, a length that accounts for the datagram. */
function isStun(buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n < 20 || (buf[start] & 0xc0) !== 0) return false;
  if (buf[start + 4] !== 0x21 || buf[start + 5] !== 0x12 || buf[start + 6] !== 0xa4 || buf[start + 7] !== 0x42) return false;
  return 20 + ((buf[start + 2] << 8) | buf[start + 3]) === n;
}
