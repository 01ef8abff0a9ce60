import { DEFAULT_CACHE_SIZE, RecentCache } from './cache.js';
import type { IpMode } from './config.js';
import { CryptoPan } from './crypto-pan.js';
import { formatIp, parseIp } from '../decode/ip/ip-text.js';
import { IpcryptDeterministic } from './ipcrypt.js';
import type { MasterKey } from './keys.js';
import { PrefixCipher } from './prefix-cipher.js';
import { StringCipher } from './string-cipher.js';
import { decryptUri, encryptUri, hostAddress, labels, type UriPartCiphers, type UriPartDeciphers } from './uri.js';

/** Prefix of residual values that were encrypted (a plain value never starts with it). */
export const TEXT_MARK = '~';
const NAME_SUFFIX = '.invalid';

/**
 * Every field cipher of one master key, each behind a cache of recent results (values repeat:
 * the same users, hosts and addresses event after event, so most calls are one map lookup).
 * Encryption never fails; decryption returns null when a value is not a ciphertext of this key.
 *
 * Sub-keys (HKDF purpose labels): ip/crypto-pan, ip/ipcrypt, user (URI user parts and user.name:
 * equal names give equal ciphertexts in both), host, uri-segment, call-id, user-agent, text.
 */
export class FieldCiphers {
  readonly keyId: string;
  readonly ipMode: IpMode;
  private readonly pan: CryptoPan;
  private readonly ipc: IpcryptDeterministic;
  private readonly users: PrefixCipher;
  private readonly hosts: StringCipher;
  private readonly segments: StringCipher;
  private readonly callIds: StringCipher;
  private readonly agents: StringCipher;
  private readonly texts: StringCipher;
  private readonly enc: Record<Kind, RecentCache<string>>;
  private readonly dec: Record<Kind, RecentCache<string | null>>;
  private readonly uriEnc: UriPartCiphers;
  private readonly uriDec: UriPartDeciphers;

  constructor(key: MasterKey, ipMode: IpMode = 'prefix', cacheSize = DEFAULT_CACHE_SIZE) {
    this.keyId = key.id;
    this.ipMode = ipMode;
    this.pan = new CryptoPan(key.subkey('ip/crypto-pan', 32));
    this.ipc = new IpcryptDeterministic(key.subkey('ip/ipcrypt', 16));
    this.users = new PrefixCipher(key.subkey('user', 64));
    this.hosts = new StringCipher(key.subkey('host', 64));
    this.segments = new StringCipher(key.subkey('uri-segment', 64));
    this.callIds = new StringCipher(key.subkey('call-id', 64));
    this.agents = new StringCipher(key.subkey('user-agent', 64));
    this.texts = new StringCipher(key.subkey('text', 64));
    const caches = <T>(): Record<Kind, RecentCache<T>> => {
      const r = {} as Record<Kind, RecentCache<T>>;
      for (const k of KINDS) r[k] = new RecentCache<T>(cacheSize);
      return r;
    };
    this.enc = caches<string>();
    this.dec = caches<string | null>();
    this.uriEnc = {
      user: (s) => this.user(s),
      ip: (s) => this.ip(s),
      hostName: (s) => this.hostName(s),
      segment: (s) => this.segment(s),
    };
    this.uriDec = {
      user: (s) => this.decryptUser(s),
      ip: (s) => this.decryptIp(s),
      hostName: (s) => this.decryptHostName(s),
      segment: (s) => this.segments.decrypt(s),
    };
  }

  private decrypted(kind: Kind, v: string, f: (v: string) => string | null): string | null {
    const c = this.dec[kind];
    let r = c.get(v);
    if (r === undefined) {
      r = f(v);
      c.set(v, r);
    }
    return r;
  }

  // ------------------------------------------------------------------ encryption
  // Each method looks in its cache first; no closure is made on the hot path.

  /** An IP address; still an address (Crypto-PAn keeps prefixes, ipcrypt does not). */
  ip(text: string): string {
    const c = this.enc.ip;
    let r = c.get(text);
    if (r === undefined) {
      const b = parseIp(text);
      // Not an address (never produced by the decoder): encrypted as text rather than leaked.
      if (b === null) r = TEXT_MARK + this.texts.encrypt(text);
      else r = formatIp(this.ipMode === 'prefix' ? this.pan.encrypt(b) : this.ipc.encrypt(b));
      c.set(text, r);
    }
    return r;
  }

  /** A network `addr/len` (or an address): the encrypted network, for prefix (CIDR) searches. */
  ipNetwork(text: string): string {
    const slash = text.indexOf('/');
    if (slash < 0) return this.ip(text);
    if (this.ipMode !== 'prefix') throw new RangeError('ip mode "full" does not preserve prefixes: only exact addresses can be searched');
    const b = parseIp(text.slice(0, slash));
    const len = Number(text.slice(slash + 1));
    if (b === null || !/^[0-9]{1,3}$/.test(text.slice(slash + 1)) || len > b.length * 8) throw new RangeError(`not a network: ${text}`);
    const e = this.pan.encrypt(b);
    for (let i = len; i < e.length * 8; i++) e[i >>> 3]! &= ~(0x80 >>> (i & 7));
    return formatIp(e) + '/' + len;
  }

  /** A URI user part or a user name: prefix-preserving, hex. A prefix encrypts to a prefix. */
  user(text: string): string {
    const c = this.enc.user;
    let r = c.get(text);
    if (r === undefined) {
      r = this.users.encryptHex(text);
      c.set(text, r);
    }
    return r;
  }

  /** A URI host as written: IP literal through the address cipher, names lower-cased. */
  host(text: string): string {
    const ip = hostAddress(text);
    if (ip !== null) return this.ip(formatIp(ip));
    return this.uriEnc.hostName(text.toLowerCase());
  }

  /** A digest realm (usually the domain): the host-name form, case kept. */
  realm(text: string): string {
    return this.uriEnc.hostName(text);
  }

  uri(text: string): string {
    const c = this.enc.uri;
    let r = c.get(text);
    if (r === undefined) {
      r = encryptUri(text, this.uriEnc);
      c.set(text, r);
    }
    return r;
  }

  callId(text: string): string {
    const c = this.enc.callId;
    let r = c.get(text);
    if (r === undefined) {
      r = this.callIds.encrypt(text);
      c.set(text, r);
    }
    return r;
  }

  userAgent(text: string): string {
    const c = this.enc.agent;
    let r = c.get(text);
    if (r === undefined) {
      r = this.agents.encrypt(text);
      c.set(text, r);
    }
    return r;
  }

  /** A residual value (reason, error text, method, payload prefix): `~<base32>`. */
  text(text: string): string {
    const c = this.enc.text;
    let r = c.get(text);
    if (r === undefined) {
      r = TEXT_MARK + this.texts.encrypt(text);
      c.set(text, r);
    }
    return r;
  }

  private segment(text: string): string {
    const c = this.enc.segment;
    let r = c.get(text);
    if (r === undefined) {
      r = this.segments.encrypt(text);
      c.set(text, r);
    }
    return r;
  }

  private hostName(lower: string): string {
    const c = this.enc.host;
    let r = c.get(lower);
    if (r === undefined) {
      r = labels(this.hosts.encrypt(lower)) + NAME_SUFFIX;
      c.set(lower, r);
    }
    return r;
  }

  // ------------------------------------------------------------------ decryption

  decryptIp(text: string): string | null {
    return this.decrypted('ip', text, (v) => {
      if (v.startsWith(TEXT_MARK)) return this.texts.decrypt(v.slice(1));
      const b = parseIp(v);
      if (b === null) return null;
      return formatIp(this.ipMode === 'prefix' ? this.pan.decrypt(b) : this.ipc.decrypt(b));
    });
  }

  decryptUser(hex: string): string | null {
    return this.decrypted('user', hex, (v) => {
      if (!/^(?:[0-9a-f]{2})*$/.test(v)) return null;
      const p = this.users.decrypt(Buffer.from(v, 'hex'));
      // Prefix-preserving encryption has no tag: bytes that are not UTF-8 betray a wrong key (the key id is the real check).
      try {
        return UTF8.decode(p);
      } catch {
        return null;
      }
    });
  }

  decryptHost(text: string): string | null {
    const ip = hostAddress(text);
    if (ip !== null) return this.decryptIp(formatIp(ip));
    return this.decryptHostName(text);
  }

  decryptRealm(text: string): string | null {
    return this.decryptHostName(text);
  }

  private decryptHostName(text: string): string | null {
    return this.decrypted('host', text, (v) => {
      if (!v.endsWith(NAME_SUFFIX)) return null;
      return this.hosts.decrypt(v.slice(0, -NAME_SUFFIX.length).replace(/\./g, ''));
    });
  }

  decryptUri(text: string): string | null {
    return this.decrypted('uri', text, (v) => decryptUri(v, this.uriDec));
  }

  decryptCallId(text: string): string | null {
    return this.decrypted('callId', text, (v) => this.callIds.decrypt(v));
  }

  decryptUserAgent(text: string): string | null {
    return this.decrypted('agent', text, (v) => this.agents.decrypt(v));
  }

  /** A residual value: `~<base32>` decrypts; any other value was left plain and is returned as is. */
  decryptText(text: string): string | null {
    if (!text.startsWith(TEXT_MARK)) return text;
    return this.decrypted('text', text, (v) => this.texts.decrypt(v.slice(1)));
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const KINDS = ['ip', 'user', 'host', 'segment', 'uri', 'callId', 'agent', 'text'] as const;
type Kind = (typeof KINDS)[number];
