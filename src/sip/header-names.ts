/**
 * Header name table: every known header name (full and compact form) maps to a small integer id,
 * so the header index stores one number per name and getters compare integers, not strings.
 * Unknown names get id 0 (HeaderId.Unknown) and are compared byte-wise when asked for.
 */
export const HeaderId = {
  Unknown: 0,
  CallId: 1,
  CSeq: 2,
  From: 3,
  To: 4,
  Via: 5,
  Contact: 6,
  ContentLength: 7,
  ContentType: 8,
  Expires: 9,
  Authorization: 10,
  ProxyAuthorization: 11,
  WwwAuthenticate: 12,
  ProxyAuthenticate: 13,
  UserAgent: 14,
  Server: 15,
  PAssertedIdentity: 16,
  SessionExpires: 17,
  MaxForwards: 18,
  ContentEncoding: 19,
  Subject: 20,
  Supported: 21,
  ReferTo: 22,
  AllowEvents: 23,
  Event: 24,
  ReferredBy: 25,
  Identity: 26,
  AcceptContact: 27,
  RejectContact: 28,
  RequestDisposition: 29,
  IdentityInfo: 30,
  RecordRoute: 31,
  Route: 32,
  Allow: 33,
  Require: 34,
  ProxyRequire: 35,
  Unsupported: 36,
  Accept: 37,
  AcceptEncoding: 38,
  AcceptLanguage: 39,
  MinExpires: 40,
  RetryAfter: 41,
  Warning: 42,
  Date: 43,
  Timestamp: 44,
  Organization: 45,
  Priority: 46,
  Reason: 47,
  PPreferredIdentity: 48,
  Privacy: 49,
  RemotePartyId: 50,
  Diversion: 51,
  HistoryInfo: 52,
  MinSE: 53,
  RAck: 54,
  RSeq: 55,
  Path: 56,
  ServiceRoute: 57,
  Replaces: 58,
  AuthenticationInfo: 59,
  ContentDisposition: 60,
  ContentLanguage: 61,
  MimeVersion: 62,
  CallInfo: 63,
  AlertInfo: 64,
  ErrorInfo: 65,
  InReplyTo: 66,
  ReplyTo: 67,
  SubscriptionState: 68,
  PAccessNetworkInfo: 69,
  PChargingVector: 70,
  PCalledPartyId: 71,
  PAssociatedUri: 72,
  PPreferredService: 73,
  PAssertedService: 74,
  Geolocation: 75,
  SipETag: 76,
  SipIfMatch: 77,
  ReferSub: 78,
  TargetDialog: 79,
} as const;
export type HeaderId = (typeof HeaderId)[keyof typeof HeaderId];

/**
 * [id, canonical name, compact form or ''] — compact forms from RFC 3261 §7.3.3 (i m e l c f s k t v)
 * and the extensions that registered one: o/u (RFC 6665), r (RFC 3515), x (RFC 4028),
 * b (RFC 3892), y (RFC 8224), n (RFC 4474), a/j/d (RFC 3841).
 */
const TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [HeaderId.CallId, 'Call-ID', 'i'],
  [HeaderId.CSeq, 'CSeq', ''],
  [HeaderId.From, 'From', 'f'],
  [HeaderId.To, 'To', 't'],
  [HeaderId.Via, 'Via', 'v'],
  [HeaderId.Contact, 'Contact', 'm'],
  [HeaderId.ContentLength, 'Content-Length', 'l'],
  [HeaderId.ContentType, 'Content-Type', 'c'],
  [HeaderId.Expires, 'Expires', ''],
  [HeaderId.Authorization, 'Authorization', ''],
  [HeaderId.ProxyAuthorization, 'Proxy-Authorization', ''],
  [HeaderId.WwwAuthenticate, 'WWW-Authenticate', ''],
  [HeaderId.ProxyAuthenticate, 'Proxy-Authenticate', ''],
  [HeaderId.UserAgent, 'User-Agent', ''],
  [HeaderId.Server, 'Server', ''],
  [HeaderId.PAssertedIdentity, 'P-Asserted-Identity', ''],
  [HeaderId.SessionExpires, 'Session-Expires', 'x'],
  [HeaderId.MaxForwards, 'Max-Forwards', ''],
  [HeaderId.ContentEncoding, 'Content-Encoding', 'e'],
  [HeaderId.Subject, 'Subject', 's'],
  [HeaderId.Supported, 'Supported', 'k'],
  [HeaderId.ReferTo, 'Refer-To', 'r'],
  [HeaderId.AllowEvents, 'Allow-Events', 'u'],
  [HeaderId.Event, 'Event', 'o'],
  [HeaderId.ReferredBy, 'Referred-By', 'b'],
  [HeaderId.Identity, 'Identity', 'y'],
  [HeaderId.AcceptContact, 'Accept-Contact', 'a'],
  [HeaderId.RejectContact, 'Reject-Contact', 'j'],
  [HeaderId.RequestDisposition, 'Request-Disposition', 'd'],
  [HeaderId.IdentityInfo, 'Identity-Info', 'n'],
  [HeaderId.RecordRoute, 'Record-Route', ''],
  [HeaderId.Route, 'Route', ''],
  [HeaderId.Allow, 'Allow', ''],
  [HeaderId.Require, 'Require', ''],
  [HeaderId.ProxyRequire, 'Proxy-Require', ''],
  [HeaderId.Unsupported, 'Unsupported', ''],
  [HeaderId.Accept, 'Accept', ''],
  [HeaderId.AcceptEncoding, 'Accept-Encoding', ''],
  [HeaderId.AcceptLanguage, 'Accept-Language', ''],
  [HeaderId.MinExpires, 'Min-Expires', ''],
  [HeaderId.RetryAfter, 'Retry-After', ''],
  [HeaderId.Warning, 'Warning', ''],
  [HeaderId.Date, 'Date', ''],
  [HeaderId.Timestamp, 'Timestamp', ''],
  [HeaderId.Organization, 'Organization', ''],
  [HeaderId.Priority, 'Priority', ''],
  [HeaderId.Reason, 'Reason', ''],
  [HeaderId.PPreferredIdentity, 'P-Preferred-Identity', ''],
  [HeaderId.Privacy, 'Privacy', ''],
  [HeaderId.RemotePartyId, 'Remote-Party-ID', ''],
  [HeaderId.Diversion, 'Diversion', ''],
  [HeaderId.HistoryInfo, 'History-Info', ''],
  [HeaderId.MinSE, 'Min-SE', ''],
  [HeaderId.RAck, 'RAck', ''],
  [HeaderId.RSeq, 'RSeq', ''],
  [HeaderId.Path, 'Path', ''],
  [HeaderId.ServiceRoute, 'Service-Route', ''],
  [HeaderId.Replaces, 'Replaces', ''],
  [HeaderId.AuthenticationInfo, 'Authentication-Info', ''],
  [HeaderId.ContentDisposition, 'Content-Disposition', ''],
  [HeaderId.ContentLanguage, 'Content-Language', ''],
  [HeaderId.MimeVersion, 'MIME-Version', ''],
  [HeaderId.CallInfo, 'Call-Info', ''],
  [HeaderId.AlertInfo, 'Alert-Info', ''],
  [HeaderId.ErrorInfo, 'Error-Info', ''],
  [HeaderId.InReplyTo, 'In-Reply-To', ''],
  [HeaderId.ReplyTo, 'Reply-To', ''],
  [HeaderId.SubscriptionState, 'Subscription-State', ''],
  [HeaderId.PAccessNetworkInfo, 'P-Access-Network-Info', ''],
  [HeaderId.PChargingVector, 'P-Charging-Vector', ''],
  [HeaderId.PCalledPartyId, 'P-Called-Party-ID', ''],
  [HeaderId.PAssociatedUri, 'P-Associated-URI', ''],
  [HeaderId.PPreferredService, 'P-Preferred-Service', ''],
  [HeaderId.PAssertedService, 'P-Asserted-Service', ''],
  [HeaderId.Geolocation, 'Geolocation', ''],
  [HeaderId.SipETag, 'SIP-ETag', ''],
  [HeaderId.SipIfMatch, 'SIP-If-Match', ''],
  [HeaderId.ReferSub, 'Refer-Sub', ''],
  [HeaderId.TargetDialog, 'Target-Dialog', ''],
];

/** Canonical spelling by id ('' for Unknown). */
export const HEADER_NAMES: readonly string[] = (() => {
  const names: string[] = new Array<string>(TABLE.length + 1).fill('');
  for (const [id, name] of TABLE) names[id] = name;
  return names;
})();

const SLOTS = 512;
const SLOT_MASK = SLOTS - 1;
/** Open-addressing table: slot -> id + 1 (0 = empty). */
const slotIds = new Uint8Array(SLOTS);
/** Lower-case name bytes per table entry, indexed like slotIds. */
const slotNames: Uint8Array[] = new Array<Uint8Array>(SLOTS).fill(new Uint8Array(0));
/** Lower-case full and compact names -> id, for lookups by string. */
const byString = new Map<string, number>();

/**
 * Table slot for a name of `len` bytes whose first and last bytes are `first` and `last`
 * (case-folded with | 0x20). Hashing three values instead of every byte keeps the scan loop to
 * a plain token test; collisions only cost a failed compare.
 */
function slotOf(len: number, first: number, last: number): number {
  return ((first << 4) ^ (last << 1) ^ (len * 37)) & SLOT_MASK;
}

function addName(id: number, name: string): void {
  const lower = name.toLowerCase();
  byString.set(lower, id);
  const bytes = Buffer.from(lower, 'latin1');
  let slot = slotOf(bytes.length, bytes[0], bytes[bytes.length - 1]);
  while (slotIds[slot] !== 0) slot = (slot + 1) & SLOT_MASK;
  slotIds[slot] = id + 1;
  slotNames[slot] = new Uint8Array(bytes);
}

for (const [id, name, compact] of TABLE) {
  addName(id, name);
  if (compact !== '') addName(id, compact);
}

/**
 * Id of the header name in bytes [start, end) (a non-empty token); 0 when unknown.
 * Bytes are compared with `| 0x20`: inside a token that folds exactly the letters A-Z, and the
 * table holds only lower-case letters, digits and '-'. The probe sequence ends at an empty slot,
 * so the loop is bounded by the table size.
 */
export function lookupHeaderName(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  let slot = slotOf(len, buf[start] | 0x20, buf[end - 1] | 0x20);
  for (let probes = 0; probes < SLOTS; probes++) {
    const v = slotIds[slot];
    if (v === 0) return 0;
    const name = slotNames[slot];
    if (name.length === len) {
      let i = 0;
      while (i < len && name[i] === (buf[start + i] | 0x20)) i++;
      if (i === len) return v - 1;
    }
    slot = (slot + 1) & SLOT_MASK;
  }
  return 0;
}

/** Id for a header name given as a string (full or compact, any case); 0 when unknown. */
export function headerIdOf(name: string): number {
  return byString.get(name.toLowerCase()) ?? 0;
}
