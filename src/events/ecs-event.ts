import type { EventAction, TrackEvent } from '../track/track-event.js';
import { isoFromUs, windowLabel } from './time.js';

/** ECS version the documents follow (checked against the @elastic/ecs field set in tests). */
export const ECS_VERSION = '9.4.0';

interface Classification {
  category: readonly string[];
  type: readonly string[];
  outcome: 'success' | 'failure' | 'unknown';
}

/**
 * ECS categorisation per action (allowed values: https://www.elastic.co/guide/en/ecs/current/ecs-allowed-values-event-category.html).
 * `session` is a call or a registration; `authentication` the digest exchange; `network` the raw protocol facts.
 */
export const CLASSIFICATION: Readonly<Record<EventAction, Classification>> = {
  'call-attempt': { category: ['network', 'session'], type: ['end'], outcome: 'failure' },
  'call-start': { category: ['network', 'session'], type: ['start'], outcome: 'success' },
  'call-end': { category: ['network', 'session'], type: ['end'], outcome: 'success' },
  'reg-new': { category: ['session'], type: ['start'], outcome: 'success' },
  'reg-del': { category: ['session'], type: ['end'], outcome: 'success' },
  'reg-expired': { category: ['session'], type: ['end'], outcome: 'unknown' },
  'auth-failed': { category: ['authentication'], type: ['info'], outcome: 'failure' },
  'other-ok': { category: ['network'], type: ['protocol'], outcome: 'success' },
  'other-failed': { category: ['network'], type: ['protocol'], outcome: 'failure' },
  'other-timeout': { category: ['network'], type: ['protocol'], outcome: 'failure' },
  'parse-error': { category: ['network'], type: ['protocol', 'info'], outcome: 'unknown' },
  'msg-probe': { category: ['network'], type: ['protocol', 'info'], outcome: 'unknown' },
};

export type EcsDocument = Record<string, unknown>;

/**
 * Builds the ECS document of a tracker fact. Only known values are written: a field the tracker
 * could not establish is absent, never zero, empty or the epoch.
 */
export function toEcs(e: TrackEvent): EcsDocument {
  const c = CLASSIFICATION[e.action];
  const event: Record<string, unknown> = {
    kind: 'event',
    action: e.action,
    category: c.category,
    type: c.type,
    outcome: c.outcome,
  };
  if (e.startUs !== null) event.start = isoFromUs(e.startUs);
  if (e.endUs !== null) event.end = isoFromUs(e.endUs);
  if (e.startUs !== null && e.endUs !== null) event.duration = (e.endUs - e.startUs) * 1000; // ECS: nanoseconds

  const doc: EcsDocument = { '@timestamp': isoFromUs(e.tsUs), ecs: { version: ECS_VERSION }, event };
  if (e.client !== null) doc.client = { ip: e.client.ip, port: e.client.port };
  if (e.server !== null) doc.server = { ip: e.server.ip, port: e.server.port };
  const network: Record<string, unknown> = { protocol: 'sip' };
  if (e.transport) network.transport = e.transport;
  if (e.bytes !== null) network.bytes = e.bytes;
  doc.network = network;
  if (e.userAgent !== null) doc.user_agent = { original: e.userAgent };
  if (e.user !== null) doc.user = { name: e.user };
  if (e.errorCode !== null) doc.error = { code: e.errorCode, message: e.errorMessage };

  const sip: Record<string, unknown> = {};
  if (e.callId !== null) sip.call_id = e.callId;
  if (e.from !== null) sip.from = e.from;
  if (e.to !== null) sip.to = e.to;
  if (e.fromTag !== null) sip.from_tag = e.fromTag;
  if (e.toTag !== null) sip.to_tag = e.toTag;
  if (e.requestUri !== null || e.method !== null) {
    const request: Record<string, unknown> = {};
    if (e.method !== null) request.method = e.method;
    if (e.requestUri !== null) request.uri = e.requestUri;
    sip.request = request;
  }
  if (e.status !== null) {
    const response: Record<string, unknown> = { status: e.status };
    if (e.reason !== null) response.reason = e.reason;
    sip.response = response;
  }
  if (e.contact !== null) sip.contact = e.contact;
  if (e.expires !== null) sip.expires = e.expires;
  if (e.serverAgent !== null) sip.server_agent = e.serverAgent;
  if (e.pai !== null) sip.pai = e.pai;
  if (e.realm !== null) sip.auth_realm = e.realm;
  if (e.pddMs !== null) sip.pdd_ms = e.pddMs;
  if (e.ringMs !== null) sip.ring_ms = e.ringMs;
  if (e.originator !== null) sip.originator = e.originator;
  if (e.timeout) sip.timeout = true;
  if (e.cancelled) sip.cancelled = true;
  if (e.partial) sip.partial = true;
  if (e.errorOffset !== null) sip.error_offset = e.errorOffset;
  if (e.payloadPrefix !== null) sip.payload_prefix = e.payloadPrefix;
  if (e.trace !== null && e.trace !== '') sip.msg_trace = e.trace;
  if (e.encap.length > 0) sip.encap = e.encap.join('/');
  if (e.keyId !== null) sip.key_id = e.keyId;
  const r = e.rate;
  if (r !== null) {
    sip.rate = {
      state: r.state,
      exceeded: r.exceeded,
      suppressed: r.suppressed,
      suppressed_total: r.suppressedTotal,
      current: r.current,
      limit: r.limit,
      window: windowLabel(r.windowS),
      since: isoFromUs(r.sinceUs),
    };
  }
  doc.sip = sip;
  return doc;
}
