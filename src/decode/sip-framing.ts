/**
 * SIP message framing: where does the message that starts at `start` end?
 *
 * RFC 3261 §18.3 (https://www.rfc-editor.org/rfc/rfc3261#section-18.3): "In the case of
 * message-oriented transports (such as UDP), if the message has a Content-Length header field,
 * the message body is assumed to contain that many bytes. ... If the transport packet ends before
 * the end of the message body, this is considered an error." and "In the case of stream-oriented
 * transports such as TCP, the Content-Length header field indicates the size of the body. The
 * Content-Length header field MUST be used with stream oriented transports."
 *
 * Three outcomes, reported through fields of this (reused) object so a call allocates nothing:
 * OK (`consumed` = message length), INCOMPLETE (`needed` = bytes required from `start` before the
 * next call can progress) and INVALID (`error`, with `consumed` = the bytes to hand to the parser
 * as the bad message). A framer is resumable: after INCOMPLETE, call `frame` again with the same
 * message start and more bytes; header lines already scanned are not scanned again.
 */

export const FrameStatus = { OK: 0, INCOMPLETE: 1, INVALID: 2 } as const;
export type FrameStatusCode = (typeof FrameStatus)[keyof typeof FrameStatus];

export const FrameError = {
  NONE: 0,
  /** Content-Length not a number (or negative). */
  BAD_CONTENT_LENGTH: 1,
  /** Header + Content-Length exceeds maxMessageBytes. */
  TOO_LARGE: 2,
  /** No end of header within maxMessageBytes. */
  HEADER_TOO_LARGE: 3,
} as const;
export type FrameErrorCode = (typeof FrameError)[keyof typeof FrameError];

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
/** "content-length" in lower case, compared with `| 0x20` case folding. */
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
/** More digits than this cannot fit any maxMessageBytes we accept. */
const MAX_CL_DIGITS = 9;

export class SipFramer {
  status: FrameStatusCode = FrameStatus.INCOMPLETE;
  error: FrameErrorCode = FrameError.NONE;
  /** OK: message length. INVALID: bytes to deliver as the malformed message. */
  consumed = 0;
  /** INCOMPLETE: bytes needed from the message start (always > the bytes offered). */
  needed = 0;
  /** Header length including the empty line, -1 until found. */
  headerLength = -1;
  /** Content-Length value, -1 when absent, -2 when malformed. */
  contentLength = -1;

  /** Resume point: offset from the message start of the line not yet fully scanned. */
  private lineStart = 0;
  /** Resume point: offset from the message start of the first byte not yet looked at. */
  private scanPos = 0;

  constructor(readonly maxMessageBytes: number) {}

  reset(): void {
    this.status = FrameStatus.INCOMPLETE;
    this.error = FrameError.NONE;
    this.consumed = 0;
    this.needed = 0;
    this.headerLength = -1;
    this.contentLength = -1;
    this.lineStart = 0;
    this.scanPos = 0;
  }

  /** Frames the message starting at `start` (a start line) with bytes available up to `end`. */
  frame(buf: Buffer, start: number, end: number): FrameStatusCode {
    const avail = end - start;
    if (this.headerLength < 0 && !this.scanHeader(buf, start, end)) {
      if (avail >= this.maxMessageBytes) {
        return this.invalid(FrameError.HEADER_TOO_LARGE, this.maxMessageBytes);
      }
      this.needed = avail + 1;
      return (this.status = FrameStatus.INCOMPLETE);
    }
    const cl = this.contentLength;
    if (cl === -2) return this.invalid(FrameError.BAD_CONTENT_LENGTH, this.headerLength);
    const total = this.headerLength + (cl > 0 ? cl : 0);
    if (total > this.maxMessageBytes) return this.invalid(FrameError.TOO_LARGE, this.headerLength);
    if (total > avail) {
      this.needed = total;
      return (this.status = FrameStatus.INCOMPLETE);
    }
    this.consumed = total;
    return (this.status = FrameStatus.OK);
  }

  private invalid(error: FrameErrorCode, consumed: number): FrameStatusCode {
    this.error = error;
    this.consumed = consumed;
    return (this.status = FrameStatus.INVALID);
  }

  /**
   * Walks header lines from the resume point to the empty line (CRLF CRLF, or a bare LF LF which
   * some stacks send). Records the first Content-Length / `l` header on the way. Returns true
   * when the header end was found.
   */
  private scanHeader(buf: Buffer, start: number, end: number): boolean {
    let ls = start + this.lineStart;
    let i = start + this.scanPos;
    if (i === ls && ls > start) {
      // Resuming at a line start: that line may be the empty one.
      const e = emptyLineEnd(buf, ls, end);
      if (e > 0) return this.headerEnd(start, e);
      if (e < 0) return false;
    }
    const limit = Math.min(end, start + this.maxMessageBytes);
    while (i < limit) {
      // Native search: several times faster than a byte loop over header text.
      const lf = buf.indexOf(LF, i);
      if (lf < 0 || lf >= limit) {
        i = limit;
        break;
      }
      // [ls, lf) is a complete line; the first line (start line) never matches a header name.
      if (this.contentLength === -1 && ls > start) this.contentLengthLine(buf, ls, lf);
      ls = i = lf + 1;
      const e = emptyLineEnd(buf, ls, end);
      if (e > 0) return this.headerEnd(start, e);
      if (e < 0) break;
    }
    this.lineStart = ls - start;
    this.scanPos = i - start;
    return false;
  }

  private headerEnd(start: number, at: number): boolean {
    this.headerLength = at - start;
    return true;
  }

  /**
   * Content-Length = ( "Content-Length" / "l" ) HCOLON 1*DIGIT
   * https://www.rfc-editor.org/rfc/rfc3261#section-20.14
   */
  private contentLengthLine(buf: Buffer, ls: number, le: number): void {
    let i = ls;
    const c = buf[i] | 0x20;
    if (c === 0x6c) {
      i++; // compact form "l"
    } else if (c === 0x63 && le - ls > CONTENT_LENGTH.length) {
      for (let k = 1; k < CONTENT_LENGTH.length; k++) {
        if ((buf[i + k] | 0x20) !== CONTENT_LENGTH[k]) return;
      }
      i += CONTENT_LENGTH.length;
    } else {
      return;
    }
    while (i < le && (buf[i] === SP || buf[i] === HT)) i++;
    if (i >= le || buf[i] !== COLON) return; // another header whose name starts the same way
    i++;
    while (i < le && (buf[i] === SP || buf[i] === HT)) i++;
    let v = 0;
    const d0 = i;
    while (i < le && buf[i] >= 0x30 && buf[i] <= 0x39) {
      v = v * 10 + (buf[i] - 0x30);
      i++;
    }
    const digits = i - d0;
    while (i < le && (buf[i] === SP || buf[i] === HT || buf[i] === CR)) i++;
    this.contentLength = digits === 0 || i !== le ? -2 : digits > MAX_CL_DIGITS ? this.maxMessageBytes + 1 : v;
  }
}

/** End of an empty line (CRLF or bare LF) at `ls`, 0 if the line is not empty, -1 if undecidable yet. */
function emptyLineEnd(buf: Buffer, ls: number, end: number): number {
  if (ls >= end) return -1;
  const b = buf[ls];
  if (b === LF) return ls + 1;
  if (b !== CR) return 0;
  if (ls + 1 >= end) return -1;
  return buf[ls + 1] === LF ? ls + 2 : 0;
}
