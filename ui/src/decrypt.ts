// Client-side decryption of what the API shows (docs/privacy.md). The key and the decryptor live in
// this page's memory only; the decryptor code is a separate chunk loaded when a key is entered.
// Without a decryptor every value passes through as the server sent it (ciphertext when encrypted).
import { maskNetwork } from './ipmatch.js';
import { store } from './state.js';
import type { BrowserDecryptor, Doc, Encryption } from './types.js';

interface DecryptorModule {
  makeDecryptor(keyText: string): BrowserDecryptor | Promise<BrowserDecryptor>;
}

/** Loads the decryptor chunk and makes a decryptor for a hex key; checks it is the probe's key. */
export async function loadDecryptor(keyText: string): Promise<BrowserDecryptor> {
  const mod = (await import('./crypto/decryptor.js')) as unknown as DecryptorModule;
  const d = await mod.makeDecryptor(keyText.trim());
  const enc = store.get().info?.encryption ?? null;
  if (enc !== null && d.keyId !== enc.keyId) {
    throw new Error(`this key's id is ${d.keyId}, but sipsentry encrypts with key ${enc.keyId}`);
  }
  return d;
}

let cache = new WeakMap<object, { doc: Doc; error: string | null }>();
let cacheFor: BrowserDecryptor | null = null;

function active(): { d: BrowserDecryptor; enc: Encryption } | null {
  const s = store.get();
  if (s.decryptor === null || s.info === null || s.info.encryption === null) return null;
  if (cacheFor !== s.decryptor) {
    cache = new WeakMap();
    cacheFor = s.decryptor;
  }
  return { d: s.decryptor, enc: s.info.encryption };
}

function keyIdOf(doc: Doc): unknown {
  const sip = doc['sip'];
  if (sip !== null && typeof sip === 'object' && 'key_id' in sip) return (sip as { key_id: unknown }).key_id;
  return doc['sip.key_id'];
}

/** The document decrypted when a key is loaded and the document is encrypted; `error` when that failed. */
export function decDoc(doc: Doc): { doc: Doc; error: string | null; decrypted: boolean } {
  const a = active();
  if (a === null || keyIdOf(doc) === undefined) return { doc, error: null, decrypted: false };
  let hit = cache.get(doc);
  if (hit === undefined) {
    try {
      hit = { doc: a.d.decryptDoc(doc), error: null };
    } catch (err) {
      hit = { doc, error: (err as Error).message };
    }
    cache.set(doc, hit);
  }
  return { ...hit, decrypted: hit.error === null };
}

function has(enc: Encryption, group: string): boolean {
  return enc.groups.includes(group) || enc.groups.includes('all');
}

/** An address as shown: decrypted when a key is loaded and addresses are encrypted. */
export function decIp(ip: string): string {
  const a = active();
  if (a === null || !has(a.enc, 'ips') || ip === '') return ip;
  try {
    return a.d.decryptIp(ip, a.enc.ipMode) ?? ip;
  } catch {
    return ip;
  }
}

/**
 * A network (`addr/len`) as shown: the address decrypted and, since only the prefix decrypts to the
 * real prefix (prefix mode), the host bits below it cleared.
 */
export function decNetwork(cidr: string): string {
  const slash = cidr.indexOf('/');
  if (slash < 0) return decIp(cidr);
  const addr = cidr.slice(0, slash);
  const plain = decIp(addr);
  if (plain === addr) return cidr;
  return maskNetwork(plain, Number(cidr.slice(slash + 1))) ?? cidr;
}

/** True when addresses are encrypted: what a user types in an address field must be ciphertext. */
export function addressesEncrypted(): boolean {
  const enc = store.get().info?.encryption ?? null;
  return enc !== null && has(enc, 'ips');
}

export function decCallId(callId: string): string {
  const a = active();
  if (a === null || !has(a.enc, 'call_id') || callId === '') return callId;
  try {
    return a.d.decryptCallId(callId) ?? callId;
  } catch {
    return callId;
  }
}

/**
 * Other encrypted values (URIs, user names, user agents) through decryptDoc on a small document that
 * carries the probe's scheme: the same ciphers as an event's fields. Values that do not decrypt stay.
 */
export function decFields(fields: { uri?: (string | null)[]; user?: string | null; userAgent?: string | null }): {
  uri: (string | null)[];
  user: string | null;
  userAgent: string | null;
} {
  const plain = { uri: fields.uri ?? [], user: fields.user ?? null, userAgent: fields.userAgent ?? null };
  const a = active();
  if (a === null) return plain;
  const tag = `${a.enc.keyId}/${a.enc.groups.join(',')}${a.enc.ipMode === 'full' ? ',ip-full' : ''}`;
  const one = (build: (v: string) => Doc, read: (d: Doc) => unknown, v: string | null): string | null => {
    if (v === null || v === '') return v;
    try {
      const out = read(a.d.decryptDoc(build(v)));
      return typeof out === 'string' ? out : v;
    } catch {
      return v;
    }
  };
  return {
    uri: plain.uri.map((u) => (has(a.enc, 'uris') ? one((v) => ({ sip: { contact: v, key_id: tag } }), (d) => (d['sip'] as Doc)['contact'], u) : u)),
    user: has(a.enc, 'user') ? one((v) => ({ user: { name: v }, sip: { key_id: tag } }), (d) => (d['user'] as Doc)['name'], plain.user) : plain.user,
    userAgent: has(a.enc, 'user_agent')
      ? one((v) => ({ user_agent: { original: v }, sip: { key_id: tag } }), (d) => (d['user_agent'] as Doc)['original'], plain.userAgent)
      : plain.userAgent,
  };
}

export function decUri(uri: string | null): string | null {
  return decFields({ uri: [uri] }).uri[0] ?? null;
}
