import { own } from '../base/own.js';
import type { Alert } from '../events/alert.js';
import type { Endpoint, TrackEvent } from '../track/track-event.js';
import { DEFAULT_CACHE_SIZE, RecentCache } from './cache.js';
import { FieldCiphers } from './ciphers.js';
import { loadKeys, type Group, type IpMode, type PrivacyConfig } from './config.js';
import type { MasterKey } from './keys.js';
import { isPlainErrorCode, isPlainErrorMessage, isPlainMethod, isPlainReason, mapTrace } from './residual.js';
import { formatScheme } from './scheme.js';

export interface EncryptorOptions {
  groups: readonly Group[];
  key: MasterKey;
  ipMode?: IpMode;
  cacheSize?: number;
}

/** Rewrites one event's sensitive fields in place; also carries what a caller may need to show or reuse. */
export interface Encryptor {
  (e: TrackEvent): void;
  /** The key-id field value stamped on every event, e.g. `3f9a1c0b/ips,uris,call_id,user,user_agent`. */
  readonly scheme: string;
  readonly keyId: string;
  readonly groups: readonly Group[];
  /** What it was made from: an encryption worker thread makes its own equal encryptor from these. */
  readonly options: EncryptorOptions;
  /** The field ciphers, for other outputs that show the same values (API, stats, rate keys). */
  readonly ciphers: FieldCiphers;
  /** A counters snapshot with names that embed message content (extension methods) encrypted. */
  counters(snapshot: Record<string, number>): Record<string, number>;
  /** Rewrites one alert's sensitive fields in place (same groups and ciphers as events). */
  alert(a: Alert): void;
  /** A copy of a stats document (`sipsentry.stats.counters` nested by name) with the same names encrypted. */
  statsDocument<D extends object>(doc: D): D;
  /**
   * The lists of the end-of-run summary (tracker `finish()`): Call-IDs, "METHOD Call-ID" and
   * "AoR contact", with the parts of the enabled groups encrypted, for log lines.
   */
  summaryLists(lists: SummaryLists): SummaryLists;
}

export interface SummaryLists {
  calls: string[];
  bindings: string[];
  pending: string[];
}

/** The event with the key-id field (added to TrackEvent by the events stage as `keyId`). */
type KeyedEvent = TrackEvent & { keyId?: string | null };

const REQUESTS = 'sip.requests.';

// Memo slots: the string fields an event of a call or binding shares with the subject's other events.
const FROM = 0;
const TO = 1;
const RURI = 2;
const CONTACT = 3;
const PAI = 4;
const REALM = 5;
const CALL_ID = 6;
const USER = 7;
const AGENT = 8;
const SERVER_AGENT = 9;
const SLOTS = 10;

/**
 * One subject's plaintexts and their ciphertexts (kept in the subject's DerivedSlot): its second
 * event (call-end after call-start, reg-expired after reg-new) compares each field with what was
 * encrypted last time instead of looking it up in the caches, each lookup a likely CPU-cache miss.
 */
class SubjectMemo {
  readonly plain: (string | null)[] = new Array<string | null>(SLOTS).fill(null);
  readonly cipher: string[] = new Array<string>(SLOTS).fill('');
  /** Client and server endpoints (the subject's own objects) and their encrypted copies. */
  readonly ends: (Endpoint | null)[] = [null, null];
  readonly endsEnc: (Endpoint | null)[] = [null, null];

  constructor(readonly owner: object) {}

  endpoint(i: number, plain: Endpoint, f: (p: Endpoint) => Endpoint): Endpoint {
    if (this.ends[i] === plain) return this.endsEnc[i]!;
    const r = f(plain);
    this.ends[i] = plain;
    this.endsEnc[i] = r;
    return r;
  }

  get(slot: number, plain: string, f: (v: string) => string): string {
    if (this.plain[slot] === plain) return this.cipher[slot]!;
    const r = f(plain);
    // Owned: the subject may live for hours, the plaintext may be a slice of a whole message.
    this.plain[slot] = own(plain);
    this.cipher[slot] = r;
    return r;
  }
}

/**
 * The privacy processor: applied to each TrackEvent before serialisation, it replaces the values
 * of the enabled groups with their ciphertexts and stamps the key id.
 *   ips        client.ip, server.ip (new Endpoint objects: the tracker's own stay untouched)
 *   uris       from, to, request URI, contact, PAI (user and host apart), and the digest realm
 *   call_id    Call-ID
 *   user       user.name (digest username or URI user: same cipher as URI user parts)
 *   user_agent User-Agent (UAC) and Server/User-Agent (UAS)
 * With any group on, residual fields that could quote plaintext are encrypted unless they are
 * one of the fixed texts (residual.ts): reason phrase, error message and code, extension methods
 * (field and message trace), payload prefix.
 */
export function createEncryptor(opts: EncryptorOptions): Encryptor {
  if (opts.groups.length === 0) throw new RangeError('createEncryptor: no field group to encrypt');
  const ipMode = opts.ipMode ?? 'prefix';
  const c = new FieldCiphers(opts.key, ipMode, opts.cacheSize ?? DEFAULT_CACHE_SIZE);
  const g = new Set(opts.groups);
  const ips = g.has('ips');
  const uris = g.has('uris');
  const callIds = g.has('call_id');
  const users = g.has('user');
  const agents = g.has('user_agent');
  const scheme = formatScheme(opts.key.id, opts.groups, ipMode);
  const method = (m: string): string => (isPlainMethod(m) ? m : c.text(m));
  const traces = new RecentCache<string>(1024);
  // Identifies this encryptor's memos: another encryptor (another key) must not take them for its own.
  const memoOwner = {};
  const uriOf = (u: string): string => c.uri(u);
  const realmOf = (r: string): string => c.realm(r);
  const callIdOf = (id: string): string => c.callId(id);
  const userOf = (u: string): string => c.user(u);
  const agentOf = (a: string): string => c.userAgent(a);
  /** Encrypts through the subject's memo when the event has a subject, else through the caches alone. */
  const field = (m: SubjectMemo | null, slot: number, v: string, f: (v: string) => string): string => (m === null ? f(v) : m.get(slot, v, f));
  const endpoint = (p: Endpoint): Endpoint => ({ ip: c.ip(p.ip), port: p.port });

  const encrypt = (ev: TrackEvent): void => {
    const e = ev as KeyedEvent;
    // Never twice: a second pass would encrypt ciphertext, which no key decrypts back to plaintext.
    if (e.keyId === scheme) return;
    let m: SubjectMemo | null = null;
    const subject = e.subject;
    if (subject !== null) {
      const d = subject.derived;
      if (d instanceof SubjectMemo && d.owner === memoOwner) m = d;
      else subject.derived = m = new SubjectMemo(memoOwner);
    }
    if (ips) {
      if (e.client !== null) e.client = m === null ? endpoint(e.client) : m.endpoint(0, e.client, endpoint);
      if (e.server !== null) e.server = m === null ? endpoint(e.server) : m.endpoint(1, e.server, endpoint);
    }
    if (uris) {
      // From = To (registrations) and To = request URI are common: reuse rather than look up again.
      const from = e.from;
      const to = e.to;
      if (from !== null) e.from = field(m, FROM, from, uriOf);
      if (to !== null) e.to = to === from ? e.from : field(m, TO, to, uriOf);
      if (e.requestUri !== null) e.requestUri = e.requestUri === to ? e.to : field(m, RURI, e.requestUri, uriOf);
      if (e.contact !== null) e.contact = field(m, CONTACT, e.contact, uriOf);
      if (e.pai !== null) e.pai = e.pai === from ? e.from : field(m, PAI, e.pai, uriOf);
      if (e.realm !== null) e.realm = field(m, REALM, e.realm, realmOf);
    }
    if (callIds && e.callId !== null) e.callId = field(m, CALL_ID, e.callId, callIdOf);
    if (users && e.user !== null) e.user = field(m, USER, e.user, userOf);
    if (agents) {
      if (e.userAgent !== null) e.userAgent = field(m, AGENT, e.userAgent, agentOf);
      if (e.serverAgent !== null) e.serverAgent = field(m, SERVER_AGENT, e.serverAgent, agentOf);
    }
    if (e.method !== null && !isPlainMethod(e.method)) e.method = c.text(e.method);
    if (e.reason !== null && !isPlainReason(e.reason)) e.reason = c.text(e.reason);
    if (e.errorMessage !== null && !isPlainErrorMessage(e.errorMessage)) e.errorMessage = c.text(e.errorMessage);
    if (e.errorCode !== null && !isPlainErrorCode(e.errorCode)) e.errorCode = c.text(e.errorCode);
    if (e.payloadPrefix !== null) e.payloadPrefix = c.text(e.payloadPrefix);
    if (e.trace !== null && e.trace !== '') {
      let t = traces.get(e.trace);
      if (t === undefined) {
        t = mapTrace(e.trace, method);
        traces.set(e.trace, t);
      }
      e.trace = t;
    }
    e.keyId = scheme;
  };

  const counters = (snapshot: Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(snapshot)) {
      if (k.startsWith(REQUESTS) && !isPlainMethod(k.slice(REQUESTS.length))) out[REQUESTS + c.text(k.slice(REQUESTS.length))] = v;
      else out[k] = v;
    }
    return out;
  };

  const statsDocument = <D extends object>(doc: D): D => {
    const out = structuredClone(doc);
    const sip = (out as { sipsentry?: { stats?: { counters?: { sip?: { requests?: Record<string, unknown> } } } } }).sipsentry?.stats?.counters?.sip;
    const req = sip?.requests;
    if (sip && req && typeof req === 'object') {
      const renamed: Record<string, unknown> = {};
      for (const [m, v] of Object.entries(req)) renamed[m === 'value' || isPlainMethod(m) ? m : c.text(m)] = v;
      sip.requests = renamed;
    }
    // The key id, as on events: a reader tells which key encrypted the method names and can decrypt them.
    const o = out as { sip?: Record<string, unknown> };
    o.sip = { ...(o.sip ?? {}), key_id: scheme };
    return out;
  };

  // Evidence values that quote message content; the rest are counts, rule texts and country codes.
  const alert = (a: Alert): void => {
    if (a.keyId === scheme) return;
    if (ips) {
      if (a.sourceIp !== null) a.sourceIp = c.ip(a.sourceIp);
      if (a.serverIp !== null) a.serverIp = c.ip(a.serverIp);
    }
    if (users && a.user !== null) a.user = c.user(a.user);
    if (uris && a.target !== null) a.target = c.user(a.target);
    if (agents && a.userAgent !== null) a.userAgent = c.userAgent(a.userAgent);
    const ev = a.evidence;
    if (uris && typeof ev.realm === 'string') ev.realm = c.realm(ev.realm);
    if (uris && typeof ev.prefixes === 'string') ev.prefixes = ev.prefixes.split(',').map((x) => c.text(x)).join(',');
    if (uris && typeof ev.prefix === 'string') ev.prefix = c.text(ev.prefix);
    if (typeof ev.method === 'string' && !isPlainMethod(ev.method)) ev.method = c.text(ev.method);
    a.keyId = scheme;
  };

  const listUri = (u: string): string => (uris ? c.uri(u) : u);
  const listCallId = (id: string): string => (callIds ? c.callId(id) : id);
  const summaryLists = (l: SummaryLists): SummaryLists => ({
    calls: l.calls.map(listCallId),
    bindings: l.bindings.map((b) => b.split(' ').map(listUri).join(' ')),
    pending: l.pending.map((p) => {
      const sp = p.indexOf(' ');
      return sp < 0 ? listCallId(p) : method(p.slice(0, sp)) + ' ' + listCallId(p.slice(sp + 1));
    }),
  });

  return Object.assign(encrypt, { scheme, keyId: opts.key.id, groups: [...opts.groups], options: { ...opts }, ciphers: c, counters, alert, statsDocument, summaryLists });
}

/** The encryptor a configuration asks for (keys loaded from its sources), or null when no group is on. */
export function encryptorFromConfig(cfg: PrivacyConfig, env: NodeJS.ProcessEnv = process.env): Encryptor | null {
  if (cfg.groups.length === 0) return null;
  const keys = loadKeys(cfg.key, env);
  return createEncryptor({ groups: cfg.groups, key: keys[0]!, ipMode: cfg.ipMode, cacheSize: cfg.cacheSize });
}
