/**
 * name-addr / addr-spec values (From, To, Contact, P-Asserted-Identity, Route, ...).
 * RFC 3261 §20.10: `[display-name] <addr-spec>` or a bare addr-spec; when the URI is not in angle
 * brackets, semicolon parameters after it are header parameters, not URI parameters.
 * https://www.rfc-editor.org/rfc/rfc3261#section-20.10
 */
import { CR, DQUOTE, HT, LAQUOT, LF, RAQUOT, SEMI, SP } from './chars.js';
import { quotedEnd, skipLws, trimLwsEnd, unquote } from './bytes.js';
import { readParams } from './params.js';
import type { TextSource } from './source.js';

export interface NameAddr {
  displayName: string | null;
  uri: string;
  tag: string | null;
  /** Header parameters (tag included): lower-case names, quoted values unquoted, '' for flags. */
  params: Record<string, string>;
}

/** Offsets of one address found by scanAddress (module-level: no allocation per call). */
interface AddressCursor {
  /** -1 when there is no display name. */
  displayStart: number;
  displayEnd: number;
  displayQuoted: boolean;
  uriStart: number;
  uriEnd: number;
  /** Where header parameters start (after '>' or after the bare URI). */
  paramsStart: number;
}

const ADDR: AddressCursor = {
  displayStart: -1,
  displayEnd: -1,
  displayQuoted: false,
  uriStart: 0,
  uriEnd: 0,
  paramsStart: 0,
};

/** Locates display name, URI and parameters in [start, end); false when no URI can be found. */
function scanAddress(buf: Buffer, start: number, end: number): boolean {
  let p = skipLws(buf, start, end);
  if (p >= end) return false;
  ADDR.displayStart = -1;
  ADDR.displayEnd = -1;
  ADDR.displayQuoted = false;
  let lt = -1;
  if (buf[p] === DQUOTE) {
    const qe = quotedEnd(buf, p, end);
    if (buf[qe - 1] !== DQUOTE || qe - p < 2) return false;
    ADDR.displayStart = p;
    ADDR.displayEnd = qe;
    ADDR.displayQuoted = true;
    p = skipLws(buf, qe, end);
    if (p >= end || buf[p] !== LAQUOT) return false;
    lt = p;
  } else {
    // '<' cannot occur in a bare addr-spec, so the first one opens the name-addr form.
    for (let i = p; i < end; i++) {
      if (buf[i] === LAQUOT) {
        lt = i;
        break;
      }
    }
    if (lt > p) {
      ADDR.displayStart = p;
      ADDR.displayEnd = trimLwsEnd(buf, p, lt);
    }
  }
  if (lt >= 0) {
    let gt = lt + 1;
    while (gt < end && buf[gt] !== RAQUOT) gt++;
    if (gt >= end) return false;
    ADDR.uriStart = skipLws(buf, lt + 1, gt);
    ADDR.uriEnd = trimLwsEnd(buf, ADDR.uriStart, gt);
    ADDR.paramsStart = gt + 1;
  } else {
    let e = p;
    while (e < end) {
      const c = buf[e];
      if (c === SEMI || c === SP || c === HT || c === CR || c === LF) break;
      e++;
    }
    ADDR.uriStart = p;
    ADDR.uriEnd = e;
    ADDR.paramsStart = e;
  }
  return ADDR.uriEnd > ADDR.uriStart;
}

function displayName(src: TextSource): string | null {
  if (ADDR.displayStart < 0) return null;
  if (ADDR.displayQuoted) return unquote(src, ADDR.displayStart, ADDR.displayEnd);
  return src.utf8(ADDR.displayStart, ADDR.displayEnd);
}

/** One name-addr or addr-spec with its parameters; null when it has no URI. */
export function parseNameAddr(src: TextSource, start: number, end: number): NameAddr | null {
  if (!scanAddress(src.buf, start, end)) return null;
  const name = displayName(src);
  const uri = src.latin1(ADDR.uriStart, ADDR.uriEnd);
  const params: Record<string, string> = {};
  readParams(src, ADDR.paramsStart, end, params);
  const tag = params.tag;
  return { displayName: name, uri, tag: tag === undefined ? null : tag, params };
}

export interface Contact {
  /** `Contact: *` (RFC 3261 §10.2.2: remove all bindings); uri is then '*'. */
  star: boolean;
  displayName: string | null;
  uri: string;
  /** The `expires` parameter as delta-seconds; null when absent or not a number. */
  expires: number | null;
  params: Record<string, string>;
}

/** One Contact value: `*` or a name-addr/addr-spec with contact-params; null when unparseable. */
export function parseContact(src: TextSource, start: number, end: number): Contact | null {
  const buf = src.buf;
  const s = skipLws(buf, start, end);
  const e = trimLwsEnd(buf, s, end);
  if (e - s === 1 && buf[s] === 0x2a) {
    return { star: true, displayName: null, uri: '*', expires: null, params: {} };
  }
  if (!scanAddress(buf, s, e)) return null;
  const name = displayName(src);
  const uri = src.latin1(ADDR.uriStart, ADDR.uriEnd);
  const params: Record<string, string> = {};
  readParams(src, ADDR.paramsStart, e, params);
  return { star: false, displayName: name, uri, expires: deltaSeconds(params.expires), params };
}

/** RFC 3261 §25.1 delta-seconds = 1*DIGIT, bounded to 32 bits; null otherwise. */
export function deltaSeconds(text: string | undefined): number | null {
  if (text === undefined || text.length === 0 || text.length > 10) return null;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n > 4294967295 ? null : n;
}
