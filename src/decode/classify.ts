import type { Counters } from '../base/counters.js';
import type { FlowContext, PayloadEmitter } from './flow-context.js';
import { FrameStatus, SipFramer } from './sip-framing.js';
import { findDatagramStart, matchStartLine, MAX_JUNK, StartLine } from './sip-start-line.js';
import { isStunDatagram } from './stun.js';
import { countDatagramRecords, looksLikeDtls, looksLikeTls } from './tls.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const VERSION = Buffer.from('SIP/2.0', 'latin1');

/**
 * The value of a Content-Length (or compact `l`) header when it is the last header line before
 * `headerEnd` (the CRLFCRLF), else -1. Only a quick look at the line's own bytes.
 */
function trailingContentLength(buf: Buffer, start: number, headerEnd: number): number {
  let p = headerEnd;
  let n = 0;
  let scale = 1;
  // digits, backwards
  while (p > start && buf[p - 1] >= 0x30 && buf[p - 1] <= 0x39 && scale <= 1e6) {
    n += (buf[p - 1] - 0x30) * scale;
    scale *= 10;
    p--;
  }
  if (scale === 1) return -1;
  while (p > start && (buf[p - 1] === SP || buf[p - 1] === HT)) p--;
  if (p <= start || buf[p - 1] !== 0x3a) return -1; // ':'
  p--;
  while (p > start && (buf[p - 1] === SP || buf[p - 1] === HT)) p--;
  const nameEnd = p;
  while (p > start && buf[p - 1] !== LF) p--;
  const len = nameEnd - p;
  if (len === 1) return (buf[p] | 0x20) === 0x6c ? n : -1; // 'l'
  if (len !== 14) return -1;
  for (let i = 0; i < 14; i++) if ((buf[p + i] | 0x20) !== CONTENT_LENGTH[i]) return -1;
  return n;
}
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

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
 * message, a HEP payload) and emits what it holds: one or more SIP messages, a keep-alive, a STUN
 * message, or — on SIP flows only — the unit as 'non-sip'. TLS/DTLS records are only counted.
 */
export class DatagramClassifier {
  private readonly framer: SipFramer;

  constructor(
    private readonly emitter: PayloadEmitter,
    private readonly counters: Counters,
    maxMessageBytes: number,
  ) {
    this.framer = new SipFramer(maxMessageBytes);
  }

  deliver(ctx: FlowContext, buf: Buffer, start: number, end: number): void {
    const skipped = findDatagramStart(buf, start, end, MAX_JUNK);
    if (skipped >= 0) {
      if (skipped > 0) this.counters.inc('decode.sip.junk_before_start_line');
      this.deliverSip(ctx, buf, start + skipped, end, skipped);
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

  /**
   * One datagram is one message, "if the message has a Content-Length header field, the message
   * body is assumed to contain that many bytes" and without it the body runs to the end of the
   * datagram (RFC 3261 §18.3, https://www.rfc-editor.org/rfc/rfc3261#section-18.3). When the
   * Content-Length leaves bytes over and another start line follows, the datagram held several
   * messages and is split; otherwise the extra bytes stay with the message for the parser to judge.
   */
  private deliverSip(ctx: FlowContext, buf: Buffer, pos: number, end: number, skipped: number): void {
    // Fast path (native searches only): a second message would need a start line, hence a
    // "SIP/2.0", after the header; without one the datagram is one message.
    const he = buf.indexOf(CRLFCRLF, pos);
    if (he >= 0 && he + 4 <= end) {
      // Cheaper still: no body at all, or a last header line "Content-Length: N" (where most stacks
      // put it) that accounts for exactly the bytes left: then the datagram is one message.
      const bodyLen = end - he - 4;
      if (bodyLen === 0 || trailingContentLength(buf, pos, he) === bodyLen) {
        this.emitter.emit(ctx, 'sip', buf, pos, end, skipped);
        return;
      }
      const v = he + 4 < end ? buf.indexOf(VERSION, he + 4) : -1;
      if (v < 0 || v + VERSION.length > end) {
        this.emitter.emit(ctx, 'sip', buf, pos, end, skipped);
        return;
      }
    }
    const f = this.framer;
    for (;;) {
      f.reset();
      if (f.frame(buf, pos, end) === FrameStatus.OK && f.contentLength >= 0 && pos + f.consumed < end) {
        const next = pos + f.consumed;
        const r = matchStartLine(buf, next, end);
        if (r === StartLine.REQUEST || r === StartLine.RESPONSE) {
          this.counters.inc('decode.sip.datagram_split');
          this.emitter.emit(ctx, 'sip', buf, pos, next, skipped);
          pos = next;
          skipped = 0;
          continue;
        }
      }
      this.emitter.emit(ctx, 'sip', buf, pos, end, skipped);
      return;
    }
  }
}
