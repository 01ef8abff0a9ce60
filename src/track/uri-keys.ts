import { alphanumAnd } from '../base/char-class.js';
import { RecentCache } from '../base/recent-cache.js';
import { parseUri } from '../sip/uri.js';

/**
 * Registrations repeat the same AoRs and contacts all day (every refresh), so the canonical keys are
 * memoised in bounded caches of recent results instead of re-parsing the URI each time.
 */
const KEYS_PER_GENERATION = 32_768;
const aorKeys = new RecentCache<string>(KEYS_PER_GENERATION);
const contactKeys = new RecentCache<string>(KEYS_PER_GENERATION);

function memo(cache: RecentCache<string>, uri: string, make: (uri: string) => string): string {
  let k = cache.get(uri);
  if (k === undefined) {
    k = make(uri);
    cache.set(uri, k);
  }
  return k;
}

/**
 * Address-of-record key (RFC 3261 §10.3 step 5: "the To header field … converted to canonical form"):
 * scheme:user@host with the host case-folded and parameters, port and display name dropped.
 */
export function aorKey(uri: string | null): string | null {
  if (!uri) return null;
  const ends = simpleSipUri(uri);
  if (ends >= 0) {
    const hostEnd = ends & 0xffff;
    return hostEnd === uri.length ? uri : uri.slice(0, hostEnd);
  }
  return memo(aorKeys, uri, makeAorKey);
}

/**
 * The common spelling `sip:user@host[:port][;params][?headers]` with a lower-case host name or IPv4
 * address and a plain user part, already canonical up to the host (or port): its keys are prefixes
 * of the URI itself, found in one pass over its characters instead of a lookup in a large table
 * (which misses the CPU caches) or a parse. Returns hostEnd | portEnd << 16, or -1 for any other
 * form (the general path then decides).
 */
function simpleSipUri(uri: string): number {
  const n = uri.length;
  if (n > 0xffff || n < 7 || uri.charCodeAt(0) !== 115 || uri.charCodeAt(1) !== 105 || uri.charCodeAt(2) !== 112 || uri.charCodeAt(3) !== 58) return -1;
  let p = 4;
  for (; p < n; p++) {
    const c = uri.charCodeAt(p);
    if (c === 64) break;
    if (!USER_CHAR[c]) return -1;
  }
  if (p === 4 || p >= n) return -1;
  const hs = ++p;
  for (; p < n; p++) {
    const c = uri.charCodeAt(p);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45) continue;
    if (c === 58 || c === 59 || c === 63) break;
    return -1;
  }
  const hostEnd = p;
  if (hostEnd === hs) return -1;
  if (p < n && uri.charCodeAt(p) === 58) {
    const ps = ++p;
    let port = 0;
    for (; p < n; p++) {
      const c = uri.charCodeAt(p);
      if (c < 48 || c > 57) break;
      port = port * 10 + c - 48;
    }
    // The key writes the port as a number: a leading zero would be spelled differently.
    if (p === ps || p - ps > 5 || port > 65535 || (uri.charCodeAt(ps) === 48 && p - ps > 1)) return -1;
    if (p < n && uri.charCodeAt(p) !== 59 && uri.charCodeAt(p) !== 63) return -1;
  }
  return hostEnd | (p << 16);
}

/** User-part characters of the simple form: unreserved, and the user-unreserved marks but ';' '?' '/' (RFC 3261 §25.1). */
const USER_CHAR: Uint8Array = alphanumAnd("-_.!~*'()&=+$,%");

/** aorKey by parsing the URI: the general path, and the reference the simple form must agree with. */
export function makeAorKey(uri: string): string {
  const u = parseUri(uri);
  if (!u) return uri;
  const scheme = u.scheme.toLowerCase() === 'sips' ? 'sip' : u.scheme.toLowerCase();
  return u.user !== null ? `${scheme}:${u.user}@${u.host.toLowerCase()}` : `${scheme}:${u.host.toLowerCase()}`;
}

/**
 * Contact key: scheme, user, host and port; URI parameters and headers dropped because registrars
 * echo contacts with parameters reordered or added (RFC 3261 §10.3 compares with §19.1.4 URI equality).
 */
export function contactKey(uri: string): string {
  const ends = simpleSipUri(uri);
  if (ends >= 0) {
    const portEnd = ends >>> 16;
    return portEnd === uri.length ? uri : uri.slice(0, portEnd);
  }
  return memo(contactKeys, uri, makeContactKey);
}

/** contactKey by parsing the URI: the general path, and the reference the simple form must agree with. */
export function makeContactKey(uri: string): string {
  const u = parseUri(uri);
  if (!u) return uri;
  const host = u.host.toLowerCase();
  const hp = u.port !== null ? `${host}:${u.port}` : host;
  return u.user !== null ? `${u.scheme.toLowerCase()}:${u.user}@${hp}` : `${u.scheme.toLowerCase()}:${hp}`;
}

/** User part of a SIP/TEL URI, or null. */
export function userOf(uri: string | null): string | null {
  if (!uri) return null;
  const u = parseUri(uri);
  return u ? u.user : null;
}
