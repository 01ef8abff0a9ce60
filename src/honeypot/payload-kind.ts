/**
 * What one received unit (a datagram or a stream frame) holds, by decode's own rules for captured
 * traffic (src/decode/classify.ts, sip-start-line.ts, stun.ts), so the probe sees honeypot input
 * exactly like captured input.
 */
import { isKeepaliveDatagram } from '../decode/classify.js';
import type { PayloadKind } from '../decode/sip-payload.js';
import { matchStartLine, StartLine } from '../decode/sip-start-line.js';
import { isStunDatagram } from '../decode/stun.js';

const CR = 0x0d;
const LF = 0x0a;

export function payloadKind(buf: Buffer, start: number, end: number): PayloadKind {
  if (isKeepaliveDatagram(buf, start, end)) return 'keepalive';
  if (startsLikeSip(buf, start, end)) return 'sip';
  if (isStunDatagram(buf, start, end)) return 'stun';
  return 'non-sip';
}

/** The first line (after any CR/LF) is a SIP request or status line. */
export function startsLikeSip(buf: Buffer, start: number, end: number): boolean {
  let p = start;
  while (p < end && (buf[p] === CR || buf[p] === LF)) p++;
  const r = matchStartLine(buf, p, end);
  return r === StartLine.REQUEST || r === StartLine.RESPONSE;
}
