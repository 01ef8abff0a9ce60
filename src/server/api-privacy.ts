import { parseIp, formatIp } from '../decode/ip/ip-text.js';
import type { Encryptor } from '../privacy/processor.js';

/**
 * What the API shows and accepts when field encryption is on: the same ciphertexts as the events,
 * never the plaintext the probe holds in memory (tracker tables, call flows, the blocklist). Values
 * sent back by a client (an address to unban, a Call-ID to trace) are ciphertext too and are
 * decrypted here. With encryption off every method is the identity.
 */
export class ApiPrivacy {
  private readonly groups: ReadonlySet<string>;

  constructor(private enc: Encryptor | null) {
    this.groups = new Set(enc?.groups ?? []);
  }

  /** Key rotation: the API shows and accepts the new key's ciphertexts from now on (same groups). */
  rekey(enc: Encryptor): void {
    this.enc = enc;
  }

  get on(): boolean {
    return this.enc !== null;
  }

  /** For /api/v1/info: which key and groups, never the key itself. */
  describe(): { keyId: string; groups: string[]; ipMode: string } | null {
    return this.enc === null ? null : { keyId: this.enc.keyId, groups: [...this.enc.groups], ipMode: this.enc.ciphers.ipMode };
  }

  /** A stats document as the outputs get it (rate keys and the like encrypted). */
  document<D extends object>(doc: D): D {
    return this.enc === null ? doc : this.enc.statsDocument(doc);
  }

  ip(v: string): string {
    return this.enc !== null && this.groups.has('ips') ? this.enc.ciphers.ip(v) : v;
  }

  /** A network (`addr/len`); in the non-prefix-preserving ip mode only single addresses can be shown. */
  network(v: string): string {
    if (this.enc === null || !this.groups.has('ips')) return v;
    const slash = v.indexOf('/');
    const whole = slash < 0 || Number(v.slice(slash + 1)) === (parseIp(v.slice(0, slash))?.length ?? 0) * 8;
    if (this.enc.ciphers.ipMode !== 'prefix' && !whole) return 'hidden/' + v.slice(slash + 1);
    return this.enc.ciphers.ipNetwork(v);
  }

  uri(v: string | null): string | null {
    return v !== null && this.enc !== null && this.groups.has('uris') ? this.enc.ciphers.uri(v) : v;
  }

  callId(v: string): string {
    return this.enc !== null && this.groups.has('call_id') ? this.enc.ciphers.callId(v) : v;
  }

  user(v: string | null): string | null {
    return v !== null && this.enc !== null && this.groups.has('user') ? this.enc.ciphers.user(v) : v;
  }

  userAgent(v: string | null): string | null {
    return v !== null && this.enc !== null && this.groups.has('user_agent') ? this.enc.ciphers.userAgent(v) : v;
  }

  /** An address a client sent (ciphertext when ips are encrypted) → the real address, or null. */
  ipIn(v: string): string | null {
    const plain = this.enc !== null && this.groups.has('ips') ? this.enc.ciphers.decryptIp(v) : v;
    if (plain === null) return null;
    const b = parseIp(plain);
    return b === null ? null : formatIp(b);
  }

  /** A network a client sent → the real network (prefix mode keeps prefixes), or null. */
  networkIn(v: string): string | null {
    if (this.enc === null || !this.groups.has('ips')) return v;
    const slash = v.indexOf('/');
    const addr = this.ipIn(slash < 0 ? v : v.slice(0, slash));
    if (addr === null) return null;
    if (slash < 0) return addr;
    const len = Number(v.slice(slash + 1));
    const b = parseIp(addr)!;
    if (!Number.isInteger(len) || len < 0 || len > b.length * 8) return null;
    if (this.enc.ciphers.ipMode !== 'prefix' && len !== b.length * 8) return null;
    // Only the prefix decrypts to the real prefix; the host bits below it are noise to clear.
    for (let i = len; i < b.length * 8; i++) b[i >>> 3]! &= ~(0x80 >>> (i & 7));
    return formatIp(b) + '/' + len;
  }

  /** A Call-ID a client sent → the real one, or null when it is not a ciphertext of this key. */
  callIdIn(v: string): string | null {
    return this.enc !== null && this.groups.has('call_id') ? this.enc.ciphers.decryptCallId(v) : v;
  }
}
