import type { Counters } from '../base/counters.js';
import type { SipPayload } from '../decode/sip-payload.js';
import { matchStartLine, StartLine } from '../decode/sip-start-line.js';
import type { SipMessage } from '../sip/message.js';
import { parseSipMessage } from '../sip/parse.js';

/**
 * Parses a 'sip' payload and hands on each message it holds, usually exactly one.
 *
 * Decode emits a datagram (UDP, SCTP, WebSocket or HEP unit) whole. RFC 3261 §18.3: "if the
 * message has a Content-Length header field, the message body is assumed to contain that many
 * bytes". When that body ends before the datagram does and a start line follows, the datagram held
 * several messages (some stacks bundle them): each goes on as its own payload, the payload's
 * [start, end) narrowed to it so that whatever keeps its bytes keeps exactly that message
 * (`decode.sip.datagram_split` counts them). Bytes after the body that are not a start line stay
 * with the message: the parser has already judged them. A TCP message is framed by decode and
 * never has bytes beyond its body.
 *
 * https://www.rfc-editor.org/rfc/rfc3261#section-18.3
 */
export function eachSipMessage(p: SipPayload, counters: Counters, each: (p: SipPayload, m: SipMessage) => void): void {
  const start = p.start;
  const end = p.end;
  const skipped = p.skipped;
  let m = parseSipMessage(p.buf, start, end);
  while (m.bodyEnd < end && nextMessageAt(p.buf, m, end)) {
    // Rare: the message is parsed again within its own bounds, so its view ends where it does.
    const next = m.bodyEnd;
    p.end = next;
    each(p, parseSipMessage(p.buf, p.start, next));
    counters.inc('decode.sip.datagram_split');
    p.start = next;
    p.end = end;
    p.skipped = 0;
    m = parseSipMessage(p.buf, next, end);
  }
  each(p, m);
  p.start = start;
  p.end = end;
  p.skipped = skipped;
}

/** A Content-Length framed the message and a request or status line starts right after its body. */
function nextMessageAt(buf: Buffer, m: SipMessage, end: number): boolean {
  if (m.contentLength === null) return false;
  const r = matchStartLine(buf, m.bodyEnd, end);
  return r === StartLine.REQUEST || r === StartLine.RESPONSE;
}
