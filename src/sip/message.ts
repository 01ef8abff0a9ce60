/**
 * A parsed SIP message: a view over the bytes [start, end) of `buf` plus a compact header index.
 * Method, status and reason are set by the parse; the Request-URI and every header value are
 * decoded lazily, on first access of their getter, and cached. The view is valid only while `buf`
 * holds the message: call copy() to keep a message beyond the packet callback.
 */
import { LOWER } from './chars.js';
import { listItemEnd, parseUint, skipLws, UINT32_MAX, unfold } from './bytes.js';
import { parseChallenge, parseCredentials } from './digest.js';
import type { DigestChallenge, DigestCredentials } from './digest.js';
import type { SipParseError } from './errors.js';
import { ENTRY_SIZE, FOLDED, ID_MASK, NAME_LEN_SHIFT } from './header-index.js';
import { HeaderId, headerIdOf } from './header-names.js';
import { intern } from './intern.js';
import { methodName } from './methods.js';
import { parseContact, parseNameAddr } from './name-addr.js';
import type { Contact, NameAddr } from './name-addr.js';
import { TextSource } from './source.js';
import { parseVia, parseViaList } from './via.js';
import type { Via } from './via.js';

export type { Contact, NameAddr } from './name-addr.js';
export type { DigestChallenge, DigestCredentials } from './digest.js';
export type { SipParseError } from './errors.js';
export type { Via } from './via.js';

export interface CSeq {
  num: number;
  method: string;
}

/** Values decoded from one list-valued header family are bounded, like the header count. */
const MAX_LIST_VALUES = 256;

/**
 * The byte range of one header value, after unfolding when needed. Module-level so locating a
 * value allocates nothing; valid until the next call of valueRange.
 */
interface ValueRange {
  src: TextSource;
  buf: Buffer;
  start: number;
  end: number;
}
const EMPTY = new TextSource(Buffer.alloc(0), '', 0);
/** The index of a message without header lines; shared, never written (the parser assigns a new one). */
const NO_HEADERS: number[] = [];
const RANGE: ValueRange = { src: EMPTY, buf: EMPTY.buf, start: 0, end: 0 };

export class SipMessage {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** First problem found while parsing, or null. Fields that could be parsed stay available. */
  error: SipParseError | null;
  isRequest: boolean;
  /** Request method token as written (interned); '' for responses. */
  method: string;
  /** Status code; 0 for requests (and for a status line whose code is not three digits). */
  status: number;
  /** Reason phrase, possibly ''; '' for requests. */
  reason: string;
  /** Absolute offsets into buf: [bodyStart, bodyEnd) is the body (possibly empty). */
  bodyStart: number;
  bodyEnd: number;
  /** Number of indexed header lines (continuation lines are part of their header). */
  headerCount: number;
  /** Tolerated deviations from the grammar: a bit set of SipLeniency flags. */
  leniencies: number;

  /** @internal Header index; see header-index.ts. */
  _idx: number[];
  /** @internal Content-Length value, -1 when absent or invalid. */
  _contentLength: number;
  /** @internal CSeq number, -1 when absent or invalid; method range relative to start. */
  _cseqNum: number;
  _cseqMethodStart: number;
  _cseqMethodEnd: number;
  /** @internal Request-URI range relative to start (decoded on first read). */
  _ruriStart: number;
  _ruriEnd: number;

  private _requestUri: string | undefined;
  /** @internal Header-section text, decoded on the first getter that needs a string. */
  private _src: TextSource | null;

  // Lazily decoded values: undefined = not decoded yet.
  private _callId: string | null | undefined;
  private _cseq: CSeq | null | undefined;
  private _from: NameAddr | null | undefined;
  private _to: NameAddr | null | undefined;
  private _vias: Via[] | undefined;
  private _topVia: Via | null | undefined;
  private _contacts: Contact[] | undefined;
  private _expires: number | null | undefined;
  private _credentials: DigestCredentials | null | undefined;
  private _challenge: DigestChallenge | null | undefined;
  private _userAgent: string | null | undefined;
  private _server: string | null | undefined;
  private _pai: NameAddr | null | undefined;
  private _contentType: string | null | undefined;
  private _sessionExpires: number | null | undefined;
  private _maxForwards: number | null | undefined;

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.error = null;
    this.isRequest = false;
    this.method = '';
    this.status = 0;
    this.reason = '';
    this.bodyStart = end;
    this.bodyEnd = end;
    this.headerCount = 0;
    this.leniencies = 0;
    this._idx = NO_HEADERS;
    this._contentLength = -1;
    this._cseqNum = -1;
    this._cseqMethodStart = 0;
    this._cseqMethodEnd = 0;
    this._ruriStart = 0;
    this._ruriEnd = 0;
    this._requestUri = undefined;
    this._src = null;
    this._callId = undefined;
    this._cseq = undefined;
    this._from = undefined;
    this._to = undefined;
    this._vias = undefined;
    this._topVia = undefined;
    this._contacts = undefined;
    this._expires = undefined;
    this._credentials = undefined;
    this._challenge = undefined;
    this._userAgent = undefined;
    this._server = undefined;
    this._pai = undefined;
    this._contentType = undefined;
    this._sessionExpires = undefined;
    this._maxForwards = undefined;
  }

  // ---- index access -------------------------------------------------------------------------

  /** Index (0-based header line number) of the first header with this id, or -1. */
  private first(id: number): number {
    const idx = this._idx;
    const n = this.headerCount;
    for (let i = 0; i < n; i++) {
      if ((idx[i * ENTRY_SIZE] & ID_MASK) === id) return i;
    }
    return -1;
  }

  /** The header section as text (one decode per message, on first use). */
  private source(): TextSource {
    let src = this._src;
    if (src === null) {
      const e = this.bodyStart > this.start ? this.bodyStart : this.end;
      src = TextSource.of(this.buf, this.start, e);
      this._src = src;
    }
    return src;
  }

  /** Points RANGE at the value of header line i, unfolded when it was folded. */
  private valueRange(i: number): ValueRange {
    const k = i * ENTRY_SIZE;
    const s = this.start + this._idx[k + 2];
    const e = this.start + this._idx[k + 3];
    if ((this._idx[k] & FOLDED) !== 0) {
      const u = unfold(this.buf, s, e);
      RANGE.src = TextSource.of(u, 0, u.length);
      RANGE.buf = u;
      RANGE.start = 0;
      RANGE.end = u.length;
    } else {
      const src = this.source();
      RANGE.src = src;
      RANGE.buf = src.buf;
      RANGE.start = s;
      RANGE.end = e;
    }
    return RANGE;
  }

  private text(i: number, encoding: 'utf8' | 'latin1'): string {
    const r = this.valueRange(i);
    return encoding === 'utf8' ? r.src.utf8(r.start, r.end) : r.src.latin1(r.start, r.end);
  }

  /** Request-URI text as written; '' for responses and unparseable request lines. */
  get requestUri(): string {
    if (this._requestUri === undefined) {
      this._requestUri =
        this._ruriEnd > this._ruriStart
          ? this.source().latin1(this.start + this._ruriStart, this.start + this._ruriEnd)
          : '';
    }
    return this._requestUri;
  }

  set requestUri(value: string) {
    this._requestUri = value;
  }

  /** Header id (HeaderId) of header line i; 0 for unknown names. */
  headerId(i: number): number {
    if (i < 0 || i >= this.headerCount) return -1;
    return this._idx[i * ENTRY_SIZE] & ID_MASK;
  }

  /** Name of header line i as written (e.g. 'v', 'CaLl-Id'); '' when i is out of range. */
  headerName(i: number): string {
    if (i < 0 || i >= this.headerCount) return '';
    const k = i * ENTRY_SIZE;
    const s = this.start + this._idx[k + 1];
    return intern(this.buf, s, s + (this._idx[k] >>> NAME_LEN_SHIFT));
  }

  /** Value of header line i (unfolded, UTF-8); '' when i is out of range. */
  headerValue(i: number): string {
    if (i < 0 || i >= this.headerCount) return '';
    return this.text(i, 'utf8');
  }

  /** True when header line i has the (unknown, id 0) name `lower`, compared ignoring ASCII case. */
  private nameIs(i: number, lower: string): boolean {
    const k = i * ENTRY_SIZE;
    const len = this._idx[k] >>> NAME_LEN_SHIFT;
    if (len !== lower.length) return false;
    const s = this.start + this._idx[k + 1];
    for (let j = 0; j < len; j++) {
      if (LOWER[this.buf[s + j]] !== lower.charCodeAt(j)) return false;
    }
    return true;
  }

  /** First value of a header by full or compact name, any case (unfolded, UTF-8); null when absent. */
  header(name: string): string | null {
    const id = headerIdOf(name);
    const lower = id === 0 ? name.toLowerCase() : '';
    const n = this.headerCount;
    for (let i = 0; i < n; i++) {
      const hid = this._idx[i * ENTRY_SIZE] & ID_MASK;
      if (id !== 0 ? hid === id : hid === 0 && this.nameIs(i, lower)) return this.text(i, 'utf8');
    }
    return null;
  }

  /** Every value of a header (one per header line, comma lists not split), in order. */
  headerValues(name: string): string[] {
    const id = headerIdOf(name);
    const lower = id === 0 ? name.toLowerCase() : '';
    const out: string[] = [];
    const n = this.headerCount;
    for (let i = 0; i < n; i++) {
      const hid = this._idx[i * ENTRY_SIZE] & ID_MASK;
      if (id !== 0 ? hid === id : hid === 0 && this.nameIs(i, lower)) out.push(this.text(i, 'utf8'));
    }
    return out;
  }

  // ---- typed getters ------------------------------------------------------------------------

  get callId(): string | null {
    if (this._callId === undefined) {
      const i = this.first(HeaderId.CallId);
      // Call-ID is an identifier: latin1 keeps every byte, so equal bytes give equal keys.
      const v = i < 0 ? '' : this.text(i, 'latin1');
      this._callId = v === '' ? null : v;
    }
    return this._callId;
  }

  get cseq(): CSeq | null {
    if (this._cseq === undefined) {
      this._cseq =
        this._cseqNum < 0
          ? null
          : {
              num: this._cseqNum,
              method: methodName(this.buf, this.start + this._cseqMethodStart, this.start + this._cseqMethodEnd),
            };
    }
    return this._cseq;
  }

  private nameAddr(id: number, list: boolean): NameAddr | null {
    const i = this.first(id);
    if (i < 0) return null;
    const r = this.valueRange(i);
    const e = list ? listItemEnd(r.buf, r.start, r.end) : r.end;
    return parseNameAddr(r.src, r.start, e);
  }

  get from(): NameAddr | null {
    if (this._from === undefined) this._from = this.nameAddr(HeaderId.From, false);
    return this._from;
  }

  get to(): NameAddr | null {
    if (this._to === undefined) this._to = this.nameAddr(HeaderId.To, false);
    return this._to;
  }

  /** P-Asserted-Identity: the first identity of the first header. */
  get pai(): NameAddr | null {
    if (this._pai === undefined) this._pai = this.nameAddr(HeaderId.PAssertedIdentity, true);
    return this._pai;
  }

  /** Every parseable Via value, top first (repeated headers and comma lists). */
  get vias(): Via[] {
    if (this._vias === undefined) {
      const out: Via[] = [];
      const n = this.headerCount;
      for (let i = 0; i < n && out.length < MAX_LIST_VALUES; i++) {
        if ((this._idx[i * ENTRY_SIZE] & ID_MASK) !== HeaderId.Via) continue;
        const r = this.valueRange(i);
        parseViaList(r.src, r.start, r.end, out, MAX_LIST_VALUES);
      }
      this._vias = out;
    }
    return this._vias;
  }

  /**
   * Number of Via values without parsing them: Via header lines, plus the commas of a line that
   * lists several (RFC 3261 §7.3.1). A request with one Via was originated by its sender; more mean
   * proxies relayed it. Raw bytes only: no strings are made.
   */
  get viaCount(): number {
    let n = 0;
    const count = this.headerCount;
    for (let i = 0; i < count; i++) {
      const k = i * ENTRY_SIZE;
      if ((this._idx[k]! & ID_MASK) !== HeaderId.Via) continue;
      n++;
      const e = this.start + this._idx[k + 3]!;
      for (let j = this.start + this._idx[k + 2]!; j < e; j++) if (this.buf[j] === 0x2c) n++;
    }
    return n;
  }

  /** The first Via value; null when absent or unparseable. */
  get topVia(): Via | null {
    if (this._topVia === undefined) {
      const i = this.first(HeaderId.Via);
      if (i < 0) {
        this._topVia = null;
      } else {
        const r = this.valueRange(i);
        // parseVia stops at the comma ending the first via-parm.
        this._topVia = parseVia(r.src, r.start, r.end);
      }
    }
    return this._topVia;
  }

  /** Every parseable Contact value (repeated headers and comma lists). */
  get contacts(): Contact[] {
    if (this._contacts === undefined) {
      const out: Contact[] = [];
      const n = this.headerCount;
      for (let i = 0; i < n && out.length < MAX_LIST_VALUES; i++) {
        if ((this._idx[i * ENTRY_SIZE] & ID_MASK) !== HeaderId.Contact) continue;
        const r = this.valueRange(i);
        const src = r.src;
        const b = r.buf;
        const end = r.end;
        let p = r.start;
        while (p < end && out.length < MAX_LIST_VALUES) {
          const e = listItemEnd(b, p, end);
          if (skipLws(b, p, e) < e) {
            const c = parseContact(src, p, e);
            if (c !== null) out.push(c);
          }
          p = e + 1;
        }
      }
      this._contacts = out;
    }
    return this._contacts;
  }

  /** A delta-seconds header value (digits, optionally followed by ;params); null otherwise. */
  private deltaSeconds(id: number, max: number): number | null {
    const i = this.first(id);
    if (i < 0) return null;
    const r = this.valueRange(i);
    const b = r.buf;
    let e = r.start;
    while (e < r.end && b[e] >= 0x30 && b[e] <= 0x39) e++;
    const rest = skipLws(b, e, r.end);
    if (rest < r.end && b[rest] !== 0x3b) return null;
    const n = parseUint(b, r.start, e, max);
    return n < 0 ? null : n;
  }

  /** Expires header (delta-seconds, up to 2^32-1); null when absent or not a number. */
  get expires(): number | null {
    if (this._expires === undefined) this._expires = this.deltaSeconds(HeaderId.Expires, UINT32_MAX);
    return this._expires;
  }

  /** Session-Expires delta-seconds (RFC 4028 §4); the refresher parameter is ignored. */
  get sessionExpires(): number | null {
    if (this._sessionExpires === undefined) {
      this._sessionExpires = this.deltaSeconds(HeaderId.SessionExpires, UINT32_MAX);
    }
    return this._sessionExpires;
  }

  /** Max-Forwards (RFC 3261 §20.22: 0..255); null when absent or out of range. */
  get maxForwards(): number | null {
    if (this._maxForwards === undefined) {
      const i = this.first(HeaderId.MaxForwards);
      if (i < 0) this._maxForwards = null;
      else {
        const r = this.valueRange(i);
        const n = parseUint(r.buf, r.start, r.end, 255);
        this._maxForwards = n < 0 ? null : n;
      }
    }
    return this._maxForwards;
  }

  /** Authorization, else Proxy-Authorization (the first parseable one). */
  get credentials(): DigestCredentials | null {
    if (this._credentials === undefined) {
      let c: DigestCredentials | null = null;
      const a = this.first(HeaderId.Authorization);
      if (a >= 0) {
        const r = this.valueRange(a);
        c = parseCredentials(r.src, r.start, r.end, 'authorization');
      }
      if (c === null) {
        const p = this.first(HeaderId.ProxyAuthorization);
        if (p >= 0) {
          const r = this.valueRange(p);
          c = parseCredentials(r.src, r.start, r.end, 'proxy-authorization');
        }
      }
      this._credentials = c;
    }
    return this._credentials;
  }

  /** WWW-Authenticate, else Proxy-Authenticate (the first parseable one). */
  get challenge(): DigestChallenge | null {
    if (this._challenge === undefined) {
      let c: DigestChallenge | null = null;
      const w = this.first(HeaderId.WwwAuthenticate);
      if (w >= 0) {
        const r = this.valueRange(w);
        c = parseChallenge(r.src, r.start, r.end, 'www-authenticate');
      }
      if (c === null) {
        const p = this.first(HeaderId.ProxyAuthenticate);
        if (p >= 0) {
          const r = this.valueRange(p);
          c = parseChallenge(r.src, r.start, r.end, 'proxy-authenticate');
        }
      }
      this._challenge = c;
    }
    return this._challenge;
  }

  get userAgent(): string | null {
    if (this._userAgent === undefined) {
      const i = this.first(HeaderId.UserAgent);
      this._userAgent = i < 0 ? null : this.text(i, 'utf8');
    }
    return this._userAgent;
  }

  get server(): string | null {
    if (this._server === undefined) {
      const i = this.first(HeaderId.Server);
      this._server = i < 0 ? null : this.text(i, 'utf8');
    }
    return this._server;
  }

  /** Content-Length; null when absent or invalid (invalid also sets error). */
  get contentLength(): number | null {
    return this._contentLength < 0 ? null : this._contentLength;
  }

  /** Content-Type value as written (media type and parameters), e.g. 'application/sdp'. */
  get contentType(): string | null {
    if (this._contentType === undefined) {
      const i = this.first(HeaderId.ContentType);
      if (i < 0) this._contentType = null;
      else {
        const r = this.valueRange(i);
        this._contentType = intern(r.buf, r.start, r.end);
      }
    }
    return this._contentType;
  }

  /** Lower-cased `type/subtype` of Content-Type without parameters, e.g. 'multipart/mixed'. */
  get contentMediaType(): string | null {
    const ct = this.contentType;
    if (ct === null) return null;
    const semi = ct.indexOf(';');
    return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  }

  /** The body bytes [bodyStart, bodyEnd) as a view (no copy). */
  body(): Buffer {
    return this.buf.subarray(this.bodyStart, this.bodyEnd);
  }

  /** An owned copy: the bytes are copied, so the copy stays valid after buf is reused. */
  copy(): SipMessage {
    const len = this.end - this.start;
    const owned = Buffer.allocUnsafeSlow(len);
    this.buf.copy(owned, 0, this.start, this.end);
    const m = new SipMessage(owned, 0, len);
    m.error = this.error === null ? null : { code: this.error.code, reason: this.error.reason, offset: this.error.offset };
    m.isRequest = this.isRequest;
    m.method = this.method;
    m._ruriStart = this._ruriStart;
    m._ruriEnd = this._ruriEnd;
    // Keeps an assigned value; otherwise the copy decodes its own.
    m._requestUri = this._requestUri;
    m.status = this.status;
    m.reason = this.reason;
    m.bodyStart = this.bodyStart - this.start;
    m.bodyEnd = this.bodyEnd - this.start;
    m.headerCount = this.headerCount;
    m.leniencies = this.leniencies;
    // Index offsets are relative to the message start, so the index is reused as is.
    m._idx = this._idx.slice();
    m._contentLength = this._contentLength;
    m._cseqNum = this._cseqNum;
    m._cseqMethodStart = this._cseqMethodStart;
    m._cseqMethodEnd = this._cseqMethodEnd;
    return m;
  }
}
