/**
 * SIP, SIPS and TEL URIs.
 * RFC 3261 §19.1.1 / §25.1:
 *   SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *   hostport = host [ ":" port ];  uri-parameters = *( ";" uri-parameter );  headers = "?" header *( "&" header )
 * RFC 3966 §3: telephone-uri = "tel:" telephone-subscriber (number followed by ;params).
 * https://www.rfc-editor.org/rfc/rfc3261#section-19.1.1
 */
export interface SipUri {
  /** Lower-cased: 'sip' | 'sips' | 'tel' | any other scheme. */
  scheme: string;
  /** User part (sip/sips) or the telephone number (tel); escapes are kept as written. */
  user: string | null;
  password: string | null;
  /** Host as written, IPv6 references without brackets; '' for tel and other schemes. */
  host: string;
  port: number | null;
  /** URI parameters: lower-cased names, values as written, '' for flags. */
  params: Record<string, string>;
  /** Everything after '?' (sip/sips), or null. */
  headers: string | null;
  /** For schemes other than sip/sips/tel: the text after the colon. */
  opaque?: string | null;
}

/** Input longer than this is not a URI any stack would send; refusing it bounds the work. */
const MAX_URI_LENGTH = 8192;

function indexFrom(text: string, ch: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === ch) return i;
  return -1;
}

/** Parses `;name[=value]` pairs of text[from, to) into out. */
function parseParams(text: string, from: number, to: number, out: Record<string, string>): void {
  let p = from;
  while (p < to) {
    // p is at a ';'
    let e = indexFrom(text, 59, p + 1, to);
    if (e < 0) e = to;
    const eq = indexFrom(text, 61, p + 1, e);
    const name = (eq < 0 ? text.slice(p + 1, e) : text.slice(p + 1, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : text.slice(eq + 1, e).trim();
    if (name !== '' && name !== '__proto__' && !Object.hasOwn(out, name)) out[name] = value;
    p = e;
  }
}

/** Host text must not hold white space, controls or delimiters that cannot occur in a hostname or address. */
function validHost(host: string): boolean {
  if (host.length === 0) return false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x40 || c === 0x5b || c === 0x5d) return false;
  }
  return true;
}

function parsePort(text: string, from: number, to: number): number {
  if (to <= from || to - from > 5) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n > 65535 ? -1 : n;
}

/** Parses a URI; null when it is not `scheme:...` or a sip/sips URI without a valid host/port. */
export function parseUri(text: string): SipUri | null {
  if (typeof text !== 'string' || text.length > MAX_URI_LENGTH) return null;
  const s = text.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) return null;
  for (let i = 0; i < colon; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const ok = (c >= 0x61 && c <= 0x7a) || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e));
    if (!ok) return null;
  }
  const scheme = s.slice(0, colon).toLowerCase();
  const params: Record<string, string> = {};

  if (scheme === 'tel') {
    const semi = indexFrom(s, 59, colon + 1, s.length);
    const numEnd = semi < 0 ? s.length : semi;
    if (numEnd === colon + 1) return null;
    if (semi >= 0) parseParams(s, semi, s.length, params);
    return { scheme, user: s.slice(colon + 1, numEnd), password: null, host: '', port: null, params, headers: null, opaque: null };
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    return { scheme, user: null, password: null, host: '', port: null, params, headers: null, opaque: s.slice(colon + 1) };
  }

  const q = indexFrom(s, 63, colon + 1, s.length);
  const bodyEnd = q < 0 ? s.length : q;
  const headers = q < 0 ? null : s.slice(q + 1);

  let user: string | null = null;
  let password: string | null = null;
  let p = colon + 1;
  // '@' is not allowed unescaped in host or parameters, so the first one ends the userinfo.
  const at = indexFrom(s, 64, p, bodyEnd);
  if (at >= 0) {
    const pw = indexFrom(s, 58, p, at);
    if (pw >= 0) {
      user = s.slice(p, pw);
      password = s.slice(pw + 1, at);
    } else {
      user = s.slice(p, at);
    }
    p = at + 1;
  }

  let host: string;
  let port: number | null = null;
  let paramsStart = -1;
  if (s.charCodeAt(p) === 91) {
    const rb = indexFrom(s, 93, p + 1, bodyEnd);
    if (rb < 0 || rb === p + 1) return null;
    host = s.slice(p + 1, rb);
    p = rb + 1;
  } else {
    const hs = p;
    let he = indexFrom(s, 59, p, bodyEnd);
    if (he < 0) he = bodyEnd;
    let colons = 0;
    for (let i = hs; i < he; i++) if (s.charCodeAt(i) === 58) colons++;
    if (colons >= 2) {
      // Leniency: a bare IPv6 address (no brackets). With eight colons and no '::' the last
      // group is the port, as some phones write it.
      const last = s.lastIndexOf(':', he - 1);
      const dc = s.indexOf('::', hs);
      if (colons === 8 && (dc < 0 || dc >= he)) {
        const n = parsePort(s, last + 1, he);
        if (n < 0) return null;
        host = s.slice(hs, last);
        port = n;
      } else {
        host = s.slice(hs, he);
      }
      p = he;
    } else {
      while (p < bodyEnd) {
        const c = s.charCodeAt(p);
        if (c === 58 || c === 59) break;
        p++;
      }
      if (p === hs) return null;
      host = s.slice(hs, p);
    }
  }
  if (p < bodyEnd && s.charCodeAt(p) === 58) {
    let pe = indexFrom(s, 59, p + 1, bodyEnd);
    if (pe < 0) pe = bodyEnd;
    const n = parsePort(s, p + 1, pe);
    if (n < 0) return null;
    port = n;
    p = pe;
  }
  if (!validHost(host)) return null;
  if (p < bodyEnd) {
    if (s.charCodeAt(p) !== 59) return null;
    paramsStart = p;
  }
  if (paramsStart >= 0) parseParams(s, paramsStart, bodyEnd, params);
  return { scheme, user, password, host, port, params, headers, opaque: null };
}
