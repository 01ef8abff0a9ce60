/**
 * SIP over a byte stream, cut into messages: RFC 3261 §18.3 — on a stream the header section ends
 * at the empty line and Content-Length gives the body size. CRLF runs between messages are
 * keep-alives (RFC 5626 §3.5.1). A stream that stops looking like SIP, or a message beyond the
 * size cap, ends the connection: an honest peer cannot be resynchronised reliably, and a dishonest
 * one gets no buffer to fill.
 */
import { parseSipMessage } from '../sip/index.js';
import { startsLikeSip } from './payload-kind.js';

const CR = 0x0d;
const LF = 0x0a;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

export type FrameKind = 'sip' | 'keepalive' | 'non-sip';
/** Receives one unit: bytes [start, end) of `buf`, valid during the call. */
export type FrameSink = (buf: Buffer, start: number, end: number, kind: FrameKind) => void;

/** `ok`: keep reading; anything else: the connection is to be closed. */
export type FrameStatus = 'ok' | 'not-sip' | 'too-large' | 'bad-length';

export class StreamFramer {
  /** Unconsumed tail of the stream: an owned copy (the next chunk may reuse its memory). */
  private pending: Buffer | null = null;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.pending === null ? 0 : this.pending.length;
  }

  push(chunk: Buffer, emit: FrameSink): FrameStatus {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    const len = buf.length;
    let p = 0;
    while (p < len) {
      if (buf[p] === CR || buf[p] === LF) {
        let q = p + 1;
        while (q < len && (buf[q] === CR || buf[q] === LF)) q++;
        emit(buf, p, q, 'keepalive');
        p = q;
        continue;
      }
      const he = buf.indexOf(CRLFCRLF, p);
      const firstLf = buf.indexOf(LF, p);
      // Judge the start line as soon as it is complete, not only when the header section is.
      if (firstLf >= 0 && (he < 0 || firstLf < he) && !startsLikeSip(buf, p, firstLf + 1)) {
        emit(buf, p, len, 'non-sip');
        return 'not-sip';
      }
      if (he < 0) {
        if (len - p > this.maxMessageBytes) return 'too-large';
        break;
      }
      const headEnd = he + CRLFCRLF.length;
      const head = parseSipMessage(buf, p, headEnd);
      const bodyLength = head.contentLength;
      if (bodyLength === null && head.header('Content-Length') !== null) return 'bad-length';
      // Content-Length is mandatory on streams; without it the message has no body.
      const total = headEnd - p + (bodyLength ?? 0);
      if (total > this.maxMessageBytes) return 'too-large';
      if (len - p < total) break;
      emit(buf, p, p + total, 'sip');
      p += total;
    }
    if (p < len) this.pending = Buffer.from(buf.subarray(p));
    return 'ok';
  }
}
