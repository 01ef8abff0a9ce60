/**
 * Recognising a SIP start line from bytes, on any port.
 *
 * Tolerant enough for real traffic (any token as method, any Request-URI without spaces,
 * CRLF or bare LF) and strict enough that HTTP (`GET / HTTP/1.1`, `HTTP/1.1 200 OK`) and
 * SSDP (`NOTIFY * HTTP/1.1`) are never taken for SIP: the SIP-Version must be present.
 */
import { alphanumAnd } from '../base/char-class.js';

export const StartLine = {
  /** The bytes cannot begin a SIP start line. */
  NO: 0,
  REQUEST: 1,
  RESPONSE: 2,
  /** Every byte so far fits a start line but the line is not complete yet (streams only). */
  NEED_MORE: 3,
} as const;
export type StartLineResult = (typeof StartLine)[keyof typeof StartLine];

/** Longest start line we accept; longer lines are not SIP (protects the scans below). */
export const MAX_START_LINE = 16_384;
/** Longest method token accepted (real methods are at most 9 characters). */
export const MAX_METHOD = 64;

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/**
 * token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
 * https://www.rfc-editor.org/rfc/rfc3261#section-25.1
 */
export const TOKEN_CHAR: Uint8Array = alphanumAnd("-.!%*_+`'~");

/**
 * SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (literal case-insensitive, RFC 3261 §7.1 / §25.1).
 * https://www.rfc-editor.org/rfc/rfc3261#section-7.1
 * Returns the index after the last digit, -1 when it is not a version, -2 when more bytes are needed.
 */
export function matchSipVersion(buf: Buffer, i: number, end: number): number {
  if (i >= end) return -2;
  if ((buf[i] | 0x20) !== 0x73) return -1; // s
  if (i + 1 >= end) return -2;
  if ((buf[i + 1] | 0x20) !== 0x69) return -1; // i
  if (i + 2 >= end) return -2;
  if ((buf[i + 2] | 0x20) !== 0x70) return -1; // p
  if (i + 3 >= end) return -2;
  if (buf[i + 3] !== 0x2f) return -1; // /
  let j = i + 4;
  const major = j;
  while (j < end && j - major < 4 && isDigit(buf[j])) j++;
  if (j >= end) return -2;
  if (j === major || buf[j] !== 0x2e) return -1; // .
  j++;
  const minor = j;
  while (j < end && j - minor < 4 && isDigit(buf[j])) j++;
  if (j === minor) return j >= end ? -2 : -1;
  return j;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF; Status-Code = 3DIGIT.
 * https://www.rfc-editor.org/rfc/rfc3261#section-7.2
 * A missing reason phrase is tolerated.
 */
function matchStatusLine(buf: Buffer, p: number, end: number): StartLineResult {
  let i = matchSipVersion(buf, p, end);
  if (i === -1) return StartLine.NO;
  if (i === -2) return StartLine.NEED_MORE;
  if (i >= end) return StartLine.NEED_MORE;
  if (buf[i] !== SP) return StartLine.NO;
  i++;
  for (let k = 0; k < 3; k++, i++) {
    if (i >= end) return StartLine.NEED_MORE;
    if (!isDigit(buf[i])) return StartLine.NO;
  }
  if (i >= end) return StartLine.RESPONSE;
  const b = buf[i];
  return b === SP || b === CR || b === LF ? StartLine.RESPONSE : StartLine.NO;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF.
 * https://www.rfc-editor.org/rfc/rfc3261#section-7.1
 * The line end is found with a native search and the version is checked backwards from it: a
 * byte loop over the Request-URI costs more than the rest of classification.
 */
function matchRequestLine(buf: Buffer, p: number, end: number): StartLineResult {
  let i = p;
  const tokenLimit = p + MAX_METHOD;
  while (i < end && TOKEN_CHAR[buf[i]] === 1) {
    if (++i > tokenLimit) return StartLine.NO;
  }
  if (i >= end) return StartLine.NEED_MORE;
  if (i === p || buf[i] !== SP) return StartLine.NO;
  const uri = i + 1;
  if (uri >= end) return StartLine.NEED_MORE;
  if (buf[uri] <= SP) return StartLine.NO; // empty Request-URI or a control byte
  const limit = Math.min(end, p + MAX_START_LINE);
  const lf = buf.indexOf(LF, uri);
  if (lf < 0 || lf >= limit) {
    // No line end yet: a complete version at the end of the bytes is enough (a datagram cut after
    // its start line); otherwise wait, but never for a line longer than MAX_START_LINE.
    if (end - p >= MAX_START_LINE) return StartLine.NO;
    return versionEndsAt(buf, uri, end) ? StartLine.REQUEST : StartLine.NEED_MORE;
  }
  const le = buf[lf - 1] === CR ? lf - 1 : lf;
  return versionEndsAt(buf, uri, le) ? StartLine.REQUEST : StartLine.NO;
}

/** Whether [uri, le) is a Request-URI without SP (non-empty) followed by SP SIP-Version ending at `le`. */
function versionEndsAt(buf: Buffer, uri: number, le: number): boolean {
  let j = le - 1;
  let d = 0;
  while (j > uri && d < 4 && isDigit(buf[j])) {
    j--;
    d++;
  }
  if (d === 0 || buf[j] !== 0x2e) return false; // .
  j--;
  d = 0;
  while (j > uri && d < 4 && isDigit(buf[j])) {
    j--;
    d++;
  }
  // j is on "/" of "SIP/"; SP before "SIP"; at least one URI byte before that SP.
  if (d === 0 || j - 5 < uri) return false;
  return (
    buf[j] === 0x2f &&
    (buf[j - 1] | 0x20) === 0x70 &&
    (buf[j - 2] | 0x20) === 0x69 &&
    (buf[j - 3] | 0x20) === 0x73 &&
    buf[j - 4] === SP &&
    buf.indexOf(SP, uri) === j - 4 // the Request-URI holds no SP
  );
}

/** Whether a SIP request or status line starts exactly at `p`. */
export function matchStartLine(buf: Buffer, p: number, end: number): StartLineResult {
  if (p >= end) return StartLine.NEED_MORE;
  if ((buf[p] | 0x20) === 0x73) {
    // "SIP/..." is a status line; "SUBSCRIBE ..." falls through to the request check.
    const r = matchStatusLine(buf, p, end);
    if (r !== StartLine.NO) return r;
  }
  return matchRequestLine(buf, p, end);
}

/** Methods of RFC 3261 and its extensions, used only to cut junk glued before a method name. */
const KNOWN_METHODS: readonly Buffer[] = [
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'PRACK', 'SUBSCRIBE',
  'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
].map((m) => Buffer.from(m, 'latin1'));

/** End of the method token starting at `p` (index of the SP). */
export function methodEnd(buf: Buffer, p: number, end: number): number {
  let i = p;
  while (i < end && TOKEN_CHAR[buf[i]] === 1) i++;
  return i;
}

function equalsAt(buf: Buffer, p: number, m: Buffer): boolean {
  for (let k = 0; k < m.length; k++) if (buf[p + k] !== m[k]) return false;
  return true;
}

/**
 * When the method token [p, e) is not a known method but ends with one ("DBREGISTER"),
 * returns where the known method begins; otherwise returns p. Methods are case-sensitive
 * (RFC 3261 §7.1), so only upper-case names are matched.
 */
export function knownMethodSuffix(buf: Buffer, p: number, e: number): number {
  const len = e - p;
  let best = p;
  for (let k = 0; k < KNOWN_METHODS.length; k++) {
    const m = KNOWN_METHODS[k];
    if (m.length === len) {
      if (equalsAt(buf, p, m)) return p;
    } else if (m.length < len && equalsAt(buf, e - m.length, m)) {
      const s = e - m.length;
      if (best === p || s < best) best = s; // the longest known suffix wins
    }
  }
  return best;
}

/** How far into a datagram junk before the start line is looked for. */
export const MAX_JUNK = 64;

/**
 * Finds the start line of a datagram-like unit: at `start`, or after at most `maxJunk` bytes of
 * junk (binary bytes, or letters glued to the method as in "DBREGISTER"). Returns the number of junk bytes
 * (0 normally) or -1 when the unit does not look like SIP. Only positions that begin a token run
 * are tried as requests, so the scan stays linear in the datagram length.
 */
export function findDatagramStart(buf: Buffer, start: number, end: number, maxJunk: number): number {
  const r = matchStartLine(buf, start, end);
  if (r === StartLine.RESPONSE) return 0;
  if (r === StartLine.REQUEST) return knownMethodSuffix(buf, start, methodEnd(buf, start, end)) - start;
  const limit = Math.min(start + maxJunk, end - 1);
  for (let p = start + 1; p <= limit; p++) {
    const b = buf[p];
    if (TOKEN_CHAR[b] === 1 && TOKEN_CHAR[buf[p - 1]] !== 1) {
      const q = matchStartLine(buf, p, end);
      if (q === StartLine.RESPONSE) return p - start;
      if (q === StartLine.REQUEST) {
        const k = knownMethodSuffix(buf, p, methodEnd(buf, p, end));
        return k - start <= maxJunk ? k - start : p - start;
      }
    } else if ((b | 0x20) === 0x73 && matchStatusLine(buf, p, end) === StartLine.RESPONSE) {
      return p - start;
    }
  }
  return -1;
}

/** "SIP/2.0": every request line ends with it and every status line begins with it. */
const VERSION_ANCHOR = Buffer.from('SIP/2.0', 'latin1');

/**
 * Resynchronisation inside a byte stream: the first position >= lower where a start line
 * (complete or cut by `end`) begins, looking at "SIP/2.0" anchors from `from` on; -1 if none.
 * Anchored on "SIP/2.0" so garbage is skipped by a native search; a request line is found by
 * walking back from its version over the URI and the method token (never below `lower`).
 */
export function findStreamStart(buf: Buffer, lower: number, from: number, end: number): number {
  let a = from;
  while (a < end) {
    a = buf.indexOf(VERSION_ANCHOR, a);
    if (a < 0 || a + VERSION_ANCHOR.length > end) return -1;
    const s = requestOrStatusAt(buf, lower, a, end);
    if (s >= 0) return s;
    a++;
  }
  return -1;
}

/** Length of the "SIP/2.0" anchor: a resumed search must re-check this many bytes minus one. */
export const ANCHOR_LENGTH = VERSION_ANCHOR.length;

/** Start of the start line whose version is at `a`, or -1. */
function requestOrStatusAt(buf: Buffer, from: number, a: number, end: number): number {
  if (matchStatusLine(buf, a, end) !== StartLine.NO) return a;
  if (a - 2 < from || buf[a - 1] !== SP) return -1;
  // Walk back over the Request-URI to the SP after the method.
  let u = a - 1;
  const uriLimit = a - MAX_START_LINE;
  while (u > from && buf[u - 1] > SP) {
    if (--u < uriLimit) return -1;
  }
  if (u === a - 1 || u - 1 <= from || buf[u - 1] !== SP) return -1;
  const tokenEnd = u - 1;
  let m = tokenEnd;
  while (m > from && TOKEN_CHAR[buf[m - 1]] === 1 && tokenEnd - m < MAX_METHOD) m--;
  if (m === tokenEnd) return -1;
  const cut = m > from && TOKEN_CHAR[buf[m - 1]] === 1; // token longer than MAX_METHOD
  const k = knownMethodSuffix(buf, m, tokenEnd);
  if (cut && k === m) return -1;
  m = k;
  const r = matchRequestLine(buf, m, end);
  return r === StartLine.REQUEST || r === StartLine.NEED_MORE ? m : -1;
}
