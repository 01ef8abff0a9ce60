import { parseSipMessage } from '../sip/parse.js';
import { KNOWN_METHODS } from '../sip/methods.js';
import type { LoggedMessage } from '../track/message-log.js';
import type { ApiPrivacy } from './api-privacy.js';

export interface FlowEndpoint {
  ip: string;
  port: number;
}

export interface FlowMessage {
  t: string;
  offsetMs: number;
  src: FlowEndpoint;
  dst: FlowEndpoint;
  transport: string;
  /** `INVITE`, `180 Ringing` (with encryption on: the method if standard, the status code alone). */
  label: string;
  method: string | null;
  status: number | null;
  cseq: string;
  /** A copy of an earlier message of the same transaction, same direction and hop. */
  retransmission: boolean;
  /** The message as captured; null when encryption is on. */
  text: string | null;
}

export interface CallFlow {
  callId: string;
  /** `ip:port` of every party in order of first appearance: the ladder's columns. */
  parties: string[];
  messages: FlowMessage[];
  /** Messages of this Call-ID seen but not kept (message log caps). */
  truncated: boolean;
  dropped: number;
}

const KNOWN: ReadonlySet<string> = new Set(KNOWN_METHODS);

/**
 * The ladder of one Call-ID, as sngrep or HOMER draw it: every copy that crossed the capture
 * point, proxied legs included. A retransmission is a message whose hop (addresses), start line,
 * CSeq, top Via branch and To tag were already seen: a proxy's forwarded copy is a different hop,
 * and forked responses differ in their To tag, so neither is taken for one.
 */
export function buildCallFlow(callId: string, shownCallId: string, log: { messages: readonly LoggedMessage[]; dropped: number }, privacy: ApiPrivacy): CallFlow {
  const parties: string[] = [];
  const partyIndex = new Map<string, number>();
  const seen = new Set<string>();
  const party = (ip: string, port: number): FlowEndpoint => {
    const e = { ip: privacy.ip(ip), port };
    const k = ip.includes(':') ? `[${e.ip}]:${port}` : `${e.ip}:${port}`;
    if (!partyIndex.has(k)) {
      partyIndex.set(k, parties.length);
      parties.push(k);
    }
    return e;
  };
  const first = log.messages[0]?.tsUs ?? 0;
  const messages: FlowMessage[] = [];
  for (const lm of log.messages) {
    const m = parseSipMessage(lm.bytes, 0, lm.bytes.length);
    const cseq = m.cseq;
    const topVia = m.topVia;
    const startLine = m.isRequest ? `${m.method} ${m.requestUri}` : String(m.status);
    const hop = `${lm.srcIp}|${lm.srcPort}|${lm.dstIp}|${lm.dstPort}|${lm.transport}`;
    const key = `${hop}|${startLine}|${cseq?.num ?? ''} ${cseq?.method ?? ''}|${topVia?.branch ?? ''}|${m.to?.tag ?? ''}`;
    const retransmission = seen.has(key);
    seen.add(key);
    const method = m.isRequest ? m.method : null;
    const shownMethod = method !== null && privacy.on && !KNOWN.has(method) ? 'OTHER' : method;
    const label = m.isRequest ? (shownMethod ?? '') : privacy.on || m.reason === '' ? String(m.status) : `${m.status} ${m.reason}`;
    const src = party(lm.srcIp, lm.srcPort);
    const dst = party(lm.dstIp, lm.dstPort);
    messages.push({
      t: new Date(Math.floor(lm.tsUs / 1000)).toISOString(),
      offsetMs: (lm.tsUs - first) / 1000,
      src,
      dst,
      transport: lm.transport,
      label,
      method: shownMethod,
      status: m.isRequest ? null : m.status,
      cseq: cseq === null ? '' : `${cseq.num} ${privacy.on && !KNOWN.has(cseq.method) ? 'OTHER' : cseq.method}`,
      retransmission,
      text: privacy.on ? null : lm.bytes.toString('utf8'),
    });
  }
  return { callId: shownCallId, parties, messages, truncated: log.dropped > 0, dropped: log.dropped };
}
