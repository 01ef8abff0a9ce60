import type { SipPayload } from '../decode/sip-payload.js';
import type { SipMessage } from '../sip/message.js';
import { isoFromUs } from '../events/time.js';

/**
 * The per-message troubleshooting record of `sipsentry messages`: one JSON object per payload,
 * addresses from the packet (or from HEP), the layers peeled and the key SIP fields.
 */
export function messageView(p: SipPayload, m: SipMessage | null): Record<string, unknown> {
  const o: Record<string, unknown> = {
    '@timestamp': isoFromUs(p.tsUs),
    ts_us: p.tsUs,
    kind: p.kind,
    transport: p.transport,
    src: { ip: p.srcIp, port: p.srcPort },
    dst: { ip: p.dstIp, port: p.dstPort },
    encap: p.encap.join('/'),
    bytes: p.end - p.start,
  };
  if (p.hep !== null) o.hep = p.hep;
  if (p.skipped > 0) o.skipped = p.skipped;
  if (m === null) {
    if (p.kind === 'non-sip') o.payload_prefix = p.buf.toString('hex', p.start, Math.min(p.end, p.start + 16));
    return o;
  }
  const eol = m.buf.indexOf(10, m.start);
  const lineEnd = eol < 0 || eol > m.end ? m.end : eol;
  o.start_line = m.buf.toString('utf8', m.start, lineEnd).replace(/\r$/, '');
  if (m.isRequest) {
    o.method = m.method;
    o.request_uri = m.requestUri;
  } else if (m.status > 0) {
    o.status = m.status;
    o.reason = m.reason;
  }
  o.call_id = m.callId;
  const cseq = m.cseq;
  o.cseq = cseq === null ? null : `${cseq.num} ${cseq.method}`;
  o.from = m.from?.uri ?? null;
  o.from_tag = m.from?.tag ?? null;
  o.to = m.to?.uri ?? null;
  o.to_tag = m.to?.tag ?? null;
  o.via_branch = m.topVia?.branch ?? null;
  o.user_agent = m.userAgent ?? m.server;
  if (m.error !== null) o.error = { code: m.error.code, reason: m.error.reason, offset: m.error.offset };
  return o;
}
