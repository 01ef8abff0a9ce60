import type { Counters } from '../base/counters.js';
import type { FlowContext, PayloadEmitter } from './flow-context.js';
import { findDatagramStart, MAX_JUNK } from './sip-start-line.js';
import { isStunDatagram } from './stun.js';
import { countDatagramRecords, looksLikeDtls, looksLikeTls } from './tls.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
/**
 * Short all-zero or all-blank datagrams count as keep-alives too: several phones and NAT helpers
 * refresh their UDP binding with a few zero bytes (the shared zeek capture has a 4-byte one on
 * 5060) or a few spaces (the shared suricata capture has a 5-space one every 30 s) instead of the
 * RFC 5626 CRLF. They carry neither SIP nor STUN, and reporting them as probes would be noise.
 */
export const MAX_PADDING_KEEPALIVE = 16;

/**
 * Keep-alive datagram: only CR/LF bytes ("\r\n" pong, "\r\n\r\n" ping, RFC 5626 §3.5.1,
 * https://www.rfc-editor.org/rfc/rfc5626#section-3.5.1), or a short run of zero bytes or blanks.
 */
export function isKeepaliveDatagram(buf: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  const b0 = buf[start];
  if (b0 === CR || b0 === LF) {
    for (let i = start + 1; i < end; i++) if (buf[i] !== CR && buf[i] !== LF) return false;
    return true;
  }
  if (end - start > MAX_PADDING_KEEPALIVE) return false;
  if (b0 === 0) {
    for (let i = start + 1; i < end; i++) if (buf[i] !== 0) return false;
    return true;
  }
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== SP && b !== HT && b !== CR && b !== LF) return false;
  }
  return true;
}

/**
 * Classifies one message-oriented unit (a UDP datagram, an SCTP user message, a WebSocket
 * message, a HEP payload) and emits what it holds: a SIP message, a keep-alive, a STUN message,
 * or — on SIP flows only — the unit as 'non-sip'. TLS/DTLS records are only counted.
 *
 * A unit that starts like SIP is emitted whole. RFC 3261 §18.3 frames a datagram by its
 * Content-Length ("the message body is assumed to contain that many bytes"), which the SIP parser
 * reads anyway; a datagram that holds a second message after that body (some stacks send them) is
 * split after parsing (pipeline/sip-messages.ts) rather than by searching every datagram for its
 * header end here first, which cost a tenth of decode + parse.
 */
export class DatagramClassifier {
  constructor(
    private readonly emitter: PayloadEmitter,
    private readonly counters: Counters,
  ) {}

  deliver(ctx: FlowContext, buf: Buffer, start: number, end: number): void {
    const skipped = findDatagramStart(buf, start, end, MAX_JUNK);
    if (skipped >= 0) {
      if (skipped > 0) this.counters.inc('decode.sip.junk_before_start_line');
      this.emitter.emit(ctx, 'sip', buf, start + skipped, end, skipped);
      return;
    }
    if (looksLikeTls(buf, start, end) || looksLikeDtls(buf, start, end)) {
      this.counters.inc('decode.tls.records', countDatagramRecords(buf, start, end));
      return;
    }
    if (!ctx.sipFlow) {
      this.counters.inc('decode.transport.non_sip_dropped');
      return;
    }
    if (isKeepaliveDatagram(buf, start, end)) {
      this.emitter.emit(ctx, 'keepalive', buf, start, end, 0);
    } else if (isStunDatagram(buf, start, end)) {
      this.emitter.emit(ctx, 'stun', buf, start, end, 0);
    } else {
      this.emitter.emit(ctx, 'non-sip', buf, start, end, 0);
    }
  }
}
