import { formatIp, parseIp, parseIpv4, parseIpv6 } from '../decode/ip/ip-text.js';

/**
 * SIP/SIPS/TEL URIs with the user and the host encrypted separately, so that "every call to this
 * host" and "every call from this user" (and user prefixes: dialled-number prefixes) remain
 * searchable, and the result is still a syntactically valid URI (RFC 3261 §25.1):
 *
 *   sip:alice@example.com:5060;transport=tcp   →   sip:<user hex>@<host cipher>:5060;transport=tcp
 *
 * - scheme and port: kept as written (the port is not an identity; "port-less" URIs stay port-less);
 * - user (and password): prefix-preserving, lower-case hex of the encrypted bytes (2 per byte);
 * - host: an IP literal goes through the address cipher (same as client.ip/server.ip, so a URI host
 *   and an address field match); a name is lower-cased and encrypted whole (AES-SIV) into base32
 *   labels under the reserved TLD `.invalid` (RFC 6761), e.g. `x5…q.invalid`;
 * - parameters: `transport`, `user`, `lr`, `ob`, `method`, `ttl` and `comp` with plain token values
 *   are kept as written; any other parameter (maddr, gr, x-…, phone-context, …) is encrypted whole,
 *   name and value, into one flag parameter `;~<base32>` in its place;
 * - headers (`?…`): encrypted whole into `?~=<base32>`;
 * - anything that is not a SIP/SIPS/TEL URI this splits cleanly: encrypted whole into
 *   `sip:<base32 labels>.opaque-uri.invalid`. `*` (Contact wildcard) and '' stay as they are.
 *
 * Decryption restores the URI exactly, except the host's spelling: names come back lower-cased and
 * IP literals in RFC 5952 form, IPv6 in brackets (the same host; RFC 3261 §19.1.4 compares hosts
 * case-insensitively).
 */
export interface UriPartCiphers {
  /** User part or password → hex (prefix-preserving). */
  user(text: string): string;
  /** IP address text → encrypted address text. */
  ip(text: string): string;
  /** Lower-cased host name → `<labels>.invalid`. */
  hostName(text: string): string;
  /** Parameter, header part or whole URI → base32. */
  segment(text: string): string;
}

export interface UriPartDeciphers {
  user(hex: string): string | null;
  ip(text: string): string | null;
  hostName(text: string): string | null;
  segment(b32: string): string | null;
}

const SAFE_PARAMS = new Set(['transport', 'user', 'lr', 'ob', 'method', 'ttl', 'comp']);
const SAFE_VALUE = /^[A-Za-z0-9._-]{0,24}$/;
const OPAQUE_SUFFIX = '.opaque-uri.invalid';
const OPAQUE = /^sip:([a-z2-7]+(?:\.[a-z2-7]+)*)\.opaque-uri\.invalid$/;
const MAX_URI = 8192;

interface UriParts {
  scheme: string;
  tel: boolean;
  user: string | null;
  password: string | null;
  /** Host as written, without brackets ('' for tel). */
  host: string;
  /** The host's address bytes when it is an IP literal written the canonical way or bracketed/bare IPv6. */
  hostIp: Buffer | null;
  port: string | null;
  params: string[];
  headers: string | null;
}

/** Characters a host as written cannot contain (white space, controls, delimiters). */
function badHostChar(c: number): boolean {
  return c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x40 || c === 0x5b || c === 0x5d || c === 0x3f || c === 0x3b;
}

/** Scheme characters after the first letter (RFC 3986 §3.1). */
function schemeChar(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** Dotted-quad IPv4 spelled the one way the decoder writes it (no leading zeros), else null. */
function canonicalIpv4(h: string): Buffer | null {
  const n = h.length;
  if (n < 7 || n > 15) return null;
  for (let i = 0; i < n; i++) {
    const c = h.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) return null;
  }
  const b = parseIpv4(h);
  return b !== null && formatIp(b) === h ? b : null;
}

/**
 * Splits a URI (plain or encrypted: the layout is the same) in one pass over its characters, or
 * returns null when it does not split cleanly. Runs for every URI not in the cache, so it avoids
 * regular expressions and temporary arrays.
 */
function split(s: string): UriParts | null {
  const n = s.length;
  if (n < 4 || n > MAX_URI) return null;
  const c0 = s.charCodeAt(0) | 0x20;
  if (c0 < 0x61 || c0 > 0x7a || s.charCodeAt(n - 1) <= 0x20) return null;
  let colon = 1;
  while (colon < n && s.charCodeAt(colon) !== 58) {
    if (!schemeChar(s.charCodeAt(colon))) return null;
    colon++;
  }
  if (colon >= n) return null;
  const scheme = s.slice(0, colon);
  const kind = colon === 3 || colon === 4 ? scheme.toLowerCase() : '';
  if (kind === 'tel') return splitTel(s, scheme, colon);
  if (kind !== 'sip' && kind !== 'sips') return null;

  // '@' is not allowed unescaped in host or parameters, so the first one (before any '?') ends the userinfo.
  let at = -1;
  let q = n;
  for (let i = colon + 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 63) {
      q = i;
      break;
    }
    if (c === 64 && at < 0) at = i;
  }
  let user: string | null = null;
  let password: string | null = null;
  if (at >= 0) {
    const pw = s.indexOf(':', colon + 1);
    if (pw >= 0 && pw < at) {
      user = s.slice(colon + 1, pw);
      password = s.slice(pw + 1, at);
    } else {
      user = s.slice(colon + 1, at);
    }
  }
  const hs = at >= 0 ? at + 1 : colon + 1;
  let host: string;
  let hostIp: Buffer | null = null;
  let port: string | null = null;
  let p: number;
  if (s.charCodeAt(hs) === 91) {
    const rb = s.indexOf(']', hs + 1);
    if (rb < 0 || rb > q) return null;
    host = s.slice(hs + 1, rb);
    hostIp = parseIpv6(host);
    if (hostIp === null) return null;
    p = rb + 1;
    if (p < q && s.charCodeAt(p) === 58) {
      let pe = p + 1;
      while (pe < q && s.charCodeAt(pe) !== 59) pe++;
      port = s.slice(p + 1, pe);
      p = pe;
    }
  } else {
    let he = hs;
    let colons = 0;
    let lastColon = -1;
    while (he < q) {
      const c = s.charCodeAt(he);
      if (c === 59) break;
      if (c === 58) {
        colons++;
        lastColon = he;
      } else if (badHostChar(c)) return null;
      he++;
    }
    p = he;
    if (colons >= 2) {
      // A bare IPv6 address (lenient stacks); with eight colons and no '::' the last group is the port.
      const hp = s.slice(hs, he);
      host = hp;
      if (colons === 8 && !hp.includes('::')) {
        host = s.slice(hs, lastColon);
        port = s.slice(lastColon + 1, he);
      }
      hostIp = parseIpv6(host);
      if (hostIp === null) return null;
    } else if (colons === 1) {
      host = s.slice(hs, lastColon);
      port = s.slice(lastColon + 1, he);
      hostIp = canonicalIpv4(host);
    } else {
      host = s.slice(hs, he);
      hostIp = canonicalIpv4(host);
    }
  }
  if (host.length === 0 || (port !== null && !isPort(port))) return null;
  if (hostIp === null) for (let i = 0; i < host.length; i++) if (badHostChar(host.charCodeAt(i))) return null;
  let params: string[] = NO_PARAMS;
  if (p < q) {
    if (s.charCodeAt(p) !== 59) return null;
    params = s.slice(p + 1, q).split(';');
  }
  const headers = q < n ? s.slice(q + 1) : null;
  return { scheme, tel: false, user, password, host, hostIp, port, params, headers };
}

function splitTel(s: string, scheme: string, colon: number): UriParts | null {
  let semi = s.indexOf(';', colon + 1);
  if (semi < 0) semi = s.length;
  if (semi === colon + 1) return null;
  for (let i = colon + 1; i < semi; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x40) return null;
  }
  const params = semi < s.length ? s.slice(semi + 1).split(';') : NO_PARAMS;
  return { scheme, tel: true, user: s.slice(colon + 1, semi), password: null, host: '', hostIp: null, port: null, params, headers: null };
}

const NO_PARAMS: string[] = [];

function isPort(p: string): boolean {
  if (p.length === 0 || p.length > 5) return false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function safeParam(seg: string): boolean {
  const eq = seg.indexOf('=');
  const name = (eq < 0 ? seg : seg.slice(0, eq)).toLowerCase();
  return SAFE_PARAMS.has(name) && (eq < 0 || SAFE_VALUE.test(seg.slice(eq + 1)));
}

export function encryptUri(text: string, c: UriPartCiphers): string {
  if (text === '' || text === '*') return text;
  const u = split(text);
  if (u === null) return 'sip:' + labels(c.segment(text)) + OPAQUE_SUFFIX;
  let out = u.scheme + ':';
  if (u.user !== null) {
    out += c.user(u.user);
    if (u.password !== null) out += ':' + c.user(u.password);
    if (!u.tel) out += '@';
  }
  if (!u.tel) {
    if (u.hostIp !== null) {
      // A canonical IPv4 host is its own address text; IPv6 is re-spelled the RFC 5952 way.
      const ip = c.ip(u.hostIp.length === 4 ? u.host : formatIp(u.hostIp));
      out += ip.includes(':') ? '[' + ip + ']' : ip;
    } else {
      out += c.hostName(u.host.toLowerCase());
    }
    if (u.port !== null) out += ':' + u.port;
  }
  for (const seg of u.params) out += ';' + (safeParam(seg) ? seg : '~' + c.segment(seg));
  if (u.headers !== null) out += '?~=' + c.segment(u.headers);
  return out;
}

/** The plaintext URI, or null when the text is not a URI encrypted with this key. */
export function decryptUri(text: string, d: UriPartDeciphers): string | null {
  if (text === '' || text === '*') return text;
  const o = OPAQUE.exec(text);
  if (o !== null) return d.segment(o[1]!.replace(/\./g, ''));
  const u = split(text);
  if (u === null) return null;
  let out = u.scheme + ':';
  if (u.user !== null) {
    const user = d.user(u.user);
    if (user === null) return null;
    out += user;
    if (u.password !== null) {
      const pw = d.user(u.password);
      if (pw === null) return null;
      out += ':' + pw;
    }
    if (!u.tel) out += '@';
  }
  if (!u.tel) {
    if (u.hostIp !== null) {
      const ip = d.ip(formatIp(u.hostIp));
      if (ip === null) return null;
      out += ip.includes(':') ? '[' + ip + ']' : ip;
    } else {
      const name = d.hostName(u.host);
      if (name === null) return null;
      out += name;
    }
    if (u.port !== null) out += ':' + u.port;
  }
  for (const seg of u.params) {
    if (seg.startsWith('~')) {
      const p = d.segment(seg.slice(1));
      if (p === null) return null;
      out += ';' + p;
    } else {
      out += ';' + seg;
    }
  }
  if (u.headers !== null) {
    if (!u.headers.startsWith('~=')) return null;
    const h = d.segment(u.headers.slice(2));
    if (h === null) return null;
    out += '?' + h;
  }
  return out;
}

/** base32 text as hostname labels (at most 63 characters each, RFC 1035 §2.3.4). */
export function labels(b32: string): string {
  if (b32.length <= 63) return b32;
  let out = '';
  for (let i = 0; i < b32.length; i += 63) out += (i > 0 ? '.' : '') + b32.slice(i, i + 63);
  return out;
}

/** The address text of an IP literal host (canonical IPv4, or IPv6 in any spelling), else null. */
export function hostAddress(host: string): Buffer | null {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.includes(':')) return parseIpv6(h);
  const v4 = parseIp(h);
  return v4 !== null && formatIp(v4) === h ? v4 : null;
}

/**
 * The spelling decryption gives back: host names lower-cased, IP literals in RFC 5952 form (IPv6
 * in brackets); everything else as written. A text that does not split as a URI is unchanged.
 */
export function normalizeUri(text: string): string {
  if (text === '' || text === '*') return text;
  const u = split(text);
  if (u === null) return text;
  let out = u.scheme + ':';
  if (u.user !== null) out += u.user + (u.password !== null ? ':' + u.password : '') + (u.tel ? '' : '@');
  if (!u.tel) {
    if (u.hostIp !== null) {
      const ip = formatIp(u.hostIp);
      out += ip.includes(':') ? '[' + ip + ']' : ip;
    } else {
      out += u.host.toLowerCase();
    }
    if (u.port !== null) out += ':' + u.port;
  }
  for (const seg of u.params) out += ';' + seg;
  if (u.headers !== null) out += '?' + u.headers;
  return out;
}
