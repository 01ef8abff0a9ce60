/**
 * The honeypot's answer to one parsed request, as bytes. Pure: no sockets, no clock; randomness
 * comes in through the context, so tests get exact bytes.
 *
 * Policy: look like a PBX that exists, advertises its capabilities and asks for credentials, and
 * never let anyone in — credentials are always refused. Nothing is answered that a real stack
 * would not answer (ACK, responses), nothing is answered to what cannot be parsed, and no answer
 * exceeds MAX_RESPONSE_BYTES, so the honeypot never amplifies.
 */
import { createHmac } from 'node:crypto';
import { HeaderId, parseUri, SipErrorCode } from '../sip/index.js';
import type { SipMessage, Via } from '../sip/index.js';
import type { Persona } from './persona.js';

/** Largest response sent (one Ethernet MTU): a request that would need more is not answered. */
export const MAX_RESPONSE_BYTES = 1500;

export interface ResponderContext {
  persona: Persona;
  /** The packet's source: where the request really came from, whatever its Via says. */
  srcIp: string;
  srcPort: number;
  /** Secret mixed into To tags: stable per Call-ID, unpredictable to the peer. */
  tagKey: Buffer;
  /** A fresh nonce for each challenge. */
  nonce: () => string;
}

export type Answer =
  | { kind: 'answer'; responses: Buffer[] }
  /** Nothing to answer by protocol: ACK, and responses. */
  | { kind: 'none' }
  /** Unusable request: bad start line, a mandatory header missing or unparseable, unsafe text. */
  | { kind: 'malformed'; reason: string }
  /** The response would exceed MAX_RESPONSE_BYTES. */
  | { kind: 'too-large' };

/** RFC 3261 §27.4 plus the extensions in common use (RFC 3262, 3265, 3311, 3428, 3515, 3903, 6086). */
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE']);
/** Requests a PBX authenticates before acting on them. */
const CHALLENGED = new Set(['REGISTER', 'INVITE', 'SUBSCRIBE', 'MESSAGE', 'PUBLISH']);
/** Requests that only make sense inside a dialog; the honeypot never has one. */
const IN_DIALOG = new Set(['BYE', 'INFO', 'UPDATE', 'PRACK', 'NOTIFY', 'REFER']);

/** Parse errors that leave the headers the answer copies intact (the bad line is skipped). */
const TOLERATED_ERRORS = new Set<string>([SipErrorCode.BadHeaderLine]);

const REASONS: Record<number, string> = {
  100: 'Trying', 200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 407: 'Proxy Authentication Required', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 486: 'Busy Here', 488: 'Not Acceptable Here', 500: 'Server Internal Error',
  501: 'Not Implemented', 503: 'Service Unavailable', 603: 'Decline',
};
const CLASS_REASONS = ['', 'Provisional', 'OK', 'Redirection', 'Request Failure', 'Server Failure', 'Global Failure'];

function reasonOf(status: number): string {
  return REASONS[status] ?? CLASS_REASONS[Math.floor(status / 100)] ?? 'Unknown';
}

/** Copied text that would break the framing of the response (a bare CR, LF or NUL in a value). */
const UNSAFE = /[\r\n\0]/;

const START_LINE_ERRORS = new Set<string>([SipErrorCode.Empty, SipErrorCode.BadStartLine, SipErrorCode.BadVersion, SipErrorCode.BadStatusCode]);

/** The start line parsed as a SIP/2.0 request or status line. */
export function hasValidStartLine(m: SipMessage): boolean {
  return m.error === null || !START_LINE_ERRORS.has(m.error.code);
}

export function respond(m: SipMessage, ctx: ResponderContext): Answer {
  const err = m.error;
  if (!hasValidStartLine(m)) return { kind: 'malformed', reason: err!.code };
  // A response is never answered; an ACK to a non-2xx ends in the server transaction (RFC 3261 §17.2.1).
  if (!m.isRequest || m.method === 'ACK') return { kind: 'none' };
  if (err !== null && !TOLERATED_ERRORS.has(err.code)) return { kind: 'malformed', reason: err.code };

  const req = requestParts(m, ctx);
  if (typeof req === 'string') return { kind: 'malformed', reason: req };

  const finals = policy(m, ctx);
  const out: Buffer[] = [];
  // RFC 3261 §17.2.1: an INVITE server transaction answers 100 Trying at once.
  if (m.method === 'INVITE') out.push(build(req, 100, [], null, ctx));
  out.push(build(req, finals.status, finals.extra, toTag(ctx.tagKey, req.callId), ctx));
  for (const b of out) if (b.length > MAX_RESPONSE_BYTES) return { kind: 'too-large' };
  return { kind: 'answer', responses: out };
}

/** What a response copies from its request (RFC 3261 §8.2.6.2), checked once. */
interface RequestParts {
  vias: string[];
  from: string;
  to: string;
  toHasTag: boolean;
  callId: string;
  cseq: string;
}

function requestParts(m: SipMessage, ctx: ResponderContext): RequestParts | string {
  const callId = m.callId;
  const cseq = m.cseq;
  const from = m.from;
  const to = m.to;
  const top = m.topVia;
  if (callId === null || cseq === null || from === null || to === null || top === null) return SipErrorCode.MissingMandatory;
  const vias: string[] = [];
  let fromText = '';
  let toText = '';
  for (let i = 0; i < m.headerCount; i++) {
    const id = m.headerId(i);
    if (id === HeaderId.Via) vias.push(m.headerValue(i));
    else if (id === HeaderId.From && fromText === '') fromText = m.headerValue(i);
    else if (id === HeaderId.To && toText === '') toText = m.headerValue(i);
  }
  if (UNSAFE.test(callId) || UNSAFE.test(fromText) || UNSAFE.test(toText) || vias.some((v) => UNSAFE.test(v))) return 'honeypot.unsafe_header_text';
  vias[0] = rewriteTopVia(vias[0]!, top, ctx.srcIp, ctx.srcPort);
  return { vias, from: fromText, to: toText, toHasTag: to.tag !== null, callId, cseq: `${cseq.num} ${cseq.method}` };
}

interface Final {
  status: number;
  extra: string[];
}

function policy(m: SipMessage, ctx: ResponderContext): Final {
  const p = ctx.persona;
  const method = m.method;
  const allow = `Allow: ${p.allow.join(', ')}`;
  // RFC 3261 §8.2.1: 501 for a method not recognised, 405 with Allow for one not supported.
  if (!KNOWN_METHODS.has(method)) return { status: 501, extra: [] };
  if (method !== 'CANCEL' && !p.allow.includes(method)) return { status: 405, extra: [allow] };
  if (method === 'OPTIONS') {
    // RFC 3261 §11.2: the answer to OPTIONS lists Allow, Accept and Supported.
    const extra = [allow, 'Accept: application/sdp'];
    if (p.supported.length > 0) extra.push(`Supported: ${p.supported.join(', ')}`);
    return { status: p.optionsStatus, extra };
  }
  // RFC 3261 §9.2: the CANCEL itself is answered 200; there is never an INVITE to end.
  if (method === 'CANCEL') return { status: 200, extra: [] };
  if (IN_DIALOG.has(method)) return { status: 481, extra: [] };
  if (!CHALLENGED.has(method)) return { status: 405, extra: [allow] };
  // Any credentials are refused, so authentication never completes: 403, "authorization will
  // not help" (RFC 3261 §21.4.4).
  if (m.headerValues('Authorization').length > 0 || m.headerValues('Proxy-Authorization').length > 0) return { status: 403, extra: [] };
  if (!isKnownUser(m, p)) return { status: 404, extra: [] };
  // RFC 3261 §22.1: a registrar challenges with 401/WWW-Authenticate, everything else with
  // 407/Proxy-Authenticate. RFC 2617 §3.2.1 / RFC 3261 §22.4: Digest, MD5, qop auth.
  const realm = p.realm !== '' ? p.realm : (parseUri(m.requestUri)?.host ?? 'sip');
  const challenge = `Digest realm="${realm.replace(/["\\\r\n]/g, '')}", nonce="${ctx.nonce()}", algorithm=MD5, qop="auth"`;
  return method === 'REGISTER'
    ? { status: 401, extra: [`WWW-Authenticate: ${challenge}`] }
    : { status: 407, extra: [`Proxy-Authenticate: ${challenge}`] };
}

/**
 * The account a request is about: the AoR (To) of a REGISTER (RFC 3261 §10.2), the Request-URI
 * target of anything else, falling back to To when the Request-URI has no user.
 */
function isKnownUser(m: SipMessage, p: Persona): boolean {
  if (p.knownUsers.length === 0) return true;
  const toUser = parseUri(m.to?.uri ?? '')?.user ?? null;
  const user = m.method === 'REGISTER' ? toUser : (parseUri(m.requestUri)?.user ?? toUser);
  return user !== null && p.knownUsers.includes(user);
}

function build(req: RequestParts, status: number, extra: string[], tag: string | null, ctx: ResponderContext): Buffer {
  let head = `SIP/2.0 ${status} ${reasonOf(status)}\r\n`;
  for (const v of req.vias) head += `Via: ${v}\r\n`;
  head += `From: ${req.from}\r\n`;
  // RFC 3261 §8.2.6.2: a tag is added to a To without one; a 100 Trying may go without.
  head += tag !== null && !req.toHasTag ? `To: ${req.to};tag=${tag}\r\n` : `To: ${req.to}\r\n`;
  let tail = `CSeq: ${req.cseq}\r\n`;
  for (const h of extra) tail += `${h}\r\n`;
  tail += `Server: ${ctx.persona.userAgent}\r\nContent-Length: 0\r\n\r\n`;
  // Call-ID is copied byte for byte (latin1), the rest is text (UTF-8).
  return Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(`Call-ID: ${req.callId}\r\n`, 'latin1'), Buffer.from(tail, 'utf8')]);
}

/** A To tag derived from the Call-ID: every response in one call carries the same tag. */
export function toTag(key: Buffer, callId: string): string {
  return createHmac('sha256', key).update(callId, 'latin1').digest('hex').slice(0, 16);
}

/**
 * The top via-parm with the reply address noted: `received` when the sent-by host differs from
 * the packet source (RFC 3261 §18.2.1); with `rport`, `received` always and `rport` set to the
 * source port (RFC 3581 §4). Other via-parms of the same header line are left as they are.
 */
export function rewriteTopVia(value: string, top: Via, srcIp: string, srcPort: number): string {
  const withRport = top.rport !== null;
  if (!withRport && sameAddress(top.host, srcIp)) return value;
  const cut = indexOutsideQuotes(value, ',', 0);
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const semi = indexOutsideQuotes(value, ';', from);
    const end = semi < cut ? semi : cut;
    parts.push(value.slice(from, end).trim());
    if (end === cut) break;
    from = end + 1;
  }
  const kept = [parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const name = parts[i]!.split('=', 1)[0]!.trim().toLowerCase();
    if (name !== 'received' && !(withRport && name === 'rport')) kept.push(parts[i]!);
  }
  kept.push(`received=${srcIp}`);
  if (withRport) kept.push(`rport=${srcPort}`);
  return kept.join(';') + value.slice(cut);
}

/** Index of the first `ch` at or after `from` outside a quoted string, or text.length. */
function indexOutsideQuotes(text: string, ch: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) return i;
  }
  return text.length;
}

/** Same IP address (IPv6 compared in canonical form); a domain name never matches. */
function sameAddress(host: string, ip: string): boolean {
  if (host.toLowerCase() === ip.toLowerCase()) return true;
  if (!host.includes(':') || !ip.includes(':')) return false;
  const a = canonicalIpv6(host);
  return a !== null && a === canonicalIpv6(ip);
}

function canonicalIpv6(a: string): string | null {
  try {
    return new URL(`http://[${a}]/`).hostname;
  } catch {
    return null;
  }
}
