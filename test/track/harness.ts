import { Counters } from '../../src/base/counters.js';
import type { SipPayload, SipTransport } from '../../src/decode/sip-payload.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { defaultTrackOptions, type TrackOptions } from '../../src/track/options.js';
import type { TrackEvent } from '../../src/track/track-event.js';
import { Tracker } from '../../src/track/tracker.js';

/** Packet time origin of every scenario: 2026-01-01T00:00:00Z. */
export const T0_US = Date.UTC(2026, 0, 1) * 1000;

export interface Msg {
  /** Start line, e.g. 'INVITE sip:bob@example.com SIP/2.0' or 'SIP/2.0 200 OK'. */
  line: string;
  headers: [string, string][];
  body?: string;
}

export function text(m: Msg): string {
  const body = m.body ?? '';
  let s = m.line + '\r\n';
  for (const [k, v] of m.headers) s += `${k}: ${v}\r\n`;
  s += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
  return s;
}

export interface ReqOpts {
  callId: string;
  cseq: number;
  from: string;
  fromTag: string;
  to: string;
  toTag?: string;
  branch: string;
  via?: string; // sent-by host:port
  contact?: string | string[];
  extra?: [string, string][];
  body?: string;
}

/** A request with the mandatory headers of RFC 3261 §8.1.1. */
export function req(method: string, ruri: string, o: ReqOpts): Msg {
  const h: [string, string][] = [
    ['Via', `SIP/2.0/UDP ${o.via ?? '10.0.0.1:5060'};branch=${o.branch}`],
    ['Max-Forwards', '70'],
    ['From', `<${o.from}>;tag=${o.fromTag}`],
    ['To', o.toTag ? `<${o.to}>;tag=${o.toTag}` : `<${o.to}>`],
    ['Call-ID', o.callId],
    ['CSeq', `${o.cseq} ${method === 'ACK' || method === 'CANCEL' ? method : method}`],
  ];
  const contacts = o.contact === undefined ? [] : Array.isArray(o.contact) ? o.contact : [o.contact];
  for (const c of contacts) h.push(['Contact', c]);
  h.push(['User-Agent', 'TestPhone/1.0']);
  for (const e of o.extra ?? []) h.push(e);
  return { line: `${method} ${ruri} SIP/2.0`, headers: h, body: o.body };
}

/** A response to `r` (copies Via, From, To, Call-ID, CSeq as RFC 3261 §8.2.6.2 requires). */
export function res(r: Msg, status: number, reason: string, o: { toTag?: string; extra?: [string, string][]; contact?: string[] } = {}): Msg {
  const h: [string, string][] = [];
  for (const [k, v] of r.headers) {
    if (k === 'Via' || k === 'From' || k === 'Call-ID' || k === 'CSeq') h.push([k, v]);
    if (k === 'To') h.push([k, o.toTag && !v.includes(';tag=') ? `${v};tag=${o.toTag}` : v]);
  }
  for (const c of o.contact ?? []) h.push(['Contact', c]);
  h.push(['Server', 'TestServer/2.0']);
  for (const e of o.extra ?? []) h.push(e);
  return { line: `SIP/2.0 ${status} ${reason}`, headers: h };
}

export class Scenario {
  readonly events: TrackEvent[] = [];
  readonly counters = new Counters();
  readonly tracker: Tracker;

  constructor(opts: Partial<TrackOptions> = {}) {
    this.tracker = new Tracker({ ...defaultTrackOptions, ...opts }, this.counters, (e) => this.events.push(e));
  }

  /** Feeds one message sent at `atS` seconds from src ("ip:port") to dst. */
  send(atS: number, src: string, dst: string, m: Msg, transport: SipTransport = 'udp'): void {
    const buf = Buffer.from(text(m));
    const [sip, sport] = split(src);
    const [dip, dport] = split(dst);
    const p: SipPayload = {
      tsUs: T0_US + Math.round(atS * 1e6), ipVersion: 4, srcIp: sip, srcPort: sport, dstIp: dip, dstPort: dport,
      transport, encap: ['eth', 'ipv4', 'udp'], kind: 'sip', buf, start: 0, end: buf.length, skipped: 0, hep: null,
    };
    const msg = parseSipMessage(buf, 0, buf.length);
    if (msg.error !== null) this.tracker.onParseError(p, msg);
    else this.tracker.onMessage(p, msg);
  }

  /** End of capture at `atS` (if later than the last message) plus the settle window. */
  end(atS?: number, settleS = 32) {
    if (atS !== undefined) this.tracker.advance(T0_US + Math.round(atS * 1e6));
    return this.tracker.finish(settleS * 1e6);
  }

  /** Compact view for assertions: action, seconds since T0, status. */
  brief(): string[] {
    return this.events.map((e) => `${e.action}@${(e.tsUs - T0_US) / 1e6}${e.status !== null ? ' ' + e.status : ''}`);
  }
}

function split(a: string): [string, number] {
  const i = a.lastIndexOf(':');
  return [a.slice(0, i), Number(a.slice(i + 1))];
}
