/**
 * parseSipMessage: one pass over the start line and header section that builds the header index,
 * then Content-Length, CSeq and the mandatory-header check. Header values are not decoded here;
 * SipMessage getters do that on demand.
 *
 * RFC 3261 §7: generic-message = start-line *message-header CRLF [ message-body ].
 * https://www.rfc-editor.org/rfc/rfc3261#section-7
 */
import { COLON, CR, HT, IS_TOKEN, LF, SP } from './chars.js';
import { equalsLower, isLwsOnly, parseUint, rangesEqual, skipLws, trimLwsEnd, UINT32_MAX } from './bytes.js';
import { SipErrorCode } from './errors.js';
import { ENTRY_SIZE, FOLDED, ID_MASK, MAX_HEADERS, NAME_LEN_MAX, NAME_LEN_SHIFT } from './header-index.js';
import { HeaderId, lookupHeaderName } from './header-names.js';
import { intern } from './intern.js';
import { methodName } from './methods.js';
import { SipLeniency } from './leniency.js';
import { SipMessage } from './message.js';
import type { SipPayload } from '../decode/sip-payload.js';

/**
 * RFC 3261 §8.1.1: a valid request contains at a minimum To, From, CSeq, Call-ID, Max-Forwards
 * and Via. https://www.rfc-editor.org/rfc/rfc3261#section-8.1.1
 * Max-Forwards is not required here: many stacks omit it and responses do not carry it.
 */
const MANDATORY = (1 << HeaderId.CallId) | (1 << HeaderId.CSeq) | (1 << HeaderId.From) | (1 << HeaderId.To);
/** Single-valued headers whose repetition with a different value is an error (RFC 3261 §7.3.1). */
const SINGLE = MANDATORY;

const EMPTY = Buffer.alloc(0);
/** The header index of the message being parsed (see parseInto); sized once for MAX_HEADERS lines. */
const SCRATCH: number[] = new Array<number>(MAX_HEADERS * ENTRY_SIZE).fill(0);

function fail(m: SipMessage, code: string, reason: string, at: number): void {
  if (m.error === null) m.error = { code, reason, offset: at - m.start };
}

/** Parses the message in buf[start, end). Never throws: problems are reported in `error`. */
export function parseSipMessage(buf: Buffer, start: number, end: number): SipMessage {
  const b = Buffer.isBuffer(buf) ? buf : EMPTY;
  let s = Number.isInteger(start) ? start : 0;
  let e = Number.isInteger(end) ? end : 0;
  if (s < 0) s = 0;
  if (e > b.length) e = b.length;
  if (e < s) e = s;
  const m = new SipMessage(b, s, e);
  try {
    parseInto(m);
  } catch (err) {
    // A safety net only: the fuzz test asserts this code never appears.
    m.error = { code: 'sip.internal', reason: String(err), offset: 0 };
  }
  return m;
}

/** Parses the message a decode-stage payload carries; like the payload, the result is a view. */
export function parseSipPayload(payload: SipPayload): SipMessage {
  return parseSipMessage(payload.buf, payload.start, payload.end);
}

function parseInto(m: SipMessage): void {
  const buf = m.buf;
  const end = m.end;
  const base = m.start;
  let p = base;
  while (p < end && (buf[p] === CR || buf[p] === LF)) p++;
  if (p > base) m.leniencies |= SipLeniency.LeadingCrlf;
  if (p >= end || isLwsOnly(buf, p, end)) {
    fail(m, SipErrorCode.Empty, 'no start line', p);
    m.bodyStart = end;
    m.bodyEnd = end;
    return;
  }

  // Every line search uses the native indexOf, which scans past `end` when no LF is left in the
  // message; lastLf bounds that: beyond it no LF exists and the line runs to the end.
  const lastLf = lastIndexOfLf(buf, p, end);

  // ---- start line ----
  const eol = p <= lastLf ? buf.indexOf(LF, p) : end;
  let lineEnd = eol;
  if (lineEnd > p && buf[lineEnd - 1] === CR) lineEnd--;
  else if (eol < end) m.leniencies |= SipLeniency.LfLineEnding;
  const methodEnd = parseStartLine(m, p, lineEnd);
  const methodStart = p;
  p = eol < end ? eol + 1 : end;

  // ---- header lines ----
  // Entries go to a scratch list first, then into one array of the final size: growing each
  // message's own array by push would allocate it three or four times over.
  const idx = SCRATCH;
  let count = 0;
  /** Index base of the header a continuation line extends: -1 none yet, -2 a header that was dropped. */
  let last = -1;
  let seen = 0;
  let repeated = 0;
  let headerEnd = -1;
  let cseqEntry = -1;
  let clEntry = -1;
  while (p < end) {
    const c0 = buf[p];
    if (c0 === CR || c0 === LF) {
      // The empty line that ends the header section (CRLF, or LF alone).
      headerEnd = p;
      if (c0 === CR && p + 1 < end && buf[p + 1] === LF) p += 2;
      else {
        p += 1;
        if (c0 === LF) m.leniencies |= SipLeniency.LfLineEnding;
      }
      break;
    }
    if (c0 === SP || c0 === HT) {
      // RFC 3261 §7.3.1: a line starting with white space continues the previous header value.
      let q = p + 1;
      while (q < end && (buf[q] === SP || buf[q] === HT)) q++;
      const le = q <= lastLf ? buf.indexOf(LF, q) : end;
      const ce = trimLwsEnd(buf, q, le);
      if (last === -1) {
        fail(m, SipErrorCode.BadHeaderLine, 'continuation line before any header', p);
      } else if (last >= 0 && ce > q) {
        if (idx[last + 2] === idx[last + 3]) {
          idx[last + 2] = q - base;
        } else {
          idx[last] |= FOLDED;
        }
        idx[last + 3] = ce - base;
      }
      if (le < end && buf[le - 1] !== CR) m.leniencies |= SipLeniency.LfLineEnding;
      p = le < end ? le + 1 : end;
      continue;
    }

    // Header name: a token.
    const nameStart = p;
    while (p < end && IS_TOKEN[buf[p]] === 1) p++;
    const nameEnd = p;
    // RFC 3261 §25.1: HCOLON = *( SP / HTAB ) ":" SWS
    while (p < end && (buf[p] === SP || buf[p] === HT)) p++;
    if (nameEnd === nameStart || p >= end || buf[p] !== COLON || nameEnd - nameStart > NAME_LEN_MAX) {
      fail(m, SipErrorCode.BadHeaderLine, 'header line without a token name and colon', nameStart);
      p = p <= lastLf ? buf.indexOf(LF, p) + 1 : end;
      last = -2;
      continue;
    }
    p++;
    while (p < end && (buf[p] === SP || buf[p] === HT)) p++;
    const valueStart = p;
    p = p <= lastLf ? buf.indexOf(LF, p) : end;
    let ve = p;
    if (ve > valueStart && buf[ve - 1] === CR) ve--;
    else if (p < end) m.leniencies |= SipLeniency.LfLineEnding;
    while (ve > valueStart && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
    p = p < end ? p + 1 : end;

    if (count >= MAX_HEADERS) {
      fail(m, SipErrorCode.TooManyHeaders, `more than ${MAX_HEADERS} header lines`, nameStart);
      last = -2;
      continue;
    }
    const id = lookupHeaderName(buf, nameStart, nameEnd);
    last = count * ENTRY_SIZE;
    if (id < 32) {
      const bit = 1 << id;
      if ((seen & bit) !== 0) repeated |= bit;
      else if (id === HeaderId.CSeq) cseqEntry = last;
      else if (id === HeaderId.ContentLength) clEntry = last;
      seen |= bit;
    }
    idx[last] = id | ((nameEnd - nameStart) << NAME_LEN_SHIFT);
    idx[last + 1] = nameStart - base;
    idx[last + 2] = valueStart - base;
    idx[last + 3] = ve - base;
    count++;
  }
  m.headerCount = count;
  if (count > 0) m._idx = idx.slice(0, count * ENTRY_SIZE);

  // ---- per-header checks (values are final once continuation lines are folded in) ----
  if (clEntry >= 0) checkContentLength(m, clEntry, (repeated & (1 << HeaderId.ContentLength)) !== 0);
  if (cseqEntry >= 0) checkCSeq(m, cseqEntry, methodStart, methodEnd);
  if ((repeated & SINGLE) !== 0) checkRepeated(m, repeated & SINGLE);

  // ---- body ----
  if (headerEnd < 0) {
    fail(m, SipErrorCode.MissingHeaderEnd, 'no empty line ends the header section', end);
    m.bodyStart = end;
    m.bodyEnd = end;
  } else {
    m.bodyStart = p;
    const cl = m._contentLength;
    // RFC 3261 §18.3: over a message transport the body holds Content-Length bytes, bytes beyond
    // it are discarded, and a packet ending before the body does is an error; without
    // Content-Length the body runs to the end of the datagram.
    // https://www.rfc-editor.org/rfc/rfc3261#section-18.3
    if (cl < 0) {
      m.bodyEnd = end;
    } else if (cl > end - p) {
      fail(m, SipErrorCode.TruncatedBody, `Content-Length ${cl} but ${end - p} body bytes present`, end);
      m.bodyEnd = end;
    } else {
      m.bodyEnd = p + cl;
    }
  }
  if ((seen & MANDATORY) !== MANDATORY) {
    fail(m, SipErrorCode.MissingMandatory, 'missing ' + missingNames(seen), m.start);
  } else if ((seen & (1 << HeaderId.Via)) === 0) {
    m.leniencies |= SipLeniency.MissingVia;
  }
}

/** Fills the start-line fields; returns the end of the method token (requests) for the CSeq check. */
function parseStartLine(m: SipMessage, s: number, e: number): number {
  const buf = m.buf;
  if (e - s >= 4 && equalsLower(buf, s, s + 4, 'sip/')) {
    // RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    m.isRequest = false;
    let p = s;
    while (p < e && buf[p] !== SP && buf[p] !== HT) p++;
    if (!equalsLower(buf, s, p, 'sip/2.0')) fail(m, SipErrorCode.BadVersion, 'SIP-Version is not SIP/2.0', s);
    const versionEnd = p;
    p = skipSpHt(buf, p, e);
    if (p - versionEnd > 1) m.leniencies |= SipLeniency.StartLineSpacing;
    const codeStart = p;
    while (p < e && buf[p] >= 0x30 && buf[p] <= 0x39) p++;
    const code = p - codeStart === 3 ? parseUint(buf, codeStart, p, 999) : -1;
    if (code >= 0) m.status = code;
    if (code < 100 || code > 699 || (p < e && buf[p] !== SP && buf[p] !== HT)) {
      fail(m, SipErrorCode.BadStatusCode, 'Status-Code is not three digits in 100..699', codeStart);
    }
    if (p >= e) {
      m.leniencies |= SipLeniency.MissingReasonSpace;
    } else {
      const rs = p + 1;
      const re = trimSpHtEnd(buf, rs, e);
      if (re < e) m.leniencies |= SipLeniency.StartLineSpacing;
      m.reason = rs < re ? intern(buf, rs, re) : '';
    }
    return s;
  }

  // RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF
  m.isRequest = true;
  let p = s;
  while (p < e && IS_TOKEN[buf[p]] === 1) p++;
  const methodEnd = p;
  if (p === s || p >= e || (buf[p] !== SP && buf[p] !== HT)) {
    if (p > s) m.method = methodName(buf, s, p);
    fail(m, SipErrorCode.BadStartLine, 'Request-Line is not Method SP Request-URI SP SIP-Version', p);
    return methodEnd;
  }
  m.method = methodName(buf, s, p);
  let q = skipSpHt(buf, p, e);
  let spacing = q - p > 1;
  const uriStart = q;
  while (q < e && buf[q] !== SP && buf[q] !== HT) q++;
  const uriEnd = q;
  if (uriEnd === uriStart) {
    fail(m, SipErrorCode.BadStartLine, 'Request-Line has no Request-URI', uriStart);
    return methodEnd;
  }
  m._ruriStart = uriStart - m.start;
  m._ruriEnd = uriEnd - m.start;
  const vs = skipSpHt(buf, q, e);
  if (vs - q > 1) spacing = true;
  let ve = vs;
  while (ve < e && buf[ve] !== SP && buf[ve] !== HT) ve++;
  if (ve === vs) {
    fail(m, SipErrorCode.BadStartLine, 'Request-Line has no SIP-Version', vs);
    return methodEnd;
  }
  if (ve < e) {
    const extra = skipSpHt(buf, ve, e);
    if (extra < e) {
      fail(m, SipErrorCode.BadStartLine, 'Request-Line has extra elements (white space in the Request-URI?)', extra);
      return methodEnd;
    }
    spacing = true;
  }
  if (spacing) m.leniencies |= SipLeniency.StartLineSpacing;
  if (!equalsLower(buf, vs, ve, 'sip/2.0')) fail(m, SipErrorCode.BadVersion, 'SIP-Version is not SIP/2.0', vs);
  return methodEnd;
}

/** Index of the last LF in [start, end), or start - 1. Usually the last or second-to-last byte. */
function lastIndexOfLf(buf: Buffer, start: number, end: number): number {
  let p = end - 1;
  while (p >= start && buf[p] !== LF) p--;
  return p;
}

function skipSpHt(buf: Buffer, p: number, e: number): number {
  while (p < e && (buf[p] === SP || buf[p] === HT)) p++;
  return p;
}

function trimSpHtEnd(buf: Buffer, s: number, e: number): number {
  while (e > s && (buf[e - 1] === SP || buf[e - 1] === HT)) e--;
  return e;
}

function firstEntry(m: SipMessage, id: number): number {
  const idx = m._idx;
  for (let k = 0; k < m.headerCount * ENTRY_SIZE; k += ENTRY_SIZE) {
    if ((idx[k] & ID_MASK) === id) return k;
  }
  return -1;
}

/**
 * RFC 3261 §20.14: Content-Length = ( "Content-Length" / "l" ) HCOLON 1*DIGIT.
 * Repeated headers must agree; anything else makes the body boundary unknown.
 */
function checkContentLength(m: SipMessage, first: number, repeated: boolean): void {
  const idx = m._idx;
  const base = m.start;
  let value = -2;
  for (let k = first; k < m.headerCount * ENTRY_SIZE; k += ENTRY_SIZE) {
    if ((idx[k] & ID_MASK) !== HeaderId.ContentLength) continue;
    const n = parseUint(m.buf, base + idx[k + 2], base + idx[k + 3], UINT32_MAX);
    if (n < 0) {
      fail(m, SipErrorCode.BadContentLength, 'Content-Length is not a decimal number', base + idx[k + 2]);
      m._contentLength = -1;
      return;
    }
    if (value !== -2 && n !== value) {
      fail(m, SipErrorCode.BadContentLength, 'Content-Length repeated with different values', base + idx[k + 2]);
      m._contentLength = -1;
      return;
    }
    value = n;
    if (!repeated) break;
  }
  m._contentLength = value < 0 ? -1 : value;
}

/**
 * RFC 3261 §20.16: CSeq = "CSeq" HCOLON 1*DIGIT LWS Method; §8.1.1.5: the number is a 32-bit
 * unsigned integer and, in a request, the method matches the request method.
 */
function checkCSeq(m: SipMessage, k: number, methodStart: number, methodEnd: number): void {
  const buf = m.buf;
  const s = m.start + m._idx[k + 2];
  const e = m.start + m._idx[k + 3];
  let p = s;
  while (p < e && buf[p] >= 0x30 && buf[p] <= 0x39) p++;
  const num = parseUint(buf, s, p, UINT32_MAX);
  const ms = skipLws(buf, p, e);
  let me = ms;
  while (me < e && IS_TOKEN[buf[me]] === 1) me++;
  if (num < 0 || ms === p || me === ms || skipLws(buf, me, e) < e) {
    fail(m, SipErrorCode.BadCSeq, 'CSeq is not a 32-bit number followed by a method', s);
    return;
  }
  m._cseqNum = num;
  m._cseqMethodStart = ms - m.start;
  m._cseqMethodEnd = me - m.start;
  if (m.isRequest && methodEnd > methodStart && !rangesEqual(buf, ms, me, methodStart, methodEnd)) {
    fail(m, SipErrorCode.CSeqMethodMismatch, 'CSeq method differs from the request method', ms);
  }
}

/** Reports the first single-valued header that is repeated with a different value. */
function checkRepeated(m: SipMessage, ids: number): void {
  const idx = m._idx;
  const base = m.start;
  for (let id = 1; id < 32; id++) {
    if ((ids & (1 << id)) === 0 || id === HeaderId.ContentLength) continue;
    const k0 = firstEntry(m, id);
    for (let k = k0 + ENTRY_SIZE; k < m.headerCount * ENTRY_SIZE; k += ENTRY_SIZE) {
      if ((idx[k] & ID_MASK) !== id) continue;
      if (!rangesEqual(m.buf, base + idx[k0 + 2], base + idx[k0 + 3], base + idx[k + 2], base + idx[k + 3])) {
        fail(m, SipErrorCode.DuplicateHeader, 'single-valued header repeated with a different value', base + idx[k + 1]);
        return;
      }
    }
  }
}

function missingNames(seen: number): string {
  const names: string[] = [];
  if ((seen & (1 << HeaderId.CallId)) === 0) names.push('Call-ID');
  if ((seen & (1 << HeaderId.CSeq)) === 0) names.push('CSeq');
  if ((seen & (1 << HeaderId.From)) === 0) names.push('From');
  if ((seen & (1 << HeaderId.To)) === 0) names.push('To');
  if ((seen & (1 << HeaderId.Via)) === 0) names.push('Via');
  return names.join(', ');
}
