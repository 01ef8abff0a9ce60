/**
 * Authorization / Proxy-Authorization credentials and WWW-Authenticate / Proxy-Authenticate
 * challenges. RFC 3261 §25.1 (after RFC 2617):
 *   credentials = ("Digest" LWS digest-response) / other-response
 *   challenge   = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
 * Parameter names are case-insensitive and may come in any order; values are tokens or
 * quoted-strings. https://www.rfc-editor.org/rfc/rfc3261#section-22.4
 */
import { COMMA, IS_TOKEN } from './chars.js';
import { equalsLower, listItemEnd, skipLws } from './bytes.js';
import { intern } from './intern.js';
import { PARAM, paramValue, readParam } from './params.js';
import type { TextSource } from './source.js';

export interface DigestCredentials {
  scheme: string;
  username: string | null;
  realm: string | null;
  nonce: string | null;
  uri: string | null;
  response: string | null;
  algorithm: string | null;
  header: 'authorization' | 'proxy-authorization';
  qop?: string | null;
  nc?: string | null;
  cnonce?: string | null;
  opaque?: string | null;
}

export interface DigestChallenge {
  scheme: string;
  realm: string | null;
  nonce: string | null;
  /** RFC 2617 §3.2.1: stale is true only for the (case-insensitive) value "true". */
  stale: boolean;
  header: 'www-authenticate' | 'proxy-authenticate';
  algorithm?: string | null;
  qop?: string | null;
  opaque?: string | null;
  domain?: string | null;
}

/** Reads the auth-scheme token at the start of [start, end); sets SCHEME_END. */
let schemeEnd = 0;
function readScheme(buf: Buffer, start: number, end: number): string | null {
  const s = skipLws(buf, start, end);
  let p = s;
  while (p < end && IS_TOKEN[buf[p]] === 1) p++;
  if (p === s) return null;
  schemeEnd = p;
  // Schemes are case-insensitive; the common one is reported in its canonical spelling.
  if (equalsLower(buf, s, p, 'digest')) return 'Digest';
  return intern(buf, s, p);
}

/**
 * Moves past one auth-param and the comma after it. Progress is guaranteed: when the param
 * reader stops on junk, the rest of that list element is skipped.
 */
function nextAuthParam(buf: Buffer, p: number, end: number): number {
  const q = readParam(buf, p, end);
  let r = skipLws(buf, q, end);
  if (r < end && buf[r] !== COMMA) r = listItemEnd(buf, r, end);
  return r < end ? r + 1 : end;
}

/**
 * Walks the comma-separated auth-params after the scheme (RFC 3261 §25.1 digest-response /
 * digest-cln), calling `visit` with the name range for each parameter that has a value; PARAM
 * holds the value during the call.
 */
function forEachAuthParam(buf: Buffer, end: number, visit: (nameStart: number, nameEnd: number) => void): void {
  let p = schemeEnd;
  while (p < end) {
    p = skipLws(buf, p, end);
    if (p >= end) break;
    const next = nextAuthParam(buf, p, end);
    if (PARAM.nameEnd > PARAM.nameStart && PARAM.valueStart >= 0) visit(PARAM.nameStart, PARAM.nameEnd);
    p = next;
  }
}

export function parseCredentials(
  src: TextSource,
  start: number,
  end: number,
  header: 'authorization' | 'proxy-authorization',
): DigestCredentials | null {
  const buf = src.buf;
  const scheme = readScheme(buf, start, end);
  if (scheme === null) return null;
  const out: DigestCredentials = {
    scheme,
    username: null,
    realm: null,
    nonce: null,
    uri: null,
    response: null,
    algorithm: null,
    header,
    qop: null,
    nc: null,
    cnonce: null,
    opaque: null,
  };
  // First occurrence wins, like every other repeated parameter here.
  forEachAuthParam(buf, end, (ns, ne) => {
    if (equalsLower(buf, ns, ne, 'username')) out.username ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'realm')) out.realm ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'nonce')) out.nonce ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'uri')) out.uri ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'response')) out.response ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'algorithm')) out.algorithm ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'qop')) out.qop ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'nc')) out.nc ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'cnonce')) out.cnonce ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'opaque')) out.opaque ??= paramValue(src);
  });
  return out;
}

export function parseChallenge(
  src: TextSource,
  start: number,
  end: number,
  header: 'www-authenticate' | 'proxy-authenticate',
): DigestChallenge | null {
  const buf = src.buf;
  const scheme = readScheme(buf, start, end);
  if (scheme === null) return null;
  const out: DigestChallenge = {
    scheme,
    realm: null,
    nonce: null,
    stale: false,
    header,
    algorithm: null,
    qop: null,
    opaque: null,
    domain: null,
  };
  let staleSeen = false;
  forEachAuthParam(buf, end, (ns, ne) => {
    if (equalsLower(buf, ns, ne, 'realm')) out.realm ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'nonce')) out.nonce ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'stale')) {
      if (!staleSeen) {
        staleSeen = true;
        // Leniency: some stacks quote the value ("true"); it is accepted as well.
        const vs = PARAM.quoted ? PARAM.valueStart + 1 : PARAM.valueStart;
        const ve = PARAM.quoted ? PARAM.valueEnd - 1 : PARAM.valueEnd;
        out.stale = equalsLower(buf, vs, ve, 'true');
      }
    } else if (equalsLower(buf, ns, ne, 'algorithm')) out.algorithm ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'qop')) out.qop ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'opaque')) out.opaque ??= paramValue(src);
    else if (equalsLower(buf, ns, ne, 'domain')) out.domain ??= paramValue(src);
  });
  return out;
}
