/**
 * Via values. RFC 3261 §20.42 / §25.1:
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
 *   sent-by = host [ COLON port ]
 * https://www.rfc-editor.org/rfc/rfc3261#section-20.42
 */
import { C_COLON, C_TOKEN, C_VALUE_STOP, CHAR_CLASS, COLON, COMMA, LBRACKET, RBRACKET, SEMI, SLASH } from './chars.js';
import { equalsLower, listItemEnd, parseUint, skipLws } from './bytes.js';
import { intern } from './intern.js';
import { PARAM, readParam } from './params.js';
import type { TextSource } from './source.js';

export interface Via {
  /** Normalised to upper case without white space: 'SIP/2.0/UDP'. */
  protocol: string;
  /** Upper case: 'UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'. */
  transport: string;
  /** Host as written; an IPv6 reference is given without its brackets. */
  host: string;
  port: number | null;
  branch: string | null;
  received: string | null;
  /** RFC 3581 rport: the port number, -1 for a bare `;rport`, null when absent or not a port. */
  rport: number | null;
  /** maddr parameter (multicast or explicit reply address). */
  maddr?: string | null;
  /** ttl parameter (0..255). */
  ttl?: number | null;
}

function tokenEnd(buf: Buffer, p: number, end: number): number {
  while (p < end && (CHAR_CLASS[buf[p]] & C_TOKEN) !== 0) p++;
  return p;
}

/** Interned, upper-cased text of [start, end). */
function upper(buf: Buffer, start: number, end: number): string {
  const s = intern(buf, start, end);
  for (let p = start; p < end; p++) {
    const c = buf[p];
    if (c >= 0x61 && c <= 0x7a) return s.toUpperCase();
  }
  return s;
}

/** The transports seen on nearly every Via, recognised without a lookup. */
function knownTransport(buf: Buffer, s: number, e: number): string {
  if (e - s === 3) {
    const a = buf[s] | 0x20;
    const b = buf[s + 1] | 0x20;
    const c = buf[s + 2] | 0x20;
    if (a === 0x75 && b === 0x64 && c === 0x70) return 'UDP';
    if (a === 0x74 && b === 0x63 && c === 0x70) return 'TCP';
    if (a === 0x74 && b === 0x6c && c === 0x73) return 'TLS';
  }
  return '';
}

/** True when [s, s+7) is "SIP/2.0" in any case. */
function isSip20(buf: Buffer, s: number, e: number): boolean {
  return e - s === 7 && equalsLower(buf, s, e, 'sip/2.0');
}

function hasDoubleColon(buf: Buffer, s: number, e: number): boolean {
  for (let p = s + 1; p < e; p++) if (buf[p] === COLON && buf[p - 1] === COLON) return true;
  return false;
}

/** Where the last parseVia call stopped: at the ',' before the next via-parm, at end, or at junk. */
let viaEnd = 0;

/**
 * The first via-parm of [start, end); parsing stops at the comma that separates it from the next
 * one (see viaEnd). Null when unparseable.
 */
export function parseVia(src: TextSource, start: number, end: number): Via | null {
  const buf = src.buf;
  let p = skipLws(buf, start, end);
  const nameS = p;
  const nameE = tokenEnd(buf, p, end);
  if (nameE === nameS) return null;
  p = skipLws(buf, nameE, end);
  if (p >= end || buf[p] !== SLASH) return null;
  const verS = skipLws(buf, p + 1, end);
  const verE = tokenEnd(buf, verS, end);
  if (verE === verS) return null;
  p = skipLws(buf, verE, end);
  if (p >= end || buf[p] !== SLASH) return null;
  const trS = skipLws(buf, p + 1, end);
  const trE = tokenEnd(buf, trS, end);
  if (trE === trS) return null;

  let transport = knownTransport(buf, trS, trE);
  let protocol: string;
  if (transport !== '' && nameE + 1 === verS && verE + 1 === trS && isSip20(buf, nameS, verE)) {
    protocol = transport === 'UDP' ? 'SIP/2.0/UDP' : transport === 'TCP' ? 'SIP/2.0/TCP' : 'SIP/2.0/TLS';
  } else {
    if (transport === '') transport = upper(buf, trS, trE);
    protocol = upper(buf, nameS, nameE) + '/' + upper(buf, verS, verE) + '/' + transport;
  }

  p = skipLws(buf, trE, end);
  if (p >= end) return null;
  let host: string;
  let port: number | null = null;
  let colon = -1;
  if (buf[p] === LBRACKET) {
    const hs = p + 1;
    while (p < end && buf[p] !== RBRACKET) p++;
    if (p >= end || p === hs) return null;
    host = src.latin1(hs, p);
    p++;
  } else {
    const hs = p;
    let colons = 0;
    while (p < end) {
      const f = CHAR_CLASS[buf[p]];
      if ((f & (C_VALUE_STOP | C_COLON)) !== 0) {
        if ((f & C_VALUE_STOP) !== 0) break;
        colons++;
        colon = p;
      }
      p++;
    }
    if (colons === 1 || (colons === 8 && !hasDoubleColon(buf, hs, p))) {
      // One colon: host:port. Eight colons and no '::': a bare, fully written IPv6 address
      // followed by :port (seen from real phones); the last group is the port.
      if (colon === hs) return null;
      host = src.latin1(hs, colon);
      port = parseUint(buf, colon + 1, p, 65535);
      if (port < 0) return null;
    } else {
      // Leniency: other bare addresses with colons are taken as an IPv6 address without port.
      if (p === hs) return null;
      host = src.latin1(hs, p);
    }
  }
  p = skipLws(buf, p, end);
  if (port === null && colon < 0 && p < end && buf[p] === COLON) {
    const ps = skipLws(buf, p + 1, end);
    let pe = ps;
    while (pe < end && (CHAR_CLASS[buf[pe]] & C_VALUE_STOP) === 0) pe++;
    port = parseUint(buf, ps, pe, 65535);
    if (port < 0) return null;
    p = skipLws(buf, pe, end);
  }

  let branch: string | null = null;
  let received: string | null = null;
  let rport: number | null = null;
  let maddr: string | null = null;
  let ttl: number | null = null;
  while (p < end && buf[p] === SEMI) {
    p = readParam(buf, p + 1, end);
    const ns = PARAM.nameStart;
    const ne = PARAM.nameEnd;
    const vs = PARAM.valueStart;
    const ve = PARAM.valueEnd;
    // Quoted values are only legal for extension params; those are skipped. Dispatch on the name
    // length first so most params cost one compare.
    if (!PARAM.quoted) {
      const len = ne - ns;
      if (len === 6) {
        if (branch === null && vs >= 0 && equalsLower(buf, ns, ne, 'branch')) branch = src.latin1(vs, ve);
      } else if (len === 5) {
        if (equalsLower(buf, ns, ne, 'rport')) {
          if (rport === null) {
            if (vs < 0 || ve === vs) rport = -1;
            else {
              const n = parseUint(buf, vs, ve, 65535);
              rport = n < 0 ? null : n;
            }
          }
        } else if (maddr === null && vs >= 0 && equalsLower(buf, ns, ne, 'maddr')) {
          maddr = src.latin1(vs, ve);
        }
      } else if (len === 8) {
        if (received === null && vs >= 0 && equalsLower(buf, ns, ne, 'received')) received = src.latin1(vs, ve);
      } else if (len === 3) {
        if (ttl === null && vs >= 0 && equalsLower(buf, ns, ne, 'ttl')) {
          const n = parseUint(buf, vs, ve, 255);
          ttl = n < 0 ? null : n;
        }
      }
    }
    p = skipLws(buf, p, end);
  }
  viaEnd = p;
  return { protocol, transport, host, port, branch, received, rport, maddr, ttl };
}

/** Appends every via-parm of a (comma-separated) Via value to `out`, skipping unparseable ones. */
export function parseViaList(src: TextSource, start: number, end: number, out: Via[], max: number): void {
  const buf = src.buf;
  let p = start;
  while (p < end && out.length < max) {
    if (skipLws(buf, p, end) >= end) break;
    const v = parseVia(src, p, end);
    if (v !== null) out.push(v);
    // After junk (or an unparseable value) resynchronise on the next top-level comma.
    let e = v !== null ? viaEnd : p;
    if (e < end && buf[e] !== COMMA) e = listItemEnd(buf, e, end);
    p = e + 1;
  }
}
