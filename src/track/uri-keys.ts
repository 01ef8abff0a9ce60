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
  return memo(aorKeys, uri, makeAorKey);
}

function makeAorKey(uri: string): string {
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
  return memo(contactKeys, uri, makeContactKey);
}

function makeContactKey(uri: string): string {
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
