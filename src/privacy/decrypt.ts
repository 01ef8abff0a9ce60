import { FieldCiphers, TEXT_MARK } from './ciphers.js';
import type { IpMode } from './config.js';
import type { KeyRing } from './keys.js';
import { mapTrace } from './residual.js';
import { parseScheme } from './scheme.js';
import { getPath } from '../base/doc-path.js';

/** Where an event document carries its key id and scheme (see scheme.ts). */
export const KEY_ID_FIELD = 'sip.key_id';

export class DecryptError extends Error {
  override name = 'DecryptError';
}

type Doc = Record<string, unknown>;

/**
 * Decrypts ECS event documents (the JSON the probe wrote) with a ring of keys: each document names
 * its key, so events of several keys (rotation) can be mixed in one input. A document without a
 * key id is plaintext and passes unchanged. A key that is not in the ring, or a value that does
 * not decrypt (wrong key, altered ciphertext), throws: nothing half-decrypted comes out.
 */
export class DocumentDecryptor {
  private readonly ciphers = new Map<string, FieldCiphers>();

  constructor(private readonly ring: KeyRing) {}

  /** Returns a decrypted copy of the document (the key-id field removed). */
  decrypt(doc: Doc): Doc {
    const tag = getPath(doc, KEY_ID_FIELD);
    if (tag === undefined) return doc;
    if (typeof tag !== 'string') throw new DecryptError(`${KEY_ID_FIELD} is not a string`);
    const s = parseScheme(tag);
    if (s === null) throw new DecryptError(`${KEY_ID_FIELD} "${tag}" is not a scheme this version reads`);
    const key = this.ring.get(s.keyId);
    if (key === undefined) {
      const have = this.ring.ids;
      throw new DecryptError(`event encrypted with key ${s.keyId}, but the key${have.length === 1 ? ' given is' : 's given are'} ${have.join(', ') || 'none'}: wrong key or passphrase/salt`);
    }
    const c = this.cipherFor(key.id, s.ipMode, () => new FieldCiphers(key, s.ipMode));
    const out = structuredClone(doc);
    const field = (path: string, f: (v: string) => string | null): void => {
      const v = getPath(out, path);
      if (v === undefined || v === null) return;
      const one = (x: unknown): string => {
        if (typeof x !== 'string') throw new DecryptError(`${path}: expected a string`);
        const r = f(x);
        if (r === null) throw new DecryptError(`${path}: "${x.slice(0, 40)}" is not a ciphertext of key ${key.id} (altered, or not encrypted)`);
        return r;
      };
      set(out, path, Array.isArray(v) ? v.map(one) : one(v));
    };
    if (s.groups.has('ips')) {
      for (const p of ['client.ip', 'server.ip', 'source.ip', 'destination.ip', 'related.ip']) field(p, (v) => c.decryptIp(v));
    }
    if (s.groups.has('uris')) {
      for (const p of ['sip.from', 'sip.to', 'sip.request.uri', 'sip.contact', 'sip.pai']) field(p, (v) => c.decryptUri(v));
      field('sip.auth_realm', (v) => c.decryptRealm(v));
    }
    if (s.groups.has('call_id')) field('sip.call_id', (v) => c.decryptCallId(v));
    if (s.groups.has('user')) field('user.name', (v) => c.decryptUser(v));
    if (s.groups.has('user_agent')) {
      field('user_agent.original', (v) => c.decryptUserAgent(v));
      field('sip.server_agent', (v) => c.decryptUserAgent(v));
    }
    for (const p of ['sip.request.method', 'sip.response.reason', 'error.message', 'error.code', 'sip.payload_prefix']) field(p, (v) => c.decryptText(v));
    field('sip.msg_trace', (v) => {
      let bad = false;
      const r = mapTrace(v, (m) => {
        const d = c.decryptText(m);
        if (d === null) bad = true;
        return d ?? m;
      });
      return bad ? null : r;
    });
    // Stats documents: extension method names among the request counters (`~…` keys).
    const requests = getPath(out, 'sipsentry.stats.counters.sip.requests');
    if (requests !== null && typeof requests === 'object' && !Array.isArray(requests)) {
      const renamed: Doc = {};
      for (const [k, v] of Object.entries(requests as Doc)) {
        const name = k.startsWith(TEXT_MARK) ? c.decryptText(k) : k;
        if (name === null) throw new DecryptError(`sipsentry.stats.counters.sip.requests: "${k.slice(0, 40)}" is not a ciphertext of key ${key.id}`);
        renamed[name] = v;
      }
      set(out, 'sipsentry.stats.counters.sip.requests', renamed);
    }
    remove(out, KEY_ID_FIELD);
    if (isEmptyObject(out.sip)) delete out.sip;
    return out;
  }

  private cipherFor(id: string, mode: IpMode, make: () => FieldCiphers): FieldCiphers {
    const k = id + '/' + mode;
    let c = this.ciphers.get(k);
    if (c === undefined) {
      c = make();
      this.ciphers.set(k, c);
    }
    return c;
  }
}

function isEmptyObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
}

function set(doc: Doc, path: string, value: unknown): void {
  if (Object.hasOwn(doc, path)) {
    doc[path] = value;
    return;
  }
  const parts = path.split('.');
  let node = doc;
  for (let i = 0; i < parts.length - 1; i++) node = node[parts[i]!] as Doc;
  node[parts[parts.length - 1]!] = value;
}

function remove(doc: Doc, path: string): void {
  if (Object.hasOwn(doc, path)) {
    delete doc[path];
    return;
  }
  const parts = path.split('.');
  let node: Doc | undefined = doc;
  for (let i = 0; i < parts.length - 1 && node !== undefined; i++) node = node[parts[i]!] as Doc | undefined;
  if (node !== undefined) delete node[parts[parts.length - 1]!];
}
